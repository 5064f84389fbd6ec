#!/usr/bin/env python3
"""Writes the text-layer fixtures into fixtures/text-layer/, LibreOffice's PDFs of flat ODT
documents written here from text in this file (no third-party content):

- rtl.pdf: paragraphs of Arabic, of Hebrew, and mixed (Hebrew with a Latin word and numbers,
  Hebrew with a parenthesis and a currency sign, Arabic with digits and a parenthesis), set
  right to left, below a left-to-right paragraph. LibreOffice draws right-to-left text in
  visual order, as most producers do.
- ligatures.pdf: a LaTeX-like page whose text holds the ligature characters U+FB00-U+FB04
  (ﬀ ﬁ ﬂ ﬃ ﬄ), which the PDF's ToUnicode map keeps, as pdfTeX's does for its ligatures.

    apt-get install libreoffice-writer-nogui fonts-dejavu-core
    python3 scripts/make-text-layer-fixtures.py
"""
import os
import shutil
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
