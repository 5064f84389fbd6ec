#!/usr/bin/env python3
"""What a backfill does to people waiting (docs/lanes.md): the submit-to-completed time of
interactive one-page jobs on an idle fleet, then while a BACKFILL-job backfill runs in the batch
lane, and (unless NO_SINGLE_LANE is set) while the same backfill runs in the interactive lane,
as one queue served everyone before lanes.

One worker (OCR_MAX_JOBS 4) and the vLLM double answering after LATENCY_MS without reading, so
a job costs the worker's own work and a fixed engine time. PROBES interactive jobs are submitted
one at a time, SPACING_S apart; each job's time is its state's finished_at - created_at (the
gateway's clock, then the worker's: one machine). Writes bench/results/lanes.md. Called by
scripts/bench-lanes.sh with the release build's bin directory.
"""
import json, os, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from bench_fleet import Fleet, http
from bench_probes import behind, probe as probe_jobs, write_results

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
bin_dir = sys.argv[1]
backfill = int(os.environ.get("BACKFILL", "10000"))
probes = int(os.environ.get("PROBES", "40"))
spacing = float(os.environ.get("SPACING_S", "0.5"))
latency_ms = int(os.environ.get("LATENCY_MS", "50"))
single_lane = not os.environ.get("NO_SINGLE_LANE")
image = open(f"{root}/fixtures/invoice.png", "rb").read()


def submit(fleet, job_id, priority):
    status, _ = http("POST", f"{fleet.gateway}/v1/jobs?job_id={job_id}&priority={priority}", image)
    if status != 202:
        raise SystemExit(f"{job_id}: {status}")


def queued(fleet):
    return json.loads(http("GET", f"{fleet.gateway}/v1/queue")[1])["jobs"]


def probe(fleet, name):
    """PROBES interactive jobs, SPACING_S apart; their seconds from submission to completion."""
    return probe_jobs(lambda job_id: submit(fleet, job_id, "interactive"), fleet.state, name, probes, spacing)


fleet = Fleet(bin_dir, "ocrfleet-bench-lanes.")
try:
    double, url = fleet.start_double("--no-ocr", "--latency-ms", str(latency_ms))
    fleet.start_worker({"OCR_VLLM_URL": url + "/v1", "OCR_ENGINE": "deepseek", "OCR_MAX_JOBS": "4", "OCR_STRAIGHTEN": "false"})
    fleet.run_jobs([(f"{root}/fixtures/invoice.png", "")] * 8)  # warm-up
    rows = [{"while": "idle", "times": probe(fleet, "idle")}]
    lanes = [("batch", f"a {backfill:,}-job backfill in the batch lane")]
    if single_lane:
        lanes.append(("interactive", f"a {backfill:,}-job backfill in the interactive lane (one queue, as before lanes)"))
    for lane, name in lanes:
        # The backfill in `lane`, then the probes while it runs.
        rows.append(behind(name, lambda i, l=lane: submit(fleet, f"{l}-{i}", l), backfill,
                           lambda l=lane: probe(fleet, l), lambda: queued(fleet)))
finally:
    fleet.close()

write_results(root, "lanes",
              f"one worker (`OCR_MAX_JOBS` 4, `OCR_ENGINE` deepseek), the vLLM double answering after {latency_ms} ms "
              f"without reading; {probes} interactive one-page jobs (`fixtures/invoice.png`) submitted {spacing} s apart, "
              "each timed from its state's `created_at` to `finished_at`. `scripts/bench-lanes.sh` (release build).",
              rows, "backfill")
