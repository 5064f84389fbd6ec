#!/usr/bin/env python3
"""Fleet throughput with 1, 2, 4 and 8 worker processes against an engine whose time per
page is fixed: the vLLM double answering every page after LATENCY_MS without reading it
(--no-ocr). One-page jobs (fixtures/invoice.png) go through the gateway and NATS; each worker
runs OCR_MAX_JOBS (4) at once. Jobs per second, and efficiency against the ideal of N times
one worker's rate, each a median over RUNS runs; the machine's CPU use during the runs shows
where the cores run out. Straightening is off (OCR_STRAIGHTEN=false) so that the figure is
the fleet's, not the orientation detector's (about 200 ms of CPU per scanned page, measured
by bench-engine).

Called by scripts/bench-scaling.sh with the release build's bin directory.
"""
import os, statistics, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from bench_fleet import Fleet, machine_busy

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
bin_dir = sys.argv[1]
runs = int(os.environ.get("RUNS", "3"))
latency_ms = int(os.environ.get("LATENCY_MS", "500"))
counts = [int(x) for x in os.environ.get("WORKERS", "1 2 4 8").split()]
jobs_per_worker = int(os.environ.get("JOBS_PER_WORKER", "24"))
image = f"{root}/fixtures/invoice.png"

fleet = Fleet(bin_dir, "ocrfleet-bench-scaling.")
double, url = fleet.start_double("--no-ocr", "--latency-ms", str(latency_ms))
environment = {"OCR_ENGINE": "deepseek", "OCR_VLLM_URL": url + "/v1", "OCR_STRAIGHTEN": "false", "OCR_MAX_JOBS": "4"}
rows = []
try:
    for count in counts:
        workers = [fleet.start_worker(environment) for _ in range(count)]
        fleet.run_jobs([(image, "")] * count)  # warm-up: page cache, connections to the double
        rates, cpu = [], []
        for run in range(runs):
            jobs = jobs_per_worker * count
            before, started = machine_busy(), time.time()
            fleet.run_jobs([(image, "")] * jobs)
            seconds = time.time() - started
            after = machine_busy()
            rates.append(jobs / seconds)
            cpu.append((after[0] - before[0]) / (after[1] - before[1]))
            print(f"{count} workers, run {run + 1}: {jobs} jobs in {seconds:.2f} s, {jobs / seconds:.2f} jobs/s", file=sys.stderr)
        for worker in workers:
            fleet.stop(worker)
        rows.append((count, statistics.median(rates), min(rates), max(rates), statistics.median(cpu)))
finally:
    fleet.close()

one = rows[0][1] / rows[0][0]
ideal_one = 4 / (latency_ms / 1000)
lines = [
    f"Fixed engine latency {latency_ms} ms a page, 4 jobs at once per worker (ideal per worker "
    f"{ideal_one:.1f} jobs/s), one-page jobs, {runs} runs each; {os.cpu_count()} cores.",
    "",
    "| workers | jobs/s median (min–max) | efficiency vs N × 1 worker | vs the engine's ideal | machine CPU busy |",
    "|---|---|---|---|---|",
]
for count, median, low, high, busy in rows:
    lines.append(
        f"| {count} | {median:.2f} ({low:.2f}–{high:.2f}) | {median / (count * one):.0%} | "
        f"{median / (count * ideal_one):.0%} | {busy:.0%} |")
text = "\n".join(lines)
print(text)
os.makedirs(f"{root}/bench/results", exist_ok=True)
open(f"{root}/bench/results/scaling.md", "w").write(text + "\n")
