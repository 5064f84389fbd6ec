#!/usr/bin/env python3
"""Writes the office and born-digital fixtures into fixtures/office/.

Everything is made here from text in this file (and fixtures/invoice.png, made by
make-fixtures.py), so the fixtures carry no third-party licence:

- handbook.docx: headings, bold/italic, a hyperlink, a nested bulleted list, a numbered
  list, a table with a merged cell, a footnote and an embedded image with text (python-docx);
  handbook.odt, handbook.doc and handbook.pdf are LibreOffice's conversions of it.
- deck.pptx: two slides with titles, a text box, a table and speaker notes (python-pptx).
- ledger.xlsx: two sheets with text, numbers, dates and a formula whose cached value
  LibreOffice computes (openpyxl writes formulas without values).
- report.pdf: a born-digital three-page PDF (LibreOffice's export of a generated DOCX),
  with report.txt, its pdftotext output, as truth; scanned.pdf, a page of it rendered to a
  bitmap and given Tesseract's invisible text layer, as OCR'd scans are.
- bench-20p.docx and bench-20p.pdf: a twenty-page report and LibreOffice's PDF of it, for
  scripts/bench-text.sh.

    pip install python-docx python-pptx openpyxl
    apt-get install libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils tesseract-ocr
    python3 scripts/make-office-fixtures.py
"""
import datetime
import os
import random
import shutil
import subprocess
import tempfile

from docx import Document
from docx.enum.text import WD_BREAK
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt
from openpyxl import Workbook
from pptx import Presentation
from pptx.util import Inches as PptxInches

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")
OUT = os.path.join(FIXTURES, "office")

WORDS = ("the fleet moves parcels between depots every night and each driver checks the van "
         "before leaving the yard while the office plans routes for the next morning and keeps "
         "records of fuel tyres repairs and deliveries for every customer in the region").split()


