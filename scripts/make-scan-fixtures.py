#!/usr/bin/env python3
"""Writes fixtures/scans/: pages laid out as magazines and papers print them, rendered as
scans (pdftoppm, 300 DPI, gray), with their text in the order a person reads it.

The layouts are those a layout analysis tends to read out of order: a headline printed under
the columns it belongs to, a running header and a page number in bands of their own, a
centred author block beside a heading. The text is written here, so the fixtures carry no
third-party licence.

    python3 scripts/make-scan-fixtures.py
"""
import os
import subprocess
import tempfile
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "scans")

COLUMNS = [
    "The harbour town wakes before the sun. Fishing boats leave the quay in a long line, "
    "their lamps swinging over the dark water, and the bakers on the market square open "
    "their shutters to the smell of fresh bread. By seven the first visitors arrive on the "
    "coastal train, carrying cameras and maps, looking for the famous lighthouse. "
    "Most of them find the small museum first. It keeps the logbooks of every keeper since "
    "the tower was built, and a room of models that children are allowed to touch.",
    "The lighthouse itself stands at the end of the northern pier. Its lamp was dark for "
    "twenty years after the war, when ships no longer needed it, and the town council "
    "wanted to sell the tower to a hotel company. A group of retired sailors raised the "
    "money to buy it instead. They painted the walls, repaired the stairs and found a "
    "glass maker who could copy the old lens. Last spring the lamp was lit again, and the "
    "whole town stood on the beach to watch the first beam cross the bay.",
    "Visitors can climb the tower on weekend afternoons. The view from the gallery reaches "
    "across the bay to the islands, and on a clear day to the mountains in the west. The "
    "sailors who saved the tower still guide the tours, and they tell the old stories "
    "with great pleasure: the storm that broke the windows, the keeper who rowed out to a "
    "sinking ship, the winter when the bay froze. Tickets are sold at the museum, and the "
    "money pays for the next coat of paint.",
]
HEADLINE = "Harbour Lights Return"
BYLINE = "By Morgan Hale"
HEADER = "TRAVEL NOTES"
FOOTER = ("24", "COASTAL LIVING MAY 2026")


def escape(text):
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def show(font, size, x, y, text):
    return f"BT /{font} {size} Tf {x} {y} Td ({escape(text)}) Tj ET\n"


def magazine():
    """Three columns; the headline and byline under the second and third; a running header
    above and a page number and footer below, each in a band of its own."""
    stream, lines = "", []
    stream += show("F1", 9, 260, 750, HEADER)
    lines.append(HEADER)
    for column, text in enumerate(COLUMNS):
        x, y = 54 + column * 178, 710
        for line in textwrap.wrap(text, 31):
            stream += show("F1", 10, x, y, line)
            lines.append(line)
            y -= 13
    stream += show("F2", 26, 232, 330, HEADLINE)
    stream += show("F1", 11, 232, 305, BYLINE)
    stream += show("F1", 9, 54, 40, FOOTER[0]) + show("F1", 9, 80, 40, FOOTER[1])
    lines += [HEADLINE, BYLINE, *FOOTER]
    return stream, lines


PAPER = {
    "title": "Counting Boats from the Harbour Wall",
    "authors": ("Ana Ruiz", "Tom Becker"),
    "affiliation": ["Institute of Coastal Studies", "12 Quay Street, Port Ellen"],
    "email": "ana.ruiz@example.org",
    "abstract": "We count the boats that leave a small harbour each morning from photographs "
                "taken on the harbour wall, and compare the counts with the logbook kept by "
                "the harbour master over one summer.",
    "heading": "1 Introduction",
    "left": "Small harbours keep few records of the boats that use them. The harbour master "
            "writes down the larger ships, but the fishing boats come and go before anyone "
            "is awake to see them.",
    "right": "Our camera stands on the old harbour wall and takes a picture every minute from "
             "dawn to noon. A volunteer counts the boats on each picture, and a second "
             "volunteer checks a sample of the counts. Over the summer the two counts agreed "
             "on nine pictures in ten, and the logbook missed one boat in three.",
}


def paper():
    """A paper's first page: a centred title, two authors side by side, a centred address
    between them and the heading of the abstract, then two columns."""
    stream, lines = "", []
    stream += show("F2", 16, 150, 720, PAPER["title"])
    stream += show("F1", 12, 150, 690, PAPER["authors"][0]) + show("F1", 12, 400, 690, PAPER["authors"][1])
    y = 672
    for line in PAPER["affiliation"]:
        stream += show("F1", 11, 240, y, line)
        y -= 14
    stream += show("F1", 11, 250, y - 4, PAPER["email"])
    lines += [PAPER["title"], *PAPER["authors"], *PAPER["affiliation"], PAPER["email"]]
    stream += show("F2", 12, 150, 600, "Abstract")
    lines.append("Abstract")
    y = 580
    for line in textwrap.wrap(PAPER["abstract"], 44):
        stream += show("F1", 10, 80, y, line)
        lines.append(line)
        y -= 13
    y -= 20
    stream += show("F2", 12, 72, y, PAPER["heading"])
    lines.append(PAPER["heading"])
    y -= 20
    for line in textwrap.wrap(PAPER["left"], 46):
        stream += show("F1", 10, 72, y, line)
        lines.append(line)
        y -= 13
    y = 600
    for line in textwrap.wrap(PAPER["right"], 46):
        stream += show("F1", 10, 320, y, line)
        lines.append(line)
        y -= 13
    return stream, lines


def pdf(stream):
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}endstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Bold >>",
    ]
    body, offsets = "%PDF-1.4\n", []
    for number, content in enumerate(objects, 1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n{content}\nendobj\n"
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n"
    body += "".join(f"{offset:010d} 00000 n \n" for offset in offsets)
    body += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return body.encode("latin-1")


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, layout in {"magazine": magazine, "paper": paper}.items():
        stream, lines = layout()
        with tempfile.TemporaryDirectory() as work:
            source = os.path.join(work, f"{name}.pdf")
            open(source, "wb").write(pdf(stream))
            subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", "-singlefile", source,
                            os.path.join(OUT, name)], check=True)
        open(os.path.join(OUT, f"{name}.txt"), "w").write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
