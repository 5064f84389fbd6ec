#!/usr/bin/env python3
"""What the result cache saves (docs/storage.md#result-cache): each document submitted RUNS
times, one job at a time, by a tenant that opted in (every job after the first a hit) and by
one that did not (every job recognised anew), on one worker with Tesseract. Each job's time is
its state's finished_at - created_at; the first job of the tenant that opted in (the miss that
fills the cache) is not counted. Writes bench/results/cache.md. Called by
scripts/bench-cache.sh with the release build's bin directory.
"""
import datetime, os, statistics, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from bench_fleet import Fleet, http
from bench_probes import p95, seconds_to_finish

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
bin_dir = sys.argv[1]
runs = int(os.environ.get("RUNS", "10"))
documents = [("fixtures/invoice.png", "one-page PNG"), ("fixtures/bench-10p.pdf", "10-page scanned PDF")]
tokens = {"cached": "tok-cached", "plain": "tok-plain"}


def timed(fleet, tenant, job_id, body):
    status, answer = http("POST", f"{fleet.gateway}/v1/jobs?job_id={job_id}&mode=ocr", body, token=tokens[tenant])
    if status != 202:
        raise SystemExit(f"{job_id}: {status} {answer}")
    return seconds_to_finish(lambda j: fleet.state(j, token=tokens[tenant]), job_id)


fleet = Fleet(bin_dir, "ocrfleet-bench-cache.", gateway_env={
    "OCR_API_TOKENS": ",".join(f"{token}:{tenant}" for tenant, token in tokens.items()), "OCR_RATE_LIMIT": "0",
})
rows = []
try:
    fleet.start_worker({"OCR_ENGINE": "tesseract", "OCR_CACHE_TENANTS": "cached", "OCR_MAX_JOBS": "1"})
    for index, (path, name) in enumerate(documents):
        body = open(f"{root}/{path}", "rb").read()
        timed(fleet, "plain", f"warm-{index}", body)
        timed(fleet, "cached", f"fill-{index}", body)
        # Alternated, so the machine's load falls on both alike.
        misses, hits = [], []
        for run in range(runs):
            misses.append(timed(fleet, "plain", f"miss-{index}-{run}", body))
            hits.append(timed(fleet, "cached", f"hit-{index}-{run}", body))
        rows.append((name, misses, hits))
finally:
    fleet.close()

now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
revision = os.popen(f"git -C {root} rev-parse --short HEAD").read().strip()
lines = [
    f"{now}, revision {revision}: {os.cpu_count()} cores; one worker (`OCR_ENGINE` tesseract, `OCR_MAX_JOBS` 1), "
    f"mode `ocr`; each document {runs} times by a tenant without the cache (miss) and {runs} times by one with it "
    "(hit), alternating, one job at a time, each timed from its state's `created_at` to `finished_at`. "
    "`scripts/bench-cache.sh` (release build).",
    "",
    "| document | miss p50 s | miss p95 s | hit p50 s | hit p95 s | hit p50 ÷ miss p50 |",
    "|---|---|---|---|---|---|",
]
for name, misses, hits in rows:
    lines.append(f"| {name} | {statistics.median(misses):.3f} | {p95(misses):.3f} | {statistics.median(hits):.3f} | "
                 f"{p95(hits):.3f} | {statistics.median(hits) / statistics.median(misses):.3f} |")
os.makedirs(f"{root}/bench/results", exist_ok=True)
open(f"{root}/bench/results/cache.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
