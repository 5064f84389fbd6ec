#!/usr/bin/env python3
"""What one tenant's flood does to another tenant (docs/lanes.md#fair-share): the
submit-to-completed time of a light tenant's interactive one-page jobs on an idle fleet, then
while a heavy tenant's FLOOD interactive jobs wait in the same lane, and, for comparison, while
the same flood waits in the light jobs' own queue, as one queue served every tenant before fair
share (the light jobs are then submitted under the heavy tenant's token, behind its flood).

One worker (OCR_MAX_JOBS 4) and the vLLM double answering after LATENCY_MS without reading.
PROBES jobs are submitted one at a time, SPACING_S apart; each job's time is its state's
finished_at - created_at. Writes bench/results/fairshare.md. Called by
scripts/bench-fairshare.sh with the release build's bin directory.
"""
import json, os, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from bench_fleet import Fleet, http
from bench_probes import behind, probe as probe_jobs, seconds_to_finish, write_results

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
bin_dir = sys.argv[1]
flood = int(os.environ.get("FLOOD", "2000"))
probes = int(os.environ.get("PROBES", "30"))
spacing = float(os.environ.get("SPACING_S", "0.5"))
latency_ms = int(os.environ.get("LATENCY_MS", "50"))
image = open(f"{root}/fixtures/invoice.png", "rb").read()
tokens = {"heavy": "tok-heavy", "light": "tok-light"}


def submit(fleet, job_id, tenant):
    status, _ = http("POST", f"{fleet.gateway}/v1/jobs?job_id={job_id}", image, token=tokens[tenant])
    if status != 202:
        raise SystemExit(f"{job_id}: {status}")


def queued(fleet):
    return json.loads(http("GET", f"{fleet.gateway}/v1/queue", token=tokens["heavy"])[1])["jobs"]


def probe(fleet, name, tenant):
    """PROBES jobs of `tenant`, SPACING_S apart; their seconds from submission to completion."""
    return probe_jobs(lambda job_id: submit(fleet, job_id, tenant), lambda job_id: fleet.state(job_id, token=tokens[tenant]),
                      name, probes, spacing)


fleet = Fleet(bin_dir, "ocrfleet-bench-fairshare.", gateway_env={
    "OCR_API_TOKENS": ",".join(f"{token}:{tenant}" for tenant, token in tokens.items()),
    "OCR_TENANT_MAX_QUEUED": "0", "OCR_RATE_LIMIT": "0",
})
try:
    double, url = fleet.start_double("--no-ocr", "--latency-ms", str(latency_ms))
    fleet.start_worker({"OCR_VLLM_URL": url + "/v1", "OCR_ENGINE": "deepseek", "OCR_MAX_JOBS": "4", "OCR_STRAIGHTEN": "false"})
    for index in range(8):  # warm-up
        submit(fleet, f"warm-{index}", "light")
    for index in range(8):
        seconds_to_finish(lambda job_id: fleet.state(job_id, token=tokens["light"]), f"warm-{index}")
    rows = [{"while": "idle", "times": probe(fleet, "idle", "light")}]
    for name, probe_tenant, label in [
        ("fair", "light", f"another tenant's {flood:,} jobs wait in the same lane (fair share)"),
        ("one", "heavy", f"the same {flood:,} jobs wait in the same queue (one queue, as before fair share)"),
    ]:
        # The heavy tenant's flood, then the probes as `probe_tenant` while it waits.
        rows.append(behind(label, lambda i, n=name: submit(fleet, f"{n}-{i}", "heavy"), flood,
                           lambda n=name, t=probe_tenant: probe(fleet, n, t), lambda: queued(fleet)))
finally:
    fleet.close()

write_results(root, "fairshare",
              f"one worker (`OCR_MAX_JOBS` 4, `OCR_ENGINE` deepseek), the vLLM double answering after {latency_ms} ms "
              f"without reading; {probes} interactive one-page jobs (`fixtures/invoice.png`) of a light tenant submitted "
              f"{spacing} s apart, each timed from its state's `created_at` to `finished_at`. "
              "`scripts/bench-fairshare.sh` (release build).",
              rows, "flood")
