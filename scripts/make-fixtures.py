#!/usr/bin/env python3
"""Writes the test fixtures and their ground truth into fixtures/.

Everything is made here from text in this file, so the fixtures carry no third-party
licence. PDFs are written directly (Helvetica, a standard PDF font); the raster fixtures
are pages of a second PDF rendered by pdftoppm (poppler-utils) and, for the multi-page
TIFF, joined by tiffcp (libtiff-tools); the rotated and skewed scans are turned by Pillow.

    python3 scripts/make-fixtures.py
"""
import json
import os
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures")

# Each page: a list of lines. Sentences use common words so that OCR ground truth is exact.
DOCUMENT_PAGES = [
    ["Quarterly Report for the Northern Region",
     "Revenue grew by twelve percent over the last quarter.",
     "The board approved the new warehouse in Leeds."],
    ["Second Page of the Report",
     "Shipping costs fell after the contract with the new carrier.",
     "Customer complaints dropped to their lowest level in years."],
    ["Third Page with Closing Remarks",
     "The team thanks every driver for a safe winter season.",
     "Next review meeting is planned for the first week of March."],
]

RASTER_PAGES = [
    ["Invoice 4471 for Garden Supplies",
     "Twelve bags of soil and four wooden planters.",
     "Payment is due within thirty days."],
    ["Delivery Note for Order 4471",
     "The parcel was left with the neighbour at number nine."],
    ["Returns Policy",
     "Unused items may be returned within fourteen days."],
]


WORDS = (
    "the of and to in is was for on that with as by at from this be are or an it not which have has had were "
    "their been more one all would there they will can its new other some time two after first also may into "
    "over than most only year under made through such where between well both before while against each these "
    "during since many three city water market report order price service line level world group system "
    "number area part state public result change case point power company plan data room north south river "
    "early late small large local final total second third review meeting window garden paper letter summer "
    "winter account balance credit invoice freight harbour station village county market timber copper "
    "engine bridge school museum library season weather average morning evening careful simple modern"
).split()


def bench_pages(count, lines_per_page, seed=42):
    """Deterministic prose-like lines, dense enough to make a page's OCR cost realistic."""
    import random
    rng = random.Random(seed)
    pages = []
    for number in range(1, count + 1):
        lines = [f"Benchmark page {number}"]
        for _ in range(lines_per_page):
            words = [rng.choice(WORDS) for _ in range(rng.randint(9, 12))]
            lines.append(" ".join(words).capitalize() + ".")
        pages.append(lines)
    return pages


def escape(text):
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def write_pdf(path, pages, font_size=16, top=700):
    objects = []

    def add(body):
        objects.append(body)
        return len(objects)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    pages_id = len(objects) + 1 + 2 * len(pages)  # placeholder id computed below
    page_ids = []
    content_ids = []
    for lines in pages:
        ops = ["BT", f"/F1 {font_size} Tf", f"{font_size * 1.5:.1f} TL", f"72 {top} Td"]
        for index, line in enumerate(lines):
            size = font_size + 6 if index == 0 else font_size
            ops.append(f"/F1 {size} Tf ({escape(line)}) Tj T*")
            if index == 0:
                ops.append("T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        content_ids.append(add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"))
        page_ids.append(add(None))
    pages_id = add(None)
    for content_id, page_id in zip(content_ids, page_ids):
        objects[page_id - 1] = (
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (pages_id, font, content_id))
    kids = b" ".join(b"%d 0 R" % page_id for page_id in page_ids)
    objects[pages_id - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids))
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref)
    with open(path, "wb") as f:
        f.write(out)


def main():
    os.makedirs(OUT, exist_ok=True)
    truth = {}
    write_pdf(os.path.join(OUT, "report-3p.pdf"), DOCUMENT_PAGES)
    bench = bench_pages(10, 38)
    write_pdf(os.path.join(OUT, "bench-10p.pdf"), bench, font_size=11, top=740)
    truth["bench-10p.pdf"] = [" ".join(lines) for lines in bench]
    truth["report-3p.pdf"] = [" ".join(lines) for lines in DOCUMENT_PAGES]

    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "raster.pdf")
        write_pdf(source, RASTER_PAGES, font_size=18)
        # Page 1 as PNG (gray, 200 dpi) and JPEG (colour, 150 dpi); all pages as one TIFF.
        subprocess.run(["pdftoppm", "-r", "200", "-gray", "-png", "-f", "1", "-l", "1", "-singlefile",
                        source, os.path.join(OUT, "invoice")], check=True)
        subprocess.run(["pdftoppm", "-r", "150", "-jpeg", "-jpegopt", "quality=85", "-f", "2", "-l", "2",
                        "-singlefile", source, os.path.join(OUT, "delivery")], check=True)
        subprocess.run(["pdftoppm", "-r", "200", "-mono", "-tiff", "-tiffcompression", "packbits",
                        source, os.path.join(tmp, "page")], check=True)
        pages = sorted(p for p in os.listdir(tmp) if p.startswith("page"))
        subprocess.run(["tiffcp", "-c", "packbits"] + [os.path.join(tmp, p) for p in pages]
                       + [os.path.join(OUT, "pages-3p.tif")], check=True)
    truth["invoice.png"] = [" ".join(RASTER_PAGES[0])]
    # The same page scanned sideways (turned 90° counter-clockwise), upside down, and with a
    # slight skew (2.5°).
    from PIL import Image
    invoice = Image.open(os.path.join(OUT, "invoice.png"))
    invoice.rotate(90, expand=True).save(os.path.join(OUT, "invoice-rotated-90.png"))
    invoice.rotate(180, expand=True).save(os.path.join(OUT, "invoice-rotated-180.png"))
    invoice.rotate(2.5, expand=True, fillcolor=255, resample=Image.BICUBIC).save(
        os.path.join(OUT, "invoice-skewed.png"))
    for name in ("invoice-rotated-90.png", "invoice-rotated-180.png", "invoice-skewed.png"):
        truth[name] = truth["invoice.png"]
    truth["delivery.jpg"] = [" ".join(RASTER_PAGES[1])]
    truth["pages-3p.tif"] = [" ".join(lines) for lines in RASTER_PAGES]

    with open(os.path.join(OUT, "not-a-document.txt"), "w") as f:
        f.write("This is plain text, which the worker does not accept as a document.\n")
    with open(os.path.join(OUT, "truth.json"), "w") as f:
        json.dump(truth, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
