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
- measures.fods: a two-sheet workbook of decimals, formatted prices, percentages, booleans,
  dates, times, a long note per row, a cell comment, a scientific number, a fraction, an error
  and a two-paragraph cell (written by hand); measures.xls and measures.ods are LibreOffice's
  conversions of it, and measures.xlsx the same workbook as Excel writes it (below).
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
import zipfile

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


MAIN_NS = ('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
           'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')


def measures_xlsx(path):
    """measures.fods as Excel writes it, part by part: 17-digit values (4.4000000000000004),
    built-in number formats by id, shared strings with rich runs and a phonetic run, an
    inline string, a formula's cached value, an error and a legacy comment."""
    NS = MAIN_NS
    H = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    parts = {}
    parts['[Content_Types].xml'] = H + '''<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="vml" ContentType="application/vnd.openxmlformats-officedocument.vmlDrawing"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/comments1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"/></Types>'''
    parts['_rels/.rels'] = H + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    parts['xl/workbook.xml'] = H + f'<workbook {NS}><workbookPr defaultThemeVersion="166925"/><bookViews><workbookView xWindow="0" yWindow="0" windowWidth="28800" windowHeight="12300"/></bookViews><sheets><sheet name="Stock" sheetId="1" r:id="rId1"/><sheet name="Formats" sheetId="2" r:id="rId2"/></sheets><calcPr calcId="191029"/></workbook>'
    parts['xl/_rels/workbook.xml.rels'] = H + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    # cellXfs: 0 General, 1 #,##0.00 (built-in 4), 2 0.0% (164), 3 d mmmm yyyy (165), 4 hh:mm (166),
    # 5 0.00E+00 (built-in 11), 6 # ?/? (built-in 12), 7 General wrapped
    parts['xl/styles.xml'] = H + f'''<styleSheet {NS}><numFmts count="3"><numFmt numFmtId="164" formatCode="0.0%"/><numFmt numFmtId="165" formatCode="d\\ mmmm\\ yyyy"/><numFmt numFmtId="166" formatCode="hh:mm"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="8"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="11" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="12" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment wrapText="1"/></xf></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'''
    strings = ['Item', 'Weight', 'Price', 'Share', 'Checked', 'Delivered', 'At', 'Note', 'Flour',
      '<r><t xml:space="preserve">Keep dry, </t></r><r><rPr><b/><sz val="11"/><rFont val="Calibri"/></rPr><t>store below 20 °C</t></r><r><t xml:space="preserve"> and away from the oven.</t></r>',
      'Sugar', 'Total', 'Format', 'Value', 'Scientific', 'Fraction', 'Sum', 'Ratio', 'Remarks',
      '<t xml:space="preserve">The scale was recalibrated on 1 March; weights before that date may read 0.2 kg high.\nSecond paragraph.</t><rPh sb="0" eb="3"><t>ザ</t></rPh>']
    si = ''.join('<si>' + (s if s.startswith('<') else f'<t>{s}</t>') + '</si>' for s in strings)
    parts['xl/sharedStrings.xml'] = H + f'<sst {NS} count="{len(strings)}" uniqueCount="{len(strings)}">{si}</sst>'
    def row(r, cells): return f'<row r="{r}">' + ''.join(cells) + '</row>'
    def s(ref, i, st=0): return f'<c r="{ref}" s="{st}" t="s"><v>{i}</v></c>' if st else f'<c r="{ref}" t="s"><v>{i}</v></c>'
    def n(ref, v, st=0, f=None): return f'<c r="{ref}"' + (f' s="{st}"' if st else '') + '>' + (f'<f>{f}</f>' if f else '') + f'<v>{v}</v></c>'
    sheet1 = [
     row(1, [s(f'{c}1', i) for i, c in enumerate('ABCDEFGH')]),
     row(2, [s('A2', 8), n('B2', '4.4000000000000004'), n('C2', '1234.5', 1), n('D2', '0.125', 2), '<c r="E2" t="b"><v>1</v></c>', n('F2', '46083', 3), n('G2', '0.35416666666666669', 4), s('H2', 9)]),
     row(3, [s('A3', 10), n('B3', '27.299999999999997'), n('C3', '98765', 1), n('D3', '0.5', 2), '<c r="E3" t="b"><v>0</v></c>', n('F3', '46387', 3), n('G3', '0.73958333333333337', 4), '<c r="H3" t="inlineStr"><is><t>Order more before the holidays: the supplier closes on 23 December.</t></is></c>']),
     row(4, [s('A4', 11), n('B4', '117.00000000000003', 0, 'B2+B3+85.3'), n('C4', '99999.5', 1, 'SUM(C2:C3)'), n('D4', '0.625', 2, 'SUM(D2:D3)')]),
    ]
    parts['xl/worksheets/sheet1.xml'] = H + f'<worksheet {NS}><dimension ref="A1:H4"/><sheetData>{"".join(sheet1)}</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/><legacyDrawing r:id="rId2"/></worksheet>'
    parts['xl/worksheets/_rels/sheet1.xml.rels'] = H + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments" Target="../comments1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing" Target="../drawings/vmlDrawing1.vml"/></Relationships>'
    parts['xl/comments1.xml'] = H + f'<comments {NS}><authors><author>Ada</author></authors><commentList><comment ref="H3" authorId="0"><text><r><rPr><sz val="9"/><color indexed="81"/><rFont val="Tahoma"/></rPr><t>Ask the supplier about the price.</t></r></text></comment></commentList></comments>'
    parts['xl/drawings/vmlDrawing1.vml'] = '''<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="1"/></o:shapelayout><v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype><v:shape id="_x0000_s1025" type="#_x0000_t202" style="position:absolute;margin-left:500pt;margin-top:20pt;width:108pt;height:59.25pt;z-index:1;visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:AutoFill>False</x:AutoFill><x:Row>2</x:Row><x:Column>7</x:Column></x:ClientData></v:shape></xml>'''
    sheet2 = [
     row(1, [s('A1', 12), s('B1', 13)]),
     row(2, [s('A2', 14), n('B2', '123456', 5)]),
     row(3, [s('A3', 15), n('B3', '1.5', 6)]),
     row(4, [s('A4', 16), n('B4', '0.30000000000000004')]),
     row(5, [s('A5', 17), '<c r="B5" t="e"><f>1/0</f><v>#DIV/0!</v></c>']),
     row(6, [s('A6', 18), s('B6', 19, 7)]),
    ]
    parts['xl/worksheets/sheet2.xml'] = H + f'<worksheet {NS}><dimension ref="A1:B6"/><sheetData>{"".join(sheet2)}</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 3, 2, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)


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
        measures_xlsx(os.path.join(OUT, "measures.xlsx"))
        convert(os.path.join(OUT, "measures.fods"), "xls:MS Excel 97", OUT)
        convert(os.path.join(OUT, "measures.fods"), "ods", OUT)

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
