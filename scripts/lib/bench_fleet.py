"""A local fleet for the benchmark scripts: nats-server, the gateway, workers and the vLLM
double on free loopback ports, the jobs run through the gateway, and text measures.

    fleet = Fleet(bin_dir)          # nats-server + gateway
    worker = fleet.start_worker({"OCR_ENGINE": "tesseract"})
    ids = fleet.run_jobs([(path, "&mode=ocr")])
    fleet.close()
"""
import json, os, re, socket, struct, subprocess, tempfile, time, urllib.request, zlib


def tiny_png(path, width=240, height=80):
    """A white gray PNG: a page that costs the engine path nearly nothing."""
    rows = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, token=None):
    request = urllib.request.Request(url, data=body, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=300) as response:
        return response.status, response.read()


def wait_until(check, what, logs, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{what} did not start; logs in {logs}")


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy():
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in open("/proc/stat").readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def words(text):
    return re.findall(r"[^\W_]+", text.lower())


def recall(truth, recognised):
    """Share of the truth's words found in the recognised text, as multisets."""
    counts = {}
    for word in words(recognised):
        counts[word] = counts.get(word, 0) + 1
    expected = words(truth)
    found = 0
    for word in expected:
        if counts.get(word, 0) > 0:
            counts[word] -= 1
            found += 1
    return found / max(len(expected), 1)


def edit_distance(a, b):
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j - 1] + (x != y), previous[j] + 1, current[j - 1] + 1))
        previous = current
    return previous[-1]


def character_errors(truth, recognised):
    """(edits, characters of truth) over both texts' words (letters and digits, lower-cased)
    joined by single spaces, so markdown markup and line breaks are not errors."""
    recognised = re.sub(r"\]\([^)]*\)", "", recognised)
    expected, actual = " ".join(words(truth)), " ".join(words(recognised))
    return edit_distance(expected, actual), len(expected)


def result_pages(markdown):
    """The pages of an assembled result, page comments dropped."""
    return [re.sub(r"<!--.*?-->", "", page) for page in markdown.split("\n\n---\n\n")]


class Fleet:
    def __init__(self, bin_dir, work_prefix="ocrfleet-bench.", gateway_env=None):
        self.bin_dir = bin_dir
        self.work = tempfile.mkdtemp(prefix=work_prefix)
        self.processes = []
        self.jobs = 0
        nats_port, gateway_port, monitor_port = free_port(), free_port(), free_port()
        self.start(["nats-server", "-js", "-a", "127.0.0.1", "-p", str(nats_port), "-m", str(monitor_port),
                    "-sd", f"{self.work}/js"], "nats")
        # nats-server's monitoring endpoint: /varz (messages and bytes in and out), /jsz (streams).
        self.monitor = f"http://127.0.0.1:{monitor_port}"
        self.env = {"OCR_NATS_URL": f"nats://127.0.0.1:{nats_port}", "OCR_LOG_LEVEL": "warning"}
        self.start([f"{bin_dir}/ocr-gateway"], "gateway",
                   {**self.env, "OCR_HTTP_PORT": str(gateway_port), "OCR_STORE_DIR": f"{self.work}/store", **(gateway_env or {})})
        self.gateway = f"http://127.0.0.1:{gateway_port}"
        self.store_host = f"127.0.0.1:{gateway_port}"
        self.services = list(self.processes)
        wait_until(lambda: http("GET", self.gateway + "/readyz")[0] == 200, "gateway", self.work)

    def service_pids(self):
        """nats-server's and the gateway's."""
        return [process.pid for process in self.services]

    def start(self, args, log, env=None):
        process = subprocess.Popen(args, stdout=open(f"{self.work}/{log}.log", "a"), stderr=subprocess.STDOUT,
                                   env={**os.environ, **(env or {})})
        self.processes.append(process)
        return process

    def stop(self, process):
        process.terminate()
        process.wait(timeout=60)
        self.processes.remove(process)

    def start_double(self, *flags):
        port = free_port()
        process = self.start([f"{self.bin_dir}/vllm-double", "--port", str(port), *flags], "vllm-double")
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: http("GET", url + "/health")[0] == 200, "vllm-double", self.work)
        return process, url

    def start_worker(self, env):
        # The egress policy refuses loopback but for the gateway's store, which the fleet opens.
        process = self.start([f"{self.bin_dir}/ocr-worker"], "worker",
                             {**self.env, "OCR_WORK_DIR": self.work, "OCR_EGRESS_ALLOW": self.store_host, **env})
        # Ready once its start-up CPU has settled (the re-exec and engine checks are quick).
        time.sleep(1.5)
        if process.poll() is not None:
            raise SystemExit(f"worker exited; see {self.work}/worker.log")
        return process

    def run_jobs(self, files_and_queries):
        """Submits every (path, query) and waits until all are completed; their job ids."""
        ids = []
        for path, query in files_and_queries:
            self.jobs += 1
            job_id = f"bench-{self.jobs}"
            with open(path, "rb") as f:
                http("POST", f"{self.gateway}/v1/jobs?job_id={job_id}{query}", f.read())
            ids.append(job_id)
        # The queue empties as jobs are acked: wait on its depth (one request) rather than on
        # every job's state, whose polling would take CPU from what is measured.
        while json.loads(http("GET", f"{self.gateway}/v1/queue")[1])["jobs"] > 0:
            time.sleep(0.02)
        pending = set(ids)
        while pending:
            for job_id in list(pending):
                state = self.state(job_id)
                if state["state"] in ("completed", "failed", "cancelled"):
                    if state["state"] != "completed":
                        raise SystemExit(f"{job_id} ended {state['state']}: {state.get('error')}")
                    pending.discard(job_id)
            time.sleep(0.02)
        return ids

    def state(self, job_id, token=None):
        return json.loads(http("GET", f"{self.gateway}/v1/jobs/{job_id}", token=token)[1])

    def result(self, job_id):
        return http("GET", f"{self.gateway}/v1/jobs/{job_id}/result")[1].decode()

    def close(self):
        # The newest first: workers before the double, the gateway and NATS they use.
        for process in reversed(self.processes):
            self.stop(process)
        subprocess.run(["rm", "-rf", self.work])
