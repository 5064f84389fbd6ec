#!/usr/bin/env python3
"""A soak: JOBS (default 50,000) one-page jobs through WORKERS (4) workers, each running four at
once, with the engine answering at once (the vLLM double, not reading) and every job's document
opened in its own child as in production. Clients keep IN_FLIGHT (64) jobs submitted and not
yet ended. A subscriber (`ocrctl events`) records every job's terminal events.

Reports, in bench/results/soak.md:
- lost jobs (submitted, no terminal event after the queue drained and a quiet minute) and
  duplicates (more than one terminal event): both must be 0;
- each worker's RSS (VmRSS) sampled every SAMPLE_S (10) seconds, shown at tenths of the run,
  with nats-server's and the gateway's;
- the RSS slope of each worker over the run's second half (after warm-up), as MiB per 10,000
  jobs, by least squares; a leak shows as a slope that does not fall toward 0 with a longer run.

Called by scripts/soak.sh with the release build's bin directory.
"""
import collections, datetime, json, os, subprocess, sys, threading, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from bench_fleet import Fleet, http, tiny_png

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
bin_dir = sys.argv[1]
jobs = int(os.environ.get("JOBS", "50000"))
worker_count = int(os.environ.get("WORKERS", "4"))
in_flight = int(os.environ.get("IN_FLIGHT", "64"))
sample_s = float(os.environ.get("SAMPLE_S", "10"))


