#!/usr/bin/env python3
"""Documents' own text against OCR, in one run (ratios hold on a noisy machine).

A 20-page report goes through the fleet as a born-digital PDF (fixtures/office/bench-20p.pdf)
and as the DOCX it was made from (bench-20p.docx), each in `hybrid` mode (PDF pages written
from their text layer; the DOCX read from its XML) and in `ocr` mode (PDF pages rendered and
read by Tesseract; the DOCX converted by LibreOffice first), alternately, RUNS times each.
Reported: pages per second and seconds per document (submit to `completed`, median of the
runs) and the character error rate of each against `pdftotext`'s output for the same pages
(markup and line breaks aside: both texts are compared as their words).

Called by scripts/bench-text.sh with the release build's bin directory.
"""
import os, statistics, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from bench_fleet import Fleet, character_errors, result_pages

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
bin_dir = sys.argv[1]
runs = int(os.environ.get("RUNS", "3"))
documents = {"PDF": f"{root}/fixtures/office/bench-20p.pdf", "DOCX": f"{root}/fixtures/office/bench-20p.docx"}
truth = open(f"{root}/fixtures/office/bench-20p.txt").read().split("\f")

fleet = Fleet(bin_dir, "ocrfleet-bench-text.")
fleet.start_worker({"OCR_ENGINE": "tesseract", "OCR_MAX_JOBS": "1"})
cases = [(kind, mode) for kind in documents for mode in ("hybrid", "ocr")]
seconds = {case: [] for case in cases}
errors = {}
for run in range(runs):
    for kind, mode in cases:
        started = time.time()
        [job_id] = fleet.run_jobs([(documents[kind], f"&mode={mode}&engine=tesseract")])
        elapsed = time.time() - started
        seconds[(kind, mode)].append(elapsed)
        print(f"{kind} {mode} run {run + 1}: {elapsed:.2f} s", file=sys.stderr)
        if run == 0:
            pages = result_pages(fleet.result(job_id))
            if len(pages) != len(truth) - 1:
                raise SystemExit(f"{kind} {mode}: {len(pages)} pages, the truth has {len(truth) - 1}")
            edits = characters = 0
            for page_truth, page in zip(truth, pages):
                e, n = character_errors(page_truth, page)
                edits, characters = edits + e, characters + n
            errors[(kind, mode)] = edits / characters
fleet.close()

lines = [
    "### A 20-page report: the document's own text (`hybrid`) against OCR (`ocr`, Tesseract)",
    "",
    f"One worker, one job at a time; {runs} runs of each, alternating. CER against `pdftotext` of the PDF, page by page.",
    "",
    "| document | mode | path | s per document (median) | pages/s | CER |",
    "|---|---|---|---|---|---|",
]
paths = {("PDF", "hybrid"): "text layer", ("PDF", "ocr"): "render + Tesseract",
         ("DOCX", "hybrid"): "XML", ("DOCX", "ocr"): "LibreOffice → PDF → render + Tesseract"}
for case in cases:
    median = statistics.median(seconds[case])
    lines.append(f"| {case[0]} | `{case[1]}` | {paths[case]} | {median:.2f} | {20 / median:.1f} | {errors[case] * 100:.2f} % |")
for kind in documents:
    ratio = statistics.median(seconds[(kind, "ocr")]) / statistics.median(seconds[(kind, "hybrid")])
    lines.append(f"\n{kind}: `hybrid` takes 1/{ratio:.0f} of the time of `ocr`.")
text = "\n".join(lines) + "\n"
print(text)
os.makedirs(f"{root}/bench/results", exist_ok=True)
open(f"{root}/bench/results/text.md", "w").write(text)
