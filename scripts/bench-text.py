#!/usr/bin/env python3
"""Born-digital text against OCR, in one run (ratios hold on a noisy machine).

A 20-page born-digital PDF (fixtures/office/bench-20p.pdf, LibreOffice's export of a
generated report) goes through the fleet in `hybrid` mode (pages written from their text
layer) and in `ocr` mode (every page rendered and read by Tesseract), alternately, RUNS
times each. Reported: pages per second (submit to `completed`, median of the runs) and the
character error rate of each mode's markdown against `pdftotext`'s output for the same
pages (markup and line breaks aside: both texts are compared as their words).

Called by scripts/bench-text.sh with the release build's bin directory.
"""
import os, statistics, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from bench_fleet import Fleet, character_errors, result_pages

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
bin_dir = sys.argv[1]
runs = int(os.environ.get("RUNS", "3"))
document = f"{root}/fixtures/office/bench-20p.pdf"
truth = open(f"{root}/fixtures/office/bench-20p.txt").read().split("\f")

fleet = Fleet(bin_dir, "ocrfleet-bench-text.")
fleet.start_worker({"OCR_ENGINE": "tesseract", "OCR_MAX_JOBS": "1"})
modes = ["hybrid", "ocr"]
rates = {mode: [] for mode in modes}
errors = {}
for run in range(runs):
    for mode in modes:
        started = time.time()
        [job_id] = fleet.run_jobs([(document, f"&mode={mode}&engine=tesseract")])
        seconds = time.time() - started
        rates[mode].append(20 / seconds)
        print(f"{mode} run {run + 1}: 20 pages in {seconds:.2f} s", file=sys.stderr)
        if run == 0:
            pages = result_pages(fleet.result(job_id))
            edits = characters = 0
            for page_truth, page in zip(truth, pages):
                e, n = character_errors(page_truth, page)
                edits, characters = edits + e, characters + n
            errors[mode] = edits / characters
fleet.close()

hybrid, ocr = statistics.median(rates["hybrid"]), statistics.median(rates["ocr"])
lines = [
    "### Born-digital PDF: `hybrid` (text layer) against `ocr` (Tesseract), 20 pages",
    "",
    f"One worker, one job at a time; {runs} runs of each mode, alternating. CER against `pdftotext` over all 20 pages.",
    "",
    "| mode | pages/s (median) | min | max | CER |",
    "|---|---|---|---|---|",
]
for mode in modes:
    lines.append(f"| {mode} | {statistics.median(rates[mode]):.1f} | {min(rates[mode]):.1f} | {max(rates[mode]):.1f} | "
                 f"{errors[mode] * 100:.2f} % |")
lines += ["", f"`hybrid` is {hybrid / ocr:.0f}× as fast as `ocr` on this document."]
text = "\n".join(lines) + "\n"
print(text)
os.makedirs(f"{root}/bench/results", exist_ok=True)
open(f"{root}/bench/results/text.md", "w").write(text)
