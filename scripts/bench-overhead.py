#!/usr/bin/env python3
"""What metrics and tracing cost per job: the worker's CPU time per one-page job
(fixtures/invoice.png against the vLLM double answering at once without reading, so the
engine costs nothing and the worker's own work shows), in three set-ups run in turn, RUNS
times each, in one run:

  plain     no probe port (swift-metrics is never bootstrapped: every metric is a no-op),
            no OTLP endpoint (no tracer)
  metrics   OCR_PROBE_PORT set: metrics recorded into the Prometheus registry
  traced    metrics and OCR_OTLP_ENDPOINT, exporting to a collector on loopback that
            accepts and discards (a Python HTTP server)

CPU time from /proc/<pid>/stat, so the machine's other load does not count. Called by
scripts/bench-overhead.sh with the release build's bin directory.
"""
import http.server, os, statistics, sys, threading, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from bench_fleet import Fleet, cpu_seconds, free_port

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
bin_dir = sys.argv[1]
runs = int(os.environ.get("RUNS", "3"))
jobs = int(os.environ.get("JOBS", "150"))
image = f"{root}/fixtures/invoice.png"


class Collector(http.server.BaseHTTPRequestHandler):
    spans_bytes = 0

    def do_POST(self):
        Collector.spans_bytes += len(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.send_response(200)
        # An empty protobuf ExportTraceServiceResponse: full success to an OTLP exporter.
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


collector_port = free_port()
server = http.server.ThreadingHTTPServer(("127.0.0.1", collector_port), Collector)
threading.Thread(target=server.serve_forever, daemon=True).start()

fleet = Fleet(bin_dir, "ocrfleet-bench-overhead.")
double, url = fleet.start_double("--no-ocr")
base = {"OCR_ENGINE": "deepseek", "OCR_VLLM_URL": url + "/v1", "OCR_STRAIGHTEN": "false", "OCR_MAX_JOBS": "4"}
setups = {
    "plain": base,
    "metrics": {**base, "OCR_PROBE_PORT": "0"},
    "traced": {**base, "OCR_PROBE_PORT": "0", "OCR_OTLP_ENDPOINT": f"http://127.0.0.1:{collector_port}"},
}
per_job = {name: [] for name in setups}
try:
    for run in range(runs):
        for name, environment in setups.items():
            worker = fleet.start_worker(environment)
            fleet.run_jobs([(image, "")] * 8)  # warm-up
            before = cpu_seconds(worker.pid)
            fleet.run_jobs([(image, "")] * jobs)
            used = cpu_seconds(worker.pid) - before
            fleet.stop(worker)
            per_job[name].append(used * 1000 / jobs)
            print(f"run {run + 1}: {name} {used * 1000 / jobs:.2f} ms CPU per job", file=sys.stderr)
finally:
    fleet.close()
    server.shutdown()

plain = statistics.median(per_job["plain"])
lines = [
    f"Worker CPU per one-page job, {jobs} jobs per run, {runs} runs, median (min–max); {os.cpu_count()} cores.",
    "",
    "| set-up | ms CPU per job | over plain |",
    "|---|---|---|",
]
for name, values in per_job.items():
    median = statistics.median(values)
    lines.append(f"| {name} | {median:.2f} ({min(values):.2f}–{max(values):.2f}) | {median - plain:+.2f} ms ({(median - plain) / plain:+.1%}) |")
lines.append("")
lines.append(f"The collector received {Collector.spans_bytes / 1024:.0f} KiB of OTLP protobuf in all.")
text = "\n".join(lines)
print(text)
os.makedirs(f"{root}/bench/results", exist_ok=True)
open(f"{root}/bench/results/overhead.md", "w").write(text + "\n")
