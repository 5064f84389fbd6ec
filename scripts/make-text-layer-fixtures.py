#!/usr/bin/env python3
"""Writes the text-layer fixtures into fixtures/text-layer/, LibreOffice's PDFs of flat ODT
documents written here from text in this file (no third-party content):

- rtl.pdf: paragraphs of Arabic, of Hebrew, and mixed (Hebrew with a Latin word and numbers,
  Hebrew with a parenthesis and a currency sign, Arabic with digits and a parenthesis), set
  right to left, below a left-to-right paragraph. LibreOffice draws right-to-left text in
  visual order, as most producers do.
- ligatures.pdf: a LaTeX-like page whose text holds the ligature characters U+FB00-U+FB04
  (ﬀ ﬁ ﬂ ﬃ ﬄ), which the PDF's ToUnicode map keeps, as pdfTeX's does for its ligatures.
- vertical.pdf: a landscape page of Japanese set vertically (a Type 0 font in Identity-V, writing
  mode 1, as dvipdfmx and DTP programs write it), in two tiers: a title column and four columns
  above, three columns and a column holding a date and, below it, a name underneath. The columns
  are drawn in scrambled order (lower tier first, left to right), so only their places say how
  they read. Written here by a small PDF writer: the font is not embedded (its ToUnicode map
  gives the text; no Japanese font is needed to make or to read it).

    apt-get install libreoffice-writer-nogui fonts-dejavu-core
    python3 scripts/make-text-layer-fixtures.py
"""
import os
import shutil
import zlib
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "text-layer")

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:font-face-decls>
  <style:font-face style:name="{font}" svg:font-family="'{font}'"/>
 </office:font-face-decls>
 <office:automatic-styles>
  <style:style style:name="L" style:family="paragraph">
   <style:paragraph-properties fo:margin-bottom="0.4cm"/>
   <style:text-properties style:font-name="{font}" style:font-name-complex="{font}" fo:font-size="12pt"
    style:font-size-complex="12pt"/>
  </style:style>
  <style:style style:name="R" style:family="paragraph" style:parent-style-name="L">
   <style:paragraph-properties fo:text-align="end" style:writing-mode="rl-tb" fo:margin-bottom="0.4cm"/>
   <style:text-properties style:font-name="{font}" style:font-name-complex="{font}" fo:font-size="12pt"
    style:font-size-complex="12pt"/>
  </style:style>
  <style:style style:name="H" style:family="paragraph">
   <style:paragraph-properties fo:margin-bottom="0.4cm"/>
   <style:text-properties style:font-name="{font}" fo:font-size="17pt" fo:font-weight="bold"/>
  </style:style>
 </office:automatic-styles>
 <office:body><office:text>
"""
TAIL = """ </office:text></office:body>
</office:document>
"""

RTL = [
    ("L", "Greetings in two scripts, each written from right to left, with numbers and Latin words."),
    ("R", "مرحبا بالعالم"),
    ("R", "שלום עולם"),
    ("R", "הגרסה Swift 6 יצאה בשנת 2024"),
    ("R", "המחיר (כולל מע״מ) הוא 120 ₪"),
    ("R", "العدد 42 في (القائمة)"),
]

LIGATURES = [
    ("H", "On the eﬀect of ﬁnite diﬀerences"),
    ("L", "We ﬁrst show that the two schemes behave diﬀerently: the ﬂux is oﬀ by a ﬁxed amount, "
          "an eﬃcient ﬁlter removes it, and the baﬄing ﬁgures of Section 2 follow."),
    ("L", "The oﬃce staﬀ ﬁled the ﬁnal ﬁgures."),
]


# Each column: its x (the column's left edge, points from the left) and y (its top, points from
# the top), and its text; characters of 14 pt advance 14 pt down the column.
VERTICAL = [
    (700, 60, "春の朝"),
    (660, 60, "窓をあけると風が入る"),
    (636, 60, "庭の木に小さな鳥がいる"),
    (612, 60, "湯気の立つお茶を飲みながら"),
    (588, 60, "今日の仕事を考える"),
    (660, 340, "駅までの道は静かで"),
    (636, 340, "川の水は光っている"),
    (612, 340, "電車はまだ来ない"),
    (564, 340, "二〇二六年四月一日"),
    (564, 480, "山田花子"),
]
VERTICAL_DRAWN = [5, 6, 7, 8, 9, 4, 3, 2, 1, 0]  # lower tier first, then the upper from the left


def write_vertical(name):
    """A one-page PDF of VERTICAL set in a vertical (Identity-V) Type 0 font, each character
    its own CID (1, 2, … in order of first use), mapped back by the font's ToUnicode CMap."""
    cids = {}
    for _, _, text in VERTICAL:
        for char in text:
            cids.setdefault(char, len(cids) + 1)
    height, size = 612, 14
    content = []
    for index in VERTICAL_DRAWN:
        x, top, text = VERTICAL[index]
        # In writing mode 1 the origin is the top centre of the first character's box.
        glyphs = "".join(f"{cids[char]:04X}" for char in text)
        content.append(f"BT /F1 {size} Tf 1 0 0 1 {x + size / 2} {height - top} Tm <{glyphs}> Tj ET")
    stream = "\n".join(content).encode()
    cmap = "\n".join([
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        "1 begincodespacerange <0000> <FFFF> endcodespacerange",
        f"{len(cids)} beginbfchar",
        *(f"<{cid:04X}> <{ord(char):04X}>" for char, cid in cids.items()),
        "endbfchar endcmap CMapName currentdict /CMap defineresource pop end end",
    ]).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 792 612] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(zlib.compress(stream)), zlib.compress(stream)),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /IPAMincho /Encoding /Identity-V /DescendantFonts [6 0 R] /ToUnicode 8 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /IPAMincho /CIDToGIDMap /Identity /DW 1000 /DW2 [880 -1000]"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R >>",
        b"<< /Type /FontDescriptor /FontName /IPAMincho /Flags 4 /FontBBox [0 -120 1000 880] /ItalicAngle 0 /Ascent 880"
        b" /Descent -120 /CapHeight 880 /StemV 80 >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap),
    ]
    out = bytearray(b"%PDF-1.5\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    with open(os.path.join(OUT, name + ".pdf"), "wb") as f:
        f.write(out)


def write(name, font, paragraphs):
    with tempfile.TemporaryDirectory() as work:
        source = os.path.join(work, name + ".fodt")
        with open(source, "w", encoding="utf-8") as f:
            f.write(HEAD.replace("{font}", font))
            for style, text in paragraphs:
                f.write(f'  <text:p text:style-name="{style}">{text}</text:p>\n')
            f.write(TAIL)
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{work}/profile",
                        "--convert-to", "pdf", "--outdir", work, source],
                       check=True, stdout=subprocess.DEVNULL)
        shutil.copy(os.path.join(work, name + ".pdf"), os.path.join(OUT, name + ".pdf"))


os.makedirs(OUT, exist_ok=True)
write("rtl", "DejaVu Sans", RTL)
write("ligatures", "DejaVu Serif", LIGATURES)
write_vertical("vertical")
