"""Probe jobs for the queueing benchmarks (bench-lanes, bench-fairshare): one-page jobs
submitted one at a time while something else waits in the queue, each timed from its state's
`created_at` to `finished_at`, and the table of their percentiles.
"""
import concurrent.futures, datetime, os, statistics, threading, time


def parse(stamp):
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def seconds_to_finish(state_of, job_id):
    """Polls `state_of(job_id)` until the job ends; its seconds from creation to its end."""
    while True:
        state = state_of(job_id)
        if state["state"] in ("completed", "failed", "cancelled"):
            if state["state"] != "completed":
                raise SystemExit(f"{job_id} ended {state['state']}: {state.get('error')}")
            return parse(state["finished_at"]) - parse(state["created_at"])
        time.sleep(0.05)


def probe(submit, state_of, name, count, spacing):
    """`count` jobs named `<name>-probe-<n>`, `spacing` seconds apart; their seconds to finish."""
    times, waits = [], []
    for index in range(count):
        job_id = f"{name}-probe-{index}"
        submit(job_id)
        waits.append(threading.Thread(target=lambda j=job_id: times.append(seconds_to_finish(state_of, j))))
        waits[-1].start()
        time.sleep(spacing)
    for wait in waits:
        wait.join()
    return times


def p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def table(rows, waiting):
    """Markdown rows: each row's probe times against the first row's (idle) p95; `waiting` names
    what waited (its count when the last probe went in, and its submit and done seconds)."""
    lines = [
        f"| while | probes | p50 s | p95 s | max s | p95 ÷ idle p95 | {waiting} queued at the last probe | {waiting}: submit s, done s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    idle_p95 = p95(rows[0]["times"])
    for row in rows:
        times = row["times"]
        left = f"{row['left']:,}" if "left" in row else "–"
        timing = f"{row['submit_s']:.0f}, {row['done_s']:.0f}" if "left" in row else "–"
        lines.append(f"| {row['while']} | {len(times)} | {statistics.median(times):.2f} | {p95(times):.2f} | {max(times):.2f} | "
                     f"{p95(times) / idle_p95:.1f} | {left} | {timing} |")
    return lines


def behind(label, submit_many, count, run_probes, queued):
    """`count` jobs submitted (8 at a time) through `submit_many(index)`, then `run_probes()`
    while they wait, then until `queued()` is 0: the table row, with how many still waited
    when the last probe went in and the seconds to submit and to drain them."""
    began = time.time()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(submit_many, range(count)))
    submitted = time.time()
    times = run_probes()
    left = queued()
    while queued() > 0:
        time.sleep(0.2)
    return {"while": label, "times": times, "left": left, "submit_s": submitted - began, "done_s": time.time() - began}


def write_results(root, name, setup, rows, waiting):
    """bench/results/<name>.md: the run's date, revision and cores, `setup`, and the table."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    revision = os.popen(f"git -C {root} rev-parse --short HEAD").read().strip()
    text = "\n".join([f"{now}, revision {revision}: {os.cpu_count()} cores; {setup}", "", *table(rows, waiting)]) + "\n"
    os.makedirs(f"{root}/bench/results", exist_ok=True)
    open(f"{root}/bench/results/{name}.md", "w").write(text)
    print(text)
