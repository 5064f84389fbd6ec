#!/usr/bin/env python3
"""Writes the analysis fixtures into fixtures/analysis/ (docs/extraction.md), text-layer PDFs
LibreOffice makes from flat ODT documents written here from text in this file (no third-party
content), and what the classify, split and extract stages should find in them:

- invoice-a.pdf, invoice-b.pdf: two invoices (number, date, supplier, total, items);
- form.pdf: an insurance form (name, date of birth, policy number, yes/no boxes);
- bundle.pdf: four pages, three documents: an invoice (page 1), a letter (pages 2-3), a
  receipt (page 4);
- invoice.schema.json, form.schema.json: the schemas to extract with;
- review.schema.json: an invoice schema for human review (docs/review.md): `due_date` is not
  on the invoices (null, required: a validation failure) and `amount` ("Amount payable") is
  not a label the double knows (a stand-in of low confidence, until a correction teaches it);
- labels.json: `options.classify` for the bundle (invoice, letter, receipt);
- expected.json: per fixture its pages' markdown as the text layer gives it, and the values,
  page labels, document label and sections the stages should find.

Every field is a "Label: value" line, as the vLLM double's instruction model reads them.

    apt-get install libreoffice-writer-nogui fonts-dejavu-core
    python3 scripts/make-analysis-fixtures.py
"""
import json
import os
import shutil
import subprocess
import tempfile
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "analysis")

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:font-face-decls>
  <style:font-face style:name="DejaVu Sans" svg:font-family="'DejaVu Sans'"/>
 </office:font-face-decls>
 <office:automatic-styles>
  <style:style style:name="L" style:family="paragraph">
   <style:paragraph-properties fo:margin-bottom="0.3cm"/>
   <style:text-properties style:font-name="DejaVu Sans" fo:font-size="11pt"/>
  </style:style>
  <style:style style:name="H" style:family="paragraph">
   <style:paragraph-properties fo:margin-bottom="0.4cm"/>
   <style:text-properties style:font-name="DejaVu Sans" fo:font-size="17pt" fo:font-weight="bold"/>
  </style:style>
  <style:style style:name="B" style:family="paragraph" style:parent-style-name="H">
   <style:paragraph-properties fo:break-before="page" fo:margin-bottom="0.4cm"/>
   <style:text-properties style:font-name="DejaVu Sans" fo:font-size="17pt" fo:font-weight="bold"/>
  </style:style>
  <style:style style:name="P" style:family="paragraph" style:parent-style-name="L">
   <style:paragraph-properties fo:break-before="page" fo:margin-bottom="0.3cm"/>
   <style:text-properties style:font-name="DejaVu Sans" fo:font-size="11pt"/>
  </style:style>
 </office:automatic-styles>
 <office:body><office:text>