def hyperlink(paragraph, text, url):
    part = paragraph.part
    rel = part.relate_to(url, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink",
                         is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    props.append(style)
    run.append(props)
    t = OxmlElement("w:t")
    t.text = text
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def footnote(doc, paragraph, note_id, text):
    """python-docx writes no footnotes: add the part, its relationship and the reference."""
    part = getattr(doc, "_footnotes_part", None)
    if part is None:
        xml = (f'<w:footnotes xmlns:w="{W}">'
               '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
               '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
               '</w:footnotes>')
        part = Part(PackURI("/word/footnotes.xml"),
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
                    xml.encode(), doc.part.package)
        doc.part.relate_to(part, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes")
        doc._footnotes_part = part
        doc._footnotes = []
    doc._footnotes.append(f'<w:footnote w:id="{note_id}"><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:footnote>')
    part._blob = part._blob.replace(b"</w:footnotes>", b"") + "".join(doc._footnotes[-1:]).encode() + b"</w:footnotes>"
    run = paragraph.add_run()
    props = OxmlElement("w:rPr")
    align = OxmlElement("w:vertAlign")
    align.set(qn("w:val"), "superscript")
    props.append(align)
    run._r.append(props)
    reference = OxmlElement("w:footnoteReference")
    reference.set(qn("w:id"), str(note_id))
    run._r.append(reference)


def handbook(path):
    doc = Document()
    doc.add_heading("Fleet Handbook", level=1)
    p = doc.add_paragraph("Every driver reads this handbook. It is ")
    p.add_run("required").bold = True
    p.add_run(" reading and ")
    p.add_run("short").italic = True
    p.add_run(". Questions go to ")
    hyperlink(p, "the operations portal", "https://example.com/portal")
    p.add_run(".")
    doc.add_heading("Daily Checks", level=2)
    doc.add_paragraph("Check the tyres", style="List Bullet")
    doc.add_paragraph("Front tyres", style="List Bullet 2")
    doc.add_paragraph("Rear tyres", style="List Bullet 2")
    doc.add_paragraph("Check the lights", style="List Bullet")
    doc.add_paragraph("Start the engine", style="List Number")
    doc.add_paragraph("Read the dashboard", style="List Number")
    doc.add_heading("Depots", level=2)
    table = doc.add_table(rows=4, cols=3)
    table.style = "Table Grid"
    for row, values in enumerate([("Depot", "City", "Vans"), ("North", "Leeds", "12"), ("South", "Bristol", "9")]):
        for column, value in enumerate(values):
            table.cell(row, column).text = value
    merged = table.cell(3, 0).merge(table.cell(3, 1))
    merged.text = "Total"
    table.cell(3, 2).text = "21"
    doc.add_heading("Safety Notice", level=2)
    doc.add_paragraph("The notice below is a picture of the invoice pinned in every depot.")
    doc.add_picture(os.path.join(FIXTURES, "invoice.png"), width=Inches(5))
    closing = doc.add_paragraph("Drive carefully and report every incident on the same day.")
    footnote(doc, closing, 1, "Incidents are reported on the operations portal.")
    doc.save(path)


def deck(path):
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[1])
    slide.shapes.title.text = "Quarterly Review"
    body = slide.placeholders[1].text_frame
    body.text = "Revenue grew by twelve percent"
    body.add_paragraph().text = "Two new depots opened"
    slide.notes_slide.notes_text_frame.text = "Thank the drivers before the numbers."
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.shapes.title.text = "Depot Numbers"
    rows = [("Depot", "Vans"), ("Leeds", "12"), ("Bristol", "9")]
    shape = slide.shapes.add_table(3, 2, PptxInches(1), PptxInches(2), PptxInches(6), PptxInches(1.5))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            shape.table.cell(r, c).text = value
    box = slide.shapes.add_textbox(PptxInches(1), PptxInches(4.5), PptxInches(6), PptxInches(1))
    box.text_frame.text = "Figures as of the end of March"
    slide.notes_slide.notes_text_frame.text = "Bristol grows next year."
    prs.save(path)


def ledger(path, work):
    book = Workbook()
    sheet = book.active
    sheet.title = "Deliveries"
    sheet.append(["Date", "Depot", "Parcels"])
    sheet.append([datetime.date(2026, 3, 2), "Leeds", 120])
    sheet.append([datetime.date(2026, 3, 3), "Bristol", 95])
    sheet.append([])
    sheet.append(["Total", None, "=SUM(C2:C3)"])
    for cell in sheet["A"][1:3]:
        cell.number_format = "yyyy-mm-dd"
    staff = book.create_sheet("Staff")
    staff["B2"] = "Name"
    staff["C2"] = "Role"
    staff["B3"] = "Ada"
    staff["C3"] = "Driver"
    staff["B4"] = "Grace"
    staff["C4"] = "Planner"
    raw = os.path.join(work, "ledger.xlsx")
    book.save(raw)
    # LibreOffice opens, recalculates and saves it again, so the formula has its cached value.
    subprocess.run(["soffice", "--headless", "--calc", "--convert-to", "xlsx:Calc MS Excel 2007 XML",
                    "--outdir", os.path.join(work, "calc"), raw], check=True, capture_output=True)
    shutil.copy(os.path.join(work, "calc", "ledger.xlsx"), path)


def sentences(rng, count):
    out = []
    for _ in range(count):
        words = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
        out.append(" ".join(words).capitalize() + ".")
    return " ".join(out)


def report(path, pages, seed):
    """A born-digital report: each page a heading, paragraphs and a short list."""
    rng = random.Random(seed)
    doc = Document()
    for page in range(pages):
        doc.add_heading(f"Section {page + 1}: Depot Operations", level=1)
        doc.add_paragraph(sentences(rng, 5))
        doc.add_heading("Observations", level=2)
        doc.add_paragraph(sentences(rng, 4))
        for _ in range(3):
            doc.add_paragraph(sentences(rng, 1), style="List Bullet")
        doc.add_paragraph(sentences(rng, 3))
        if page < pages - 1:
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.save(path)


def convert(source, target_format, outdir):
    subprocess.run(["soffice", "--headless", "--convert-to", target_format, "--outdir", outdir, source],
                   check=True, capture_output=True)


def main():
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        env_profile = os.path.join(work, "profile")
        os.environ["HOME"] = env_profile  # a private LibreOffice profile
        handbook(os.path.join(OUT, "handbook.docx"))
        convert(os.path.join(OUT, "handbook.docx"), "odt", OUT)
        convert(os.path.join(OUT, "handbook.docx"), "doc:MS Word 97", OUT)
        convert(os.path.join(OUT, "handbook.docx"), "pdf", OUT)
        deck(os.path.join(OUT, "deck.pptx"))
        ledger(os.path.join(OUT, "ledger.xlsx"), work)

        for name, pages, seed in (("report", 3, 7), ("bench-20p", 20, 11)):
            docx = os.path.join(OUT if name == "bench-20p" else work, name + ".docx")
            report(docx, pages, seed)
            convert(docx, "pdf", OUT)
        subprocess.run(["pdftotext", os.path.join(OUT, "report.pdf"), os.path.join(OUT, "report.txt")], check=True)
        subprocess.run(["pdftotext", os.path.join(OUT, "bench-20p.pdf"), os.path.join(OUT, "bench-20p.txt")],
                       check=True)

        # A scan with an earlier OCR's invisible text laid over it.
        scan = os.path.join(work, "scan")
        subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", "-f", "1", "-l", "1", "-singlefile",
                        os.path.join(OUT, "report.pdf"), scan], check=True)
        subprocess.run(["tesseract", scan + ".png", os.path.join(OUT, "scanned"), "pdf"], check=True,
                       capture_output=True)


if __name__ == "__main__":
    main()