def rss_mib(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_with_children(pid):
    """CPU seconds of a process and of the children it has waited for (a worker's document children)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return sum(int(field) for field in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def server_counts(fleet):
    """nats-server's message and byte counters, and each stream's bytes and messages kept."""
    varz = json.loads(http("GET", fleet.monitor + "/varz")[1])
    jsz = json.loads(http("GET", fleet.monitor + "/jsz?streams=true")[1])
    streams = {stream["name"]: (stream["state"]["bytes"], stream["state"]["messages"])
               for account in jsz.get("account_details", []) for stream in account.get("stream_detail", [])}
    return {"in_msgs": varz["in_msgs"], "out_msgs": varz["out_msgs"], "in_bytes": varz["in_bytes"],
            "out_bytes": varz["out_bytes"], "streams": streams}


class TerminalEvents:
    """Every terminal event's job id, as `ocrctl events --json` prints them."""

    def __init__(self, fleet):
        self.ends = collections.Counter()
        self.kinds = collections.Counter()
        self.condition = threading.Condition()
        self.process = subprocess.Popen([f"{bin_dir}/ocrctl", "events", "--json", "--nats", fleet.env["OCR_NATS_URL"]],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        threading.Thread(target=self.read, daemon=True).start()
        time.sleep(0.5)

    def read(self):
        for line in self.process.stdout:
            try:
                event = json.loads(line)
                kind = event["type"].rsplit(".", 1)[-1]
                job_id = event["data"]["job_id"]
            except (ValueError, KeyError):
                continue
            if kind == "failed" and event["data"].get("will_retry"):
                continue
            if kind in ("completed", "failed", "cancelled"):
                with self.condition:
                    self.ends[job_id] += 1
                    self.kinds[kind] += 1
                    self.condition.notify_all()

    def ended(self):
        with self.condition:
            return len(self.ends)

    def close(self):
        self.process.terminate()
        self.process.wait()


fleet = Fleet(bin_dir, "ocrfleet-soak.", gateway_env={"OCR_RATE_LIMIT": "0", "OCR_MAX_BACKLOG": "0"})
page = f"{fleet.work}/blank.png"
tiny_png(page)
body = open(page, "rb").read()
samples, submitted, refused = [], [], collections.Counter()
try:
    double, double_url = fleet.start_double("--no-ocr")
    workers = [fleet.start_worker({"OCR_ENGINE": "deepseek", "OCR_VLLM_URL": double_url + "/v1", "OCR_STRAIGHTEN": "false",
                                   "OCR_WORKER_NAME": f"soak-{index}"}) for index in range(worker_count)]
    events = TerminalEvents(fleet)
    server_before = server_counts(fleet)
    processes = {"workers": workers, "nats-server": [fleet.services[0]], "gateway": [fleet.services[1]], "vllm double": [double]}
    cpu_before = {name: sum(cpu_with_children(p.pid) for p in group) for name, group in processes.items()}
    began = time.time()
    stop_sampling = threading.Event()

    def sample():
        while not stop_sampling.is_set():
            samples.append({"t": time.time() - began, "ended": events.ended(),
                            "workers": [rss_mib(worker.pid) for worker in workers],
                            "nats": rss_mib(fleet.services[0].pid), "gateway": rss_mib(fleet.services[1].pid)})
            stop_sampling.wait(sample_s)

    sampler = threading.Thread(target=sample)
    sampler.start()
    lock, counter = threading.Lock(), iter(range(jobs))

    def client():
        for index in counter:
            job_id = f"soak-{index}"
            with events.condition:
                events.condition.wait_for(lambda: len(submitted) - len(events.ends) < in_flight, timeout=600)
            while True:
                status, _ = http("POST", f"{fleet.gateway}/v1/jobs?job_id={job_id}&engine=deepseek", body)
                if status in (200, 202):
                    break
                refused[status] += 1
                time.sleep(0.5)
            with lock:
                submitted.append(job_id)

    clients = [threading.Thread(target=client) for _ in range(8)]
    for thread in clients:
        thread.start()
    last_report = time.time()
    while any(thread.is_alive() for thread in clients):
        time.sleep(1)
        if time.time() - last_report > 60:
            last_report = time.time()
            print(f"{time.time() - began:.0f} s: {len(submitted)} submitted, {events.ended()} ended, "
                  f"worker RSS {[round(rss_mib(w.pid) or 0) for w in workers]} MiB", flush=True)
    for thread in clients:
        thread.join()
    # Drained: every job ended, or two minutes without one ending (the rest are lost); then a
    # quiet minute for late or duplicate events.
    progress, last_ended = time.time(), events.ended()
    while events.ended() < len(submitted) and time.time() - progress < 120:
        time.sleep(0.2)
        if events.ended() != last_ended:
            progress, last_ended = time.time(), events.ended()
    elapsed = time.time() - began
    time.sleep(60)
    server_after = server_counts(fleet)
    cpu_after = {name: sum(cpu_with_children(p.pid) for p in group) for name, group in processes.items()}
    stop_sampling.set()
    sampler.join()
    exits = [worker.poll() for worker in workers]
    events.close()
    # A job whose end the subscriber missed (a core subscription can drop under load) is lost
    # only if its state did not end either.
    unseen = [job_id for job_id in submitted if events.ends[job_id] == 0]
    states = {job_id: json.loads(http("GET", f"{fleet.gateway}/v1/jobs/{job_id}")[1]).get("state") for job_id in unseen}
finally:
    fleet.close()

lost = [job_id for job_id in unseen if states.get(job_id) not in ("completed", "failed", "cancelled")]
duplicates = [job_id for job_id, count in events.ends.items() if count > 1]


def slope(points):
    """Least-squares slope of (x, y) points."""
    n = len(points)
    if n < 2:
        return 0.0
    mean_x, mean_y = sum(x for x, _ in points) / n, sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0


running = [s for s in samples if s["ended"] < len(submitted)]
second_half = [s for s in running if s["ended"] >= len(submitted) / 2]
slopes = [slope([(s["ended"] / 10_000, s["workers"][index]) for s in second_half if s["workers"][index] is not None])
          for index in range(worker_count)]
def per_job(counter):
    return (server_after[counter] - server_before[counter]) / max(len(submitted), 1)


def stream_bytes_per_job():
    """Bytes each stream keeps per job at the end (work queues, drained, keep none)."""
    return {name: (kept - server_before["streams"].get(name, (0, 0))[0]) / max(len(submitted), 1)
            for name, (kept, _) in sorted(server_after["streams"].items())}


now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
revision = os.popen(f"git -C {root} rev-parse --short HEAD").read().strip()
lines = [
    f"{now}, revision {revision}: {os.cpu_count()} cores; {len(submitted):,} one-page jobs (a blank PNG, the vLLM double "
    f"answering at once) through {worker_count} workers (`OCR_MAX_JOBS` 4, each document in its own child), "
    f"{in_flight} in flight from 8 clients through the gateway, in {elapsed / 60:.1f} min "
    f"({len(submitted) / elapsed:.1f} jobs/s). `scripts/soak.sh` (release build).",
    "",
    f"- terminal events: {dict(events.kinds)}; **lost {len(lost)}, duplicated {len(duplicates)}**"
    + (f" (lost e.g. {lost[:5]}, duplicated e.g. {duplicates[:5]})" if lost or duplicates else ""),
    f"- jobs whose terminal event the subscriber missed but whose state ended: {len(unseen) - len(lost)}",
    f"- submissions refused and sent again: {dict(refused) or 'none'}; worker exit codes at the end: {exits}",
    "- RSS slope over the second half, MiB per 10,000 jobs: " + ", ".join(f"{s:+.2f}" for s in slopes),
    f"- nats-server per job: {per_job('in_msgs'):.1f} messages in and {per_job('out_msgs'):.1f} out "
    f"({per_job('in_bytes') / 1024:.1f} and {per_job('out_bytes') / 1024:.1f} KiB; the event subscriber's copies included); "
    "kept per job: " + ", ".join(f"{name} {kept / 1024:.2f} KiB" for name, kept in stream_bytes_per_job().items()),
    "- CPU per job (ms): " + ", ".join(f"{name} {(cpu_after[name] - cpu_before[name]) * 1000 / max(len(submitted), 1):.1f}"
                                      for name in cpu_before) + " (workers with their document children)",
    "",
    "| minute | jobs ended | " + " | ".join(f"worker {i} MiB" for i in range(worker_count)) + " | nats-server MiB | gateway MiB |",
    "|---|---|" + "---|" * (worker_count + 2),
]
for tenth in range(11):
    if not running:
        break
    s = running[min(len(running) - 1, tenth * (len(running) - 1) // 10)]
    cells = " | ".join(f"{v:.0f}" if v is not None else "–" for v in s["workers"] + [s["nats"], s["gateway"]])
    lines.append(f"| {s['t'] / 60:.1f} | {s['ended']:,} | {cells} |")
os.makedirs(f"{root}/bench/results", exist_ok=True)
open(f"{root}/bench/results/soak.md", "w").write("\n".join(lines) + "\n")
json.dump(samples, open(f"{root}/bench/results/soak-samples.json", "w"))
print("\n".join(lines))
sys.exit(1 if lost or duplicates else 0)