"""
TAIL = """ </office:text></office:body>
</office:document>
"""

# A page is a list of paragraphs; a paragraph starting with "# " is a heading.
INVOICE_A = [[
    "# ACME Supplies Ltd — Invoice",
    "Invoice number: INV-2026-0107",
    "Invoice date: March 1, 2026",
    "Supplier: ACME Supplies Ltd",
    "Items: Copy paper A4, Toner cartridge, Stapler",
    "Copy paper A4, 10 boxes: $450.00",
    "Toner cartridge, 2 pieces: $680.00",
    "Stapler, 1 piece: $104.50",
    "Total due: $1,234.50",
    "Please pay within 30 days.",
]]

INVOICE_B = [[
    "# Nordlicht GmbH — Rechnung / Invoice",
    "Invoice number: NL-88412",
    "Invoice date: 14.02.2026",
    "Supplier: Nordlicht GmbH",
    "Items: Desk lamp, LED bulbs",
    "Desk lamp, 3 pieces: 240,00 EUR",
    "LED bulbs, 12 pieces: 57,60 EUR",
    "Total due: 297,60 EUR",
]]

FORM = [[
    "# Policy holder form",
    "Full name: Maria Jensen",
    "Date of birth: 7 Sep 1984",
    "Policy number: PH-2291-55",
    "Smoker: no",
    "Consent given: yes",
    "Signed in Aarhus on 2026-01-20.",
]]

BUNDLE = [
    [
        "# Invoice",
        "Invoice number: B-1001",
        "Invoice date: 2026-02-03",
        "Supplier: Harbour Print Co",
        "Items: Business cards, Flyers",
        "Total due: $312.00",
        "Please pay this invoice within 14 days.",
    ],
    [
        "# Letter",
        "Dear Mr Okafor,",
        "thank you for your visit last week. As discussed, we will print the new brochures in April.",
        "The proofs follow in a separate envelope.",
    ],
    [
        "We look forward to your reply on the proofs of this letter.",
        "Yours sincerely,",
        "Ada Lind, Harbour Print Co",
    ],
    [
        "# Receipt",
        "Receipt number: R-5530",
        "Payment received from Okafor Studio.",
        "Amount paid: $312.00",
        "Thank you for your payment.",
    ],
]

LABELS = {
    "labels": [
        {"name": "invoice", "description": "a bill that asks for payment: invoice number, items, total due"},
        {"name": "letter", "description": "correspondence: a salutation (Dear), text, a closing (Yours sincerely)"},
        {"name": "receipt", "description": "proof that a payment was received: receipt number, amount paid"},
    ]
}

INVOICE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["invoice_number", "invoice_date", "supplier", "total", "items"],
    "properties": {
        "invoice_number": {"type": ["string", "null"]},
        "invoice_date": {"type": ["string", "null"], "format": "date"},
        "supplier": {"type": ["string", "null"]},
        "total": {"type": ["number", "null"], "description": "Total due"},
        "items": {"type": ["array", "null"], "items": {"type": "string"}, "maxItems": 20},
    },
}

FORM_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["full_name", "date_of_birth", "policy_number", "smoker", "consent_given"],
    "properties": {
        "full_name": {"type": ["string", "null"]},
        "date_of_birth": {"type": ["string", "null"], "format": "date"},
        "policy_number": {"type": ["string", "null"]},
        "smoker": {"type": ["boolean", "null"]},
        "consent_given": {"type": ["boolean", "null"]},
    },
}

REVIEW_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["invoice_number", "invoice_date", "due_date", "supplier", "total", "amount"],
    "properties": {
        "invoice_number": {"type": ["string", "null"]},
        "invoice_date": {"type": ["string", "null"], "format": "date"},
        "due_date": {"type": ["string", "null"], "format": "date", "description": "Payment due date"},
        "supplier": {"type": ["string", "null"]},
        "total": {"type": ["number", "null"], "description": "Total due"},
        "amount": {"type": "number", "description": "Amount payable"},
    },
}

EXPECTED = {
    "invoice-a": {
        "schema": "invoice.schema.json",
        "values": {
            "invoice_number": "INV-2026-0107", "invoice_date": "2026-03-01", "supplier": "ACME Supplies Ltd",
            "total": 1234.5, "items": ["Copy paper A4", "Toner cartridge", "Stapler"],
        },
        "citations": {"/total": "$1,234.50", "/invoice_date": "March 1, 2026"},
    },
    "invoice-b": {
        "schema": "invoice.schema.json",
        "values": {
            "invoice_number": "NL-88412", "invoice_date": "2026-02-14", "supplier": "Nordlicht GmbH",
            "total": 297.6, "items": ["Desk lamp", "LED bulbs"],
        },
        "citations": {"/total": "297,60", "/invoice_date": "14.02.2026"},
    },
    "form": {
        "schema": "form.schema.json",
        "values": {
            "full_name": "Maria Jensen", "date_of_birth": "1984-09-07", "policy_number": "PH-2291-55",
            "smoker": False, "consent_given": True,
        },
        "citations": {"/date_of_birth": "7 Sep 1984", "/policy_number": "PH-2291-55"},
    },
    "bundle": {
        "labels": "labels.json",
        "page_labels": ["invoice", "letter", "letter", "receipt"],
        "label": "letter",
        "sections": [
            {"title": "Invoice", "label": "invoice", "first_page": 1, "last_page": 1},
            {"title": "Letter", "label": "letter", "first_page": 2, "last_page": 3},
            {"title": "Receipt", "label": "receipt", "first_page": 4, "last_page": 4},
        ],
    },
}


def markdown(page):
    return "\n\n".join(page)


def paragraph(text, first_on_page):
    if text.startswith("# "):
        style, text = ("B" if first_on_page else "H"), text[2:]
    else:
        style = "P" if first_on_page else "L"
    return f'  <text:p text:style-name="{style}">{escape(text)}</text:p>\n'


def write_pdf(name, pages):
    with tempfile.TemporaryDirectory() as work:
        source = os.path.join(work, name + ".fodt")
        with open(source, "w", encoding="utf-8") as f:
            f.write(HEAD)
            for number, page in enumerate(pages):
                for index, text in enumerate(page):
                    # The first page needs no break before it.
                    f.write(paragraph(text, index == 0 and number > 0))
            f.write(TAIL)
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{work}/profile",
                        "--convert-to", "pdf", "--outdir", work, source],
                       check=True, stdout=subprocess.DEVNULL)
        shutil.copy(os.path.join(work, name + ".pdf"), os.path.join(OUT, name + ".pdf"))


def write_json(name, value):
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, ensure_ascii=False)
        f.write("\n")


os.makedirs(OUT, exist_ok=True)
for name, pages in [("invoice-a", INVOICE_A), ("invoice-b", INVOICE_B), ("form", FORM), ("bundle", BUNDLE)]:
    write_pdf(name, pages)
    EXPECTED[name]["pages"] = [markdown(page) for page in pages]
write_json("labels.json", LABELS)
write_json("invoice.schema.json", INVOICE_SCHEMA)
write_json("form.schema.json", FORM_SCHEMA)
write_json("review.schema.json", REVIEW_SCHEMA)
write_json("expected.json", EXPECTED)
