#!/usr/bin/env python3
"""What the classify, split and extract stages add per page, in one run (ratios hold on a
noisy machine). A 20-page text-layer PDF (fixtures/office/bench-20p.pdf, read as text so
recognition costs little) goes through the gateway with each stage asked for, against the vLLM
double serving the instruction model with LATENCY_MS of model time per request (a GPU's), at
each of the worker's OCR_LLM_MAX_INFLIGHT limits in INFLIGHT:

- added latency per page: the stage's own time (`timings_ms`) over the pages, median of RUNS;
- worker CPU per page: the worker's CPU for the job less that of the same job without the
  stages, over the pages, median of RUNS.

Field accuracy needs a real model on a GPU and is not measured here.

Called by scripts/bench-analysis.sh with the release build's bin directory.
"""
import json, os, statistics, sys, uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from bench_fleet import Fleet, cpu_seconds, http

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
bin_dir = sys.argv[1]
runs = int(os.environ.get("RUNS", "3"))
latency = int(os.environ.get("LATENCY_MS", "100"))
limits = [int(n) for n in os.environ.get("INFLIGHT", "1 8 32").split()]
model = "Qwen/Qwen2.5-7B-Instruct"
fixture = f"{root}/fixtures/office/bench-20p.pdf"
pages = 20
labels = open(f"{root}/fixtures/analysis/labels.json").read()
schema = open(f"{root}/fixtures/analysis/invoice.schema.json").read()
variants = [
    ("none", {}),
    ("classify", {"classify": labels}),
    ("classify + split", {"classify": labels, "split": "true"}),
    ("extract", {"extract": schema}),
    ("all, extract per section", {"classify": labels, "split": "extract_each", "extract": schema}),
]

fleet = Fleet(bin_dir, "ocrfleet-bench-analysis.")


def submit(fields, job_id):
    """POST /v1/jobs as multipart: the file and the analysis fields."""
    boundary = uuid.uuid4().hex
    body = b""
    for name, value in fields.items():
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench-20p.pdf"\r\n'
             f"Content-Type: application/pdf\r\n\r\n").encode() + open(fixture, "rb").read() + f"\r\n--{boundary}--\r\n".encode()
    import urllib.request
    request = urllib.request.Request(f"{fleet.gateway}/v1/jobs?job_id={job_id}&mode=text", data=body, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request, timeout=300) as response:
        assert response.status in (200, 201, 202), response.status


def run(fields, worker):
    """One job to its end: the worker's CPU seconds for it and its completion."""
    fleet.jobs += 1
    job_id = f"bench-{fleet.jobs}"
    before = cpu_seconds(worker.pid)
    submit(fields, job_id)
    while True:
        state = fleet.state(job_id)
        if state["state"] in ("completed", "failed", "cancelled"):
            break
        __import__("time").sleep(0.02)
    if state["state"] != "completed":
        raise SystemExit(f"{job_id} ended {state['state']}: {state.get('error')}")
    return cpu_seconds(worker.pid) - before, state["completion"]


double, double_url = fleet.start_double("--no-ocr", "--instruction-model", model, "--latency-ms", str(latency),
                                        "--max-model-len", "32768")
lines = [
    f"Fixture bench-20p.pdf ({pages} pages, read as text), the vLLM double answering each instruction-model request "
    f"after {latency} ms; medians of {runs} runs. Latency: the stage's own time over the pages; CPU: the worker's CPU "
    "for the job less the same job's without the stages, over the pages.",
    "",
    "| in flight | stages | classify ms/page | split ms/page | extract ms/page | model requests | worker CPU ms/page added |",
    "|---|---|---|---|---|---|---|",
]
for limit in limits:
    worker = fleet.start_worker({"OCR_LLM_URL": double_url + "/v1", "OCR_LLM_MODEL": model,
                                 "OCR_LLM_MAX_INFLIGHT": str(limit), "OCR_LLM_CONTEXT_TOKENS": "32768",
                                 "OCR_ENGINE": "tesseract"})
    run({}, worker)  # warm: the first job pays for loading what later ones share
    baseline = None
    for name, fields in variants:
        cpu, timings, requests = [], {}, []
        for _ in range(runs):
            before = json.loads(http("GET", double_url + "/double/statistics")[1]).get("instruction_requests", 0)
            seconds, completion = run(fields, worker)
            after = json.loads(http("GET", double_url + "/double/statistics")[1]).get("instruction_requests", 0)
            cpu.append(seconds * 1000 / pages)
            requests.append(after - before)
            for stage in ("classify", "split", "extract"):
                timings.setdefault(stage, []).append(completion["timings_ms"].get(stage))
        cpu_median = statistics.median(cpu)
        if baseline is None:
            baseline = cpu_median
        cells = []
        for stage in ("classify", "split", "extract"):
            values = [v for v in timings[stage] if v is not None]
            cells.append(f"{statistics.median(values) / pages:.1f}" if values else "—")
        lines.append(f"| {limit} | {name} | {' | '.join(cells)} | {statistics.median(requests):.0f} | "
                     f"{cpu_median - baseline:+.2f} (of {cpu_median:.2f}) |")
    fleet.stop(worker)
fleet.stop(double)
fleet.close()
os.makedirs(f"{root}/bench/results", exist_ok=True)
open(f"{root}/bench/results/analysis.md", "w").write("# Analysis stages against the double\n\n" + "\n".join(lines) + "\n")
print("\n".join(lines))
