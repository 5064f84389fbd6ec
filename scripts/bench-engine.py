#!/usr/bin/env python3
"""DeepSeek-engine figures against the vLLM double, in one run (ratios hold on a noisy machine).
Throughput at in-flight limits 1-128 is ocrbench's `engine` section (scripts/bench.sh engine).

1. Encodings: the double reads each page with Tesseract, so the recall of the fixtures'
   words shows what an encoding costs in legibility, beside the worker's CPU per page and
   the bytes sent per page.
2. Straightening: the worker's CPU per scanned page with OCR_STRAIGHTEN off and on
   (STRAIGHTEN=0 skips this part).

Called by scripts/bench-engine.sh with the release build's bin directory.
"""
import json, os, statistics, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from bench_fleet import Fleet, cpu_seconds, http, recall, result_pages, words

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
bin_dir = sys.argv[1]
runs = int(os.environ.get("RUNS", "3"))
fleet = Fleet(bin_dir, "ocrfleet-bench-engine.")
work = fleet.work
start_double, start_worker, stop, run_jobs = fleet.start_double, fleet.start_worker, fleet.stop, fleet.run_jobs
lines = []

truth = json.load(open(f"{root}/fixtures/truth.json"))
fixtures = ["report-3p.pdf", "invoice.png", "delivery.jpg", "bench-10p.pdf"]
encodings = [tuple(item.split(":")) for item in os.environ.get("ENCODINGS", "png:1 png:6 jpeg:90 jpeg:75").split()]
lines += [] if not encodings else [
    "### Encodings: the double reads each page with Tesseract, `base` resolution",
    "",
    f"Fixtures {', '.join(fixtures)} ({sum(len(truth[f]) for f in fixtures)} pages); word recall against their ground truth.",
    "",
    "| encoding | word recall | worker CPU ms/page (median) | KiB sent per page |",
    "|---|---|---|---|",
]
double, double_url = start_double()
for form, setting in encodings:
    env = {"OCR_ENGINE": "deepseek", "OCR_VLLM_URL": double_url + "/v1", "OCR_VLLM_IMAGE_FORMAT": form,
           "OCR_VLLM_PNG_LEVEL" if form == "png" else "OCR_VLLM_JPEG_QUALITY": setting}
    worker = start_worker(env)
    cpu, found, expected, sent_before = [], 0.0, 0, json.loads(http("GET", double_url + "/double/statistics")[1])
    pages_total = sum(len(truth[f]) for f in fixtures)
    for run in range(runs):
        before = cpu_seconds(worker.pid)
        ids = run_jobs([(f"{root}/fixtures/{f}", "&engine=deepseek&mode=ocr") for f in fixtures])
        cpu.append((cpu_seconds(worker.pid) - before) * 1000 / pages_total)
        if run == 0:
            for job_id, fixture in zip(ids, fixtures):
                pages = result_pages(fleet.result(job_id))
                for page_truth, page in zip(truth[fixture], pages):
                    n = len(words(page_truth))
                    found += recall(page_truth, page) * n
                    expected += n
    stop(worker)
    sent = json.loads(http("GET", double_url + "/double/statistics")[1])
    kib = (sent["bytes_received"] - sent_before["bytes_received"]) / (sent["completions"] - sent_before["completions"]) / 1024
    name = f"PNG level {setting}" if form == "png" else f"JPEG quality {setting}"
    lines.append(f"| {name} | {found / expected * 100:.2f} % | {statistics.median(cpu):.1f} | {kib:.0f} |")
stop(double)

# Straightening: scans are turned upright and deskewed before the engine (OCR_STRAIGHTEN).
scans = ["invoice.png", "delivery.jpg", "pages-3p.tif", "invoice-rotated-180.png", "invoice-skewed.png"]
scan_pages = sum(len(truth[f]) for f in scans)
if os.environ.get("STRAIGHTEN", "1") == "1":
    lines += [
        "",
        "### Straightening scans (Tesseract orientation detection + Leptonica deskew), `base` resolution",
        "",
        f"Scans {', '.join(scans)} ({scan_pages} pages), the double answering at once without reading them;",
        "the worker's CPU per page with and without straightening.",
        "",
        "| `OCR_STRAIGHTEN` | worker CPU ms/page (median) |",
        "|---|---|",
    ]
    double, double_url = start_double("--no-ocr")
    for straighten in ("false", "true"):
        worker = start_worker({"OCR_ENGINE": "deepseek", "OCR_VLLM_URL": double_url + "/v1", "OCR_STRAIGHTEN": straighten})
        cpu = []
        for run in range(runs):
            before = cpu_seconds(worker.pid)
            run_jobs([(f"{root}/fixtures/{f}", "&engine=deepseek") for f in scans])
            cpu.append((cpu_seconds(worker.pid) - before) * 1000 / scan_pages)
        stop(worker)
        lines.append(f"| {straighten} | {statistics.median(cpu):.1f} |")
    stop(double)

fleet.close()
text = "\n".join(lines) + "\n"
print(text)
os.makedirs(f"{root}/bench/results", exist_ok=True)
open(f"{root}/bench/results/engine.md", "w").write(text)
