#!/usr/bin/env python3
"""Writes fixtures/bad/: hostile and broken inputs, each with the outcome a job must have,
in fixtures/bad/expected.json ({"file": {"code": ERROR_CODE or "completed", "password"?}}).

Made from the good fixtures and from bytes written here (deterministic: a seeded random
generator). The encrypted PDF needs qpdf (Debian `qpdf`), used only by this script.

    python3 scripts/make-bad-fixtures.py
"""
import gzip, io, json, os, random, struct, subprocess, zipfile, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
GOOD = os.path.join(HERE, "..", "fixtures")
OUT = os.path.join(GOOD, "bad")
os.makedirs(OUT, exist_ok=True)
expected = {}


def good(name):
    return open(os.path.join(GOOD, name), "rb").read()


def write(name, data, outcome, **extra):
    open(os.path.join(OUT, name), "wb").write(data)
    expected[name] = {"outcome": outcome, **extra}


def pdf(objects, root=1):
    """A PDF from object bodies (1-based), with a correct xref."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref))
    return out.getvalue()


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


rng = random.Random(4471)
report = good("report-3p.pdf")
invoice = good("invoice.png")
delivery = good("delivery.jpg")
tiff = good("pages-3p.tif")

# Empty, truncated and damaged files.
write("empty.pdf", b"", "unsupported_format")
write("truncated.pdf", report[:300], "corrupt_document")
write("header-only.pdf", b"%PDF-1.7\n", "corrupt_document")
write("no-root.pdf", report.replace(b"/Root", b"/Rxxx").replace(b"xref", b"xxxx").replace(b"/Type /Catalog", b"/Type /Catalxx"),
      "corrupt_document")
write("no-pages.pdf", pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]), "corrupt_document")
write("truncated.png", invoice[: len(invoice) * 3 // 10], "corrupt_document")
bad_crc = bytearray(invoice)
idat = bad_crc.find(b"IDAT")
bad_crc[idat + 40] ^= 0xFF
write("bad-crc.png", bytes(bad_crc), "corrupt_document")
write("truncated.jpg", delivery[:600], "corrupt_document")
# Most of the picture is there, then garbage: Leptonica refuses JPEG data libjpeg warns
# about, so the page is reported corrupt rather than half read.
write("corrupt-tail.jpg", delivery[: len(delivery) * 7 // 10] + bytes(rng.randrange(256) for _ in range(2048)),
      "corrupt_document")
write("zero-page.tif", b"II*\x00\x00\x00\x00\x00", "corrupt_document")
write("truncated.tif", tiff[:64], "corrupt_document")
write("header-only.gif", b"GIF89a\x10\x00\x10\x00", "corrupt_document")
write("truncated.bmp", b"BM" + struct.pack("<IHHI", 70 + 4000 * 4000 * 3, 0, 0, 54)
      + struct.pack("<IiiHHIIiiII", 40, 4000, 4000, 1, 24, 0, 0, 2835, 2835, 0, 0) + b"\x00" * 16, "corrupt_document")
write("garbage.webp", b"RIFF" + struct.pack("<I", 200) + b"WEBPVP8 " + bytes(rng.randrange(256) for _ in range(192)),
      "corrupt_document")
write("short.pgm", b"P5\n100 100\n255\n" + b"\x80" * 10, "corrupt_document")

# Not documents at all, whatever their names say.
write("html-named.pdf", b"<!DOCTYPE html><html><body><p>Not a PDF at all.</p></body></html>\n", "unsupported_format")
write("random.bin", bytes(rng.randrange(256) for _ in range(4096)), "unsupported_format")
write("text-named.png", b"Just some words in a file that claims to be a PNG.\n", "unsupported_format")
write("gzip-named.pdf", gzip.compress(report, mtime=0), "unsupported_format")
write("script.sh", b"#!/bin/sh\nrm -rf /\n", "unsupported_format")

# Bombs: sizes declared or implied far beyond the limits.
write("huge-declared.png", b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 0, 0, 0, 0))
      + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + png_chunk(b"IEND", b""), "source_too_large")
huge_jpeg = bytearray(delivery)
sof = huge_jpeg.find(b"\xff\xc0") if huge_jpeg.find(b"\xff\xc0") >= 0 else huge_jpeg.find(b"\xff\xc2")
huge_jpeg[sof + 5:sof + 9] = struct.pack(">HH", 65000, 65000)  # the frame header's height and width
write("huge-declared.jpg", bytes(huge_jpeg), "source_too_large")
write("huge-declared.tif", b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 4)
      + struct.pack("<HHII", 256, 4, 1, 100000) + struct.pack("<HHII", 257, 4, 1, 100000)
      + struct.pack("<HHII", 258, 3, 1, 8) + struct.pack("<HHII", 273, 4, 1, 0) + struct.pack("<I", 0), "source_too_large")
pages = 10000
kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(pages))
bomb = pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages]
           + [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"] * pages)
bomb_path = os.path.join(OUT, "pages-10000.pdf")
open(bomb_path + ".tmp", "wb").write(bomb)
subprocess.run(["qpdf", "--object-streams=generate", "--compress-streams=y", bomb_path + ".tmp", bomb_path], check=True)
os.remove(bomb_path + ".tmp")
expected["pages-10000.pdf"] = {"outcome": "source_too_large"}
archive = io.BytesIO()
with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", "<Types/>")
    info = zipfile.ZipInfo("word/document.xml", date_time=(2026, 1, 1, 0, 0, 0))
    z.writestr(info, b"\x00" * (200 * 1024 * 1024), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
write("zip-bomb.docx", archive.getvalue(), "source_too_large")


def docx(document_xml, extra=()):
    """A minimal DOCX around the given word/document.xml."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", document_xml)
        for name, data in extra:
            z.writestr(name, data)
    return out.getvalue()


W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
# More entries than a document needs: refused before any is read.
write("many-entries.docx", docx(f"<w:document {W_NS}/>", [(f"junk/{i}", b"") for i in range(12000)]),
      "source_too_large")
# Entity tricks: an external entity (file disclosure) and nested expansion (billion laughs).
write("external-entity.docx", docx(
    f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    f'<w:document {W_NS}><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>'), "corrupt_document")
laughs = "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10))
write("billion-laughs.docx", docx(
    f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY l0 "lol">{laughs}]>'
    f'<w:document {W_NS}><w:body><w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>'), "corrupt_document")
write("malformed-xml.docx", docx(f"<w:document {W_NS}><w:body><w:p>"), "corrupt_document")
handbook = open(os.path.join(GOOD, "office", "handbook.docx"), "rb").read()
write("truncated.docx", handbook[: len(handbook) // 2], "corrupt_document")
plain = io.BytesIO()
with zipfile.ZipFile(plain, "w") as z:
    z.writestr("notes.txt", "not an office document")
write("plain.zip", plain.getvalue(), "unsupported_format")

# A 200-inch page, 60000×60000 pixels at 300 DPI: past a gigapixel it is refused, not drawn smaller.
write("huge-page.pdf", pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 14400] >>"]), "source_too_large")

# Encrypted: refused without the password, read with it.
source = os.path.join(GOOD, "report-3p.pdf")
target = os.path.join(OUT, "encrypted.pdf")
subprocess.run(["qpdf", "--static-id", "--encrypt", "user-secret", "owner-secret", "256", "--", source, target], check=True)
expected["encrypted.pdf"] = {"outcome": "encrypted_document"}
with open(target, "rb") as f:
    write("encrypted-with-password.pdf", f.read(), "completed", password="user-secret")

json.dump(expected, open(os.path.join(OUT, "expected.json"), "w"), indent=1, sort_keys=True)
print(f"{len(expected)} files in {OUT}")
