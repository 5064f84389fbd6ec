#!/usr/bin/env python3
"""ocrbench: what a user comparing OCR services weighs (pages per second, what it costs,
how well it reads), beside the tools they would pick instead, in one run so that every
comparison is a ratio on the same machine at the same moment.

    ocrbench.py BIN_DIR FLOOR_BIN [SECTION...]    (run by scripts/bench.sh)

Sections: tesseract, engine, bus, memory, accuracy, isolation, public (all by default). Every timing figure
is the median of RUNS runs with their min and max; accuracy figures are of one run. Writes bench/results/ocrbench.md and
ocrbench.json; BASELINE=1 also copies the Markdown to bench/results/BASELINE.md.
"""
import datetime, html, json, os, platform, re, resource, shutil, statistics, subprocess, sys, threading, time, unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_fleet import Fleet, cpu_seconds, http, machine_busy, result_pages, tiny_png, words

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
bin_dir, floor_bin = sys.argv[1], sys.argv[2]
sections = sys.argv[3:] or ["tesseract", "engine", "bus", "memory", "accuracy", "isolation", "public"]
runs = int(os.environ.get("RUNS", "3"))
results = {"runs": runs, "sections": {}}
report = []


def summary(values):
    """{"median", "min", "max"} of a run's values."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def spread(figure, digits=2):
    return f"{figure['median']:.{digits}f} ({figure['min']:.{digits}f}–{figure['max']:.{digits}f})"


def run(*args, **kwargs):
    return subprocess.run(args, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs).stdout


def log(message):
    print(message, file=sys.stderr, flush=True)


def pin(pids, cpus):
    """Moves every thread of each process onto `cpus` ("0" or "0,1")."""
    for pid in pids:
        run("taskset", "-a", "-cp", cpus, str(pid))


def peak_rss_mib(pid):
    status = open(f"/proc/{pid}/status").read()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024


def machine():
    model = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read())
    memory = int(re.search(r"MemTotal:\s+(\d+)", open("/proc/meminfo").read()).group(1)) / 1024 / 1024
    tesseract = run("tesseract", "--version").splitlines()[0]
    poppler = subprocess.run(["pdftoppm", "-v"], capture_output=True, text=True).stderr.splitlines()[0]
    revision = run("git", "-C", root, "rev-parse", "--short", "HEAD").strip()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": model.group(1) if model else platform.processor(), "cores": os.cpu_count(),
        "memory_gib": round(memory, 1), "kernel": platform.release(), "tesseract": tesseract,
        "poppler": poppler, "revision": revision,
    }


# --- Tesseract path -----------------------------------------------------------------------

def tesseract_section(fleet):
    """Dense pages scanned at 300 DPI, through four ways of reading them with Tesseract, on one
    core and on two."""
    work = f"{fleet.work}/tesseract"
    os.makedirs(f"{work}/pages")
    count = int(os.environ.get("PAGES", "6"))
    run("pdftoppm", "-r", "300", "-gray", "-png", "-l", str(count), f"{root}/fixtures/bench-10p.pdf", f"{work}/pages/p")
    pages = sorted(f"{work}/pages/{name}" for name in os.listdir(f"{work}/pages"))
    scanned = f"{work}/scanned-10p.pdf"
    run("img2pdf", "--output", scanned, *pages)
    core_sets = {1: "0", 2: "0,1"} if os.cpu_count() >= 2 else {1: "0"}

    events, body, submitted = CompletedEvents(fleet), open(scanned, "rb").read(), iter(range(1_000_000))

    def worker_variant(cores):
        # Waits for the `completed` event rather than polling the gateway, whose answers
        # would take CPU from the core the worker is pinned to.
        job_id = f"tesseract-{next(submitted)}"
        http("POST", f"{fleet.gateway}/v1/jobs?job_id={job_id}&mode=ocr&engine=tesseract", body)
        events.wait(job_id)

    def cli_variant(cores):
        # What a user scripts: render each page, then the tesseract CLI on it, `cores` at once.
        script = ('pdftoppm -r 300 -gray -png -f "$1" -l "$1" -singlefile "$0" "$2/cli-$1" && '
                  'tesseract "$2/cli-$1.png" "$2/cli-$1" -l eng quiet')
        subprocess.run(f"seq 1 {count} | OMP_THREAD_LIMIT=1 taskset -c {core_sets[cores]} "
                       f"xargs -P {cores} -I{{}} sh -c '{script}' {scanned} {{}} {work}",
                       shell=True, check=True)

    def ocrmypdf_variant(cores):
        subprocess.run(["taskset", "-c", core_sets[cores], "ocrmypdf", "-q", "-j", str(cores), "--output-type", "pdf",
                        "--optimize", "0", "--sidecar", f"{work}/ocrmypdf.txt", scanned, f"{work}/ocrmypdf.pdf"],
                       check=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"})

    def floor_variant(cores):
        # One thread per handle, as the worker runs Tesseract: OpenMP's spinning threads on a
        # pinned core would slow the floor threefold.
        return json.loads(run("taskset", "-c", core_sets[cores], floor_bin, str(cores), *pages,
                              env={**os.environ, "OMP_THREAD_LIMIT": "1"}))["seconds"]

    variants = {"ocrfleet worker (gateway → NATS → worker)": worker_variant,
                "pdftoppm + tesseract CLI, page by page": cli_variant,
                "OCRmyPDF --sidecar": ocrmypdf_variant,
                "Tesseract C API in a loop (floor)": floor_variant}
    seconds = {(cores, name): [] for cores in core_sets for name in variants}
    rss = {}
    for cores, cpus in core_sets.items():
        worker = fleet.start_worker({"OCR_ENGINE": "tesseract"})
        pin([worker.pid, *fleet.service_pids()], cpus)
        worker_variant(cores)  # language data and pages in the page cache for every variant
        for attempt in range(runs):
            for name, variant in variants.items():
                started = time.time()
                measured = variant(cores)
                seconds[(cores, name)].append(measured if measured is not None else time.time() - started)
                log(f"tesseract: {cores} core(s), {name}, run {attempt + 1}: {seconds[(cores, name)][-1]:.2f} s")
        rss[cores] = peak_rss_mib(worker.pid)
        fleet.stop(worker)
    pin(fleet.service_pids(), ",".join(str(c) for c in range(os.cpu_count())))
    events.close()

    figures, lines = {}, [
        "## Tesseract path",
        "",
        f"The first {count} dense pages of `fixtures/bench-10p.pdf` scanned at 300 DPI (gray, an image PDF), English,",
        "automatic layout. Each way is pinned to the cores named (`taskset`); the worker's run is",
        "submit to `completed` through the gateway, NATS and the store; the floor is the Tesseract C API",
        "alone on the pages already decoded, one handle per core (`bench/tesseract-floor.c`).",
        "",
        "| cores | way | pages/s | of the floor | worker ÷ way |",
        "|---|---|---|---|---|",
    ]
    for cores in core_sets:
        rate = {name: summary([count / s for s in seconds[(cores, name)]]) for name in variants}
        floor = rate["Tesseract C API in a loop (floor)"]["median"]
        ours = rate["ocrfleet worker (gateway → NATS → worker)"]["median"]
        for name in variants:
            figures[f"{cores} cores / {name}"] = {**rate[name], "of_floor": rate[name]["median"] / floor}
            lines.append(f"| {cores} | {name} | {spread(rate[name])} | {rate[name]['median'] / floor * 100:.0f} % | "
                         f"{ours / rate[name]['median']:.2f} |")
    lines += ["", "Worker peak RSS: " + ", ".join(f"{rss[c]:.0f} MiB on {c} core(s)" for c in core_sets) + "."]
    figures["worker_peak_rss_mib"] = rss
    return figures, lines


# --- DeepSeek engine path -----------------------------------------------------------------

def engine_section(fleet):
    """Pages per second against the vLLM double at a fixed latency with unlimited parallelism,
    for in-flight limits 1, 8, 32, 128, and the worker's CPU per page."""
    latency_ms = int(os.environ.get("LATENCY_MS", "500"))
    long_pdf = f"{fleet.work}/bench-80p.pdf"
    run("pdfunite", *[f"{root}/fixtures/bench-10p.pdf"] * 8, long_pdf)
    figures, lines = {}, [
        "## DeepSeek path: the worker against a GPU's latency",
        "",
        f"The vLLM double answers every page after {latency_ms} ms without reading it, with no limit on",
        "parallel requests; four jobs of the dense 80-page PDF (fewer pages at limit 1 and 8) at `base`",
        "resolution. CPU per page is all the worker does: render, scale, encode, HTTP, events.",
        "",
        "| in flight | pages/s | ideal (in flight ÷ latency) | of ideal | worker CPU ms/page | machine busy |",
        "|---|---|---|---|---|---|",
    ]
    for limit in [int(x) for x in os.environ.get("LIMITS", "1 8 32 128").split()]:
        double, double_url = fleet.start_double("--latency-ms", str(latency_ms), "--no-ocr")
        ideal = limit / (latency_ms / 1000)
        pages_per_job = 5 if limit == 1 else (20 if limit <= 8 else 80)
        worker = fleet.start_worker({"OCR_ENGINE": "deepseek", "OCR_VLLM_URL": double_url + "/v1", "OCR_STRAIGHTEN": "false",
                                     "OCR_MAX_INFLIGHT_PAGES": str(limit), "OCR_MAX_JOBS": "4"})
        rates, cpu, busy = [], [], []
        for attempt in range(runs):
            before_cpu, before_machine, started = cpu_seconds(worker.pid), machine_busy(), time.time()
            fleet.run_jobs([(long_pdf, f"&engine=deepseek&mode=ocr&pages=1-{pages_per_job}")] * 4)
            elapsed, after_machine = time.time() - started, machine_busy()
            rates.append(4 * pages_per_job / elapsed)
            cpu.append((cpu_seconds(worker.pid) - before_cpu) * 1000 / (4 * pages_per_job))
            busy.append((after_machine[0] - before_machine[0]) / max(after_machine[1] - before_machine[1], 1))
            log(f"engine: in flight {limit}, run {attempt + 1}: {rates[-1]:.1f} pages/s")
        fleet.stop(worker)
        fleet.stop(double)
        rate, cpu_figure = summary(rates), summary(cpu)
        figures[str(limit)] = {"pages_per_s": rate, "ideal": ideal, "of_ideal": rate["median"] / ideal,
                               "worker_cpu_ms_per_page": cpu_figure, "machine_busy": statistics.median(busy)}
        lines.append(f"| {limit} | {spread(rate, 1)} | {ideal:.0f} | {rate['median'] / ideal * 100:.0f} % | "
                     f"{spread(cpu_figure, 1)} | {statistics.median(busy) * 100:.0f} % |")
    return figures, lines


# --- The bus --------------------------------------------------------------------------------

class CompletedEvents:
    """Follows `ocrctl events --json` and notes when each job's `completed` arrives."""

    def __init__(self, fleet):
        self.arrived, self.condition, self.work = {}, threading.Condition(), fleet.work
        self.process = subprocess.Popen([f"{bin_dir}/ocrctl", "events", "--json", "--kind", "completed",
                                         "--nats", fleet.env["OCR_NATS_URL"]],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        threading.Thread(target=self.read, daemon=True).start()
        time.sleep(0.5)

    def read(self):
        for line in self.process.stdout:
            now = time.time()
            try:
                job_id = json.loads(line)["data"]["job_id"]
            except (ValueError, KeyError):
                continue
            with self.condition:
                self.arrived[job_id] = now
                self.condition.notify_all()

    def wait(self, job_id):
        with self.condition:
            if not self.condition.wait_for(lambda: job_id in self.arrived, timeout=600):
                raise SystemExit(f"{job_id} was not completed within 10 minutes; logs in {self.work}")
            return self.arrived[job_id]

    def close(self):
        self.process.terminate()
        self.process.wait()


def bus_section(fleet):
    """One-page jobs whose engine does nothing, submitted and followed as a client would."""
    page = f"{fleet.work}/blank.png"
    tiny_png(page)
    body = open(page, "rb").read()
    double, double_url = fleet.start_double("--no-ocr")
    events = CompletedEvents(fleet)
    jobs = int(os.environ.get("BUS_JOBS", "300"))
    figures, lines = {}, [
        "## The bus: what a job costs besides reading it",
        "",
        "One-page jobs (a blank 240×80 PNG) whose engine answers at once (the vLLM double, not reading),",
        f"straightening off; {jobs} jobs a run, each submitted to the gateway as an upload and timed until",
        "its `completed` event reaches a subscriber (`ocrctl events`). Clients keep the number of jobs",
        "in flight shown; each worker runs four at once.",
        "",
        "| workers | jobs in flight | jobs/s | latency p50 ms | latency p99 ms |",
        "|---|---|---|---|---|",
    ]
    for workers, in_flight in [(1, 1), (1, 4), (4, 16)]:
        started_workers = [fleet.start_worker({"OCR_ENGINE": "deepseek", "OCR_VLLM_URL": double_url + "/v1",
                                               "OCR_STRAIGHTEN": "false"}) for _ in range(workers)]
        rates, p50, p99 = [], [], []
        for attempt in range(runs):
            latencies, lock, counter = [], threading.Lock(), iter(range(jobs))

            def client():
                for index in counter:
                    job_id = f"bus-{workers}-{in_flight}-{attempt}-{index}"
                    submitted = time.time()
                    http("POST", f"{fleet.gateway}/v1/jobs?job_id={job_id}&engine=deepseek", body)
                    latency = events.wait(job_id) - submitted
                    with lock:
                        latencies.append(latency)

            started = time.time()
            clients = [threading.Thread(target=client) for _ in range(in_flight)]
            for thread in clients:
                thread.start()
            for thread in clients:
                thread.join()
            elapsed = time.time() - started
            latencies.sort()
            rates.append(jobs / elapsed)
            p50.append(latencies[len(latencies) // 2] * 1000)
            p99.append(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000)
            log(f"bus: {workers} worker(s), {in_flight} in flight, run {attempt + 1}: {rates[-1]:.1f} jobs/s, p99 {p99[-1]:.0f} ms")
        for worker in started_workers:
            fleet.stop(worker)
        figure = {"jobs_per_s": summary(rates), "p50_ms": summary(p50), "p99_ms": summary(p99)}
        figures[f"{workers} workers / {in_flight} in flight"] = figure
        lines.append(f"| {workers} | {in_flight} | {spread(figure['jobs_per_s'], 1)} | {spread(figure['p50_ms'], 0)} | "
                     f"{spread(figure['p99_ms'], 0)} |")
    events.close()
    fleet.stop(double)
    return figures, lines


# --- Memory ---------------------------------------------------------------------------------

def memory_section(fleet):
    """Peak RSS of a fresh worker through one document, for documents of growing size."""
    work = f"{fleet.work}/memory"
    os.makedirs(work)
    documents = []
    for pages in (10, 100, 500):
        path = f"{work}/dense-{pages}p.pdf"
        run("pdfunite", *[f"{root}/fixtures/bench-10p.pdf"] * (pages // 10), path)
        documents.append((f"PDF, {pages} pages", path, pages))
    for megapixels, dpi in ((30, 570), (300, 1800)):
        path = f"{work}/page-{megapixels}mp.png"
        run("pdftoppm", "-r", str(dpi), "-gray", "-png", "-f", "1", "-l", "1", "-singlefile",
            f"{root}/fixtures/bench-10p.pdf", path[:-4])
        documents.append((f"PNG, {megapixels} megapixels", path, 1))
    double, double_url = fleet.start_double("--no-ocr")
    cases = [(name, path, pages, "ocr", "deepseek") for name, path, pages in documents]
    cases += [(name, path, pages, "hybrid", "deepseek") for name, path, pages in documents if name == "PDF, 500 pages"]
    cases += [(name, path, pages, "ocr", "tesseract") for name, path, pages in documents
              if name in ("PDF, 10 pages", "PNG, 30 megapixels", "PNG, 300 megapixels")]
    figures, lines = {}, [
        "## Memory: peak RSS of the worker through one document",
        "",
        "A fresh worker per document and run (peak RSS is the process's high-water mark, `VmHWM`). DeepSeek",
        "against the vLLM double answering at once, so the worker's own memory is what is measured; Tesseract",
        "in the worker (its models and working memory included).",
        "The PDFs are `fixtures/bench-10p.pdf` repeated; the PNGs are its first page rendered at 570 and",
        "1800 DPI (gray).",
        "",
        "| document | engine | mode | peak RSS MiB | seconds |",
        "|---|---|---|---|---|",
    ]
    for name, path, pages, mode, engine in cases:
        peaks, seconds = [], []
        for attempt in range(runs):
            worker = fleet.start_worker({"OCR_ENGINE": engine, "OCR_VLLM_URL": double_url + "/v1",
                                         "OCR_STRAIGHTEN": "false"})
            started = time.time()
            fleet.run_jobs([(path, f"&engine={engine}&mode={mode}")])
            seconds.append(time.time() - started)
            peaks.append(peak_rss_mib(worker.pid))
            fleet.stop(worker)
            log(f"memory: {name} {engine} {mode}, run {attempt + 1}: {peaks[-1]:.0f} MiB in {seconds[-1]:.1f} s")
        figure = {"peak_rss_mib": summary(peaks), "seconds": summary(seconds), "pages": pages,
                  "bytes": os.path.getsize(path)}
        figures[f"{name} / {engine} / {mode}"] = figure
        lines.append(f"| {name} ({os.path.getsize(path) / 1e6:.2f} MB) | {engine} | `{mode}` | {spread(figure['peak_rss_mib'], 0)} | "
                     f"{spread(figure['seconds'], 1)} |")
    fleet.stop(double)
    return figures, lines


# --- Isolation ------------------------------------------------------------------------------

def children_peak_rss_mib(pid, peaks):
    """Samples the high-water mark of each child of `pid` (the worker's document children) into
    `peaks` (child pid → MiB) until the returned event is set."""
    done = threading.Event()

    def sample():
        while not done.is_set():
            for task in os.listdir(f"/proc/{pid}/task"):
                try:
                    children = open(f"/proc/{pid}/task/{task}/children").read().split()
                except OSError:
                    continue
                for child in children:
                    try:
                        peaks[child] = max(peaks.get(child, 0), peak_rss_mib(child))
                    except (OSError, AttributeError):
                        pass
            time.sleep(0.02)

    threading.Thread(target=sample, daemon=True).start()
    return done


def isolation_section(fleet):
    """What reading each document in a child process costs a page (OCR_DOCUMENT_ISOLATION=process
    against off): ms a page end to end and peak RSS, worker and child, on three paths."""
    work = f"{fleet.work}/isolation"
    os.makedirs(f"{work}/pages")
    run("pdftoppm", "-r", "300", "-gray", "-png", "-l", "4", f"{root}/fixtures/bench-10p.pdf", f"{work}/pages/p")
    scanned = f"{work}/scanned-4p.pdf"
    run("img2pdf", "--output", scanned, *sorted(f"{work}/pages/{name}" for name in os.listdir(f"{work}/pages")))
    born_digital = f"{root}/fixtures/bench-10p.pdf"
    double, double_url = fleet.start_double("--no-ocr")
    cases = [
        ("Tesseract, 4 scanned pages (`ocr`)", scanned, 4, "&engine=tesseract&mode=ocr"),
        ("DeepSeek (double answering at once), 10 pages (`ocr`)", born_digital, 10, "&engine=deepseek&mode=ocr"),
        ("text layer, 10 pages (`hybrid`)", born_digital, 10, "&engine=tesseract&mode=hybrid"),
    ]
    figures, lines = {}, [
        "## Isolation: a document's native work in a child process",
        "",
        "The same worker settings with `OCR_DOCUMENT_ISOLATION=off` (poppler, Leptonica and Tesseract in the",
        "worker) and `process` (a confined `ocr-document-child` per job attempt, pages and bitmaps over pipes).",
        "One job at a time, a fresh worker per variant (its first job a warm-up); ms a page is the",
        "submit-to-`completed` time over the pages. Peak RSS: the worker's `VmHWM`, and the largest child's,",
        "sampled every 20 ms.",
        "",
        "| document | in-process ms/page | isolated ms/page | isolated ÷ in-process | in-process RSS MiB | isolated RSS MiB (worker + child) |",
        "|---|---|---|---|---|---|",
    ]
    for name, path, pages, query in cases:
        measured = {}
        for isolation in ("off", "process"):
            worker = fleet.start_worker({"OCR_DOCUMENT_ISOLATION": isolation, "OCR_VLLM_URL": double_url + "/v1",
                                         "OCR_STRAIGHTEN": "false", "OCR_MAX_JOBS": "1"})
            fleet.run_jobs([(path, query)])
            child_peaks = {}
            done = children_peak_rss_mib(worker.pid, child_peaks)
            per_page = []
            for attempt in range(runs):
                started = time.time()
                fleet.run_jobs([(path, query)])
                per_page.append((time.time() - started) * 1000 / pages)
                log(f"isolation: {name}, {isolation}, run {attempt + 1}: {per_page[-1]:.0f} ms a page")
            done.set()
            measured[isolation] = {"ms_per_page": summary(per_page), "worker_rss_mib": peak_rss_mib(worker.pid),
                                   "child_rss_mib": max(child_peaks.values(), default=0)}
            fleet.stop(worker)
        off, on = measured["off"], measured["process"]
        ratio = on["ms_per_page"]["median"] / off["ms_per_page"]["median"]
        figures[name] = {**measured, "ratio": ratio}
        lines.append(f"| {name} | {spread(off['ms_per_page'], 0)} | {spread(on['ms_per_page'], 0)} | {ratio:.2f} | "
                     f"{off['worker_rss_mib']:.0f} | {on['worker_rss_mib']:.0f} + {on['child_rss_mib']:.0f} |")
    fleet.stop(double)
    return figures, lines


# --- Accuracy -------------------------------------------------------------------------------

def plain(text):
    """Words only: markdown markup, page comments, links and line breaks in cells (`<br>`) dropped,
    ligatures and other compatibility forms folded (NFKC: "ﬁ" is "fi"), lower case, single spaces;
    what is compared, so that layout and markup are never counted as errors."""
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"\]\([^)]*\)", " ", text)
    text = re.sub(r"<br\s*/?>", " ", text, flags=re.I)
    return " ".join(words(unicodedata.normalize("NFKC", html.unescape(text))))  # "&lt;" is "<": no word "lt"


def accuracy_section(fleet):
    """CER and WER of the worker's markdown in `ocr` and `hybrid` modes, and of the tesseract
    CLI on the same rasters, against ground truth."""
    import jiwer
    truth = json.load(open(f"{root}/fixtures/truth.json"))
    documents = {name: "\n".join(pages) for name, pages in truth.items()}
    documents["office/bench-20p.pdf"] = open(f"{root}/fixtures/office/bench-20p.txt").read()
    documents["office/report.pdf"] = open(f"{root}/fixtures/office/report.txt").read()
    work = f"{fleet.work}/accuracy"
    os.makedirs(work)
    fleet.start_worker({"OCR_ENGINE": "tesseract"})

    def cli(name):
        path = f"{root}/fixtures/{name}"
        if not name.endswith(".pdf"):
            return run("tesseract", path, "-", "-l", "eng", "quiet")
        prefix = f"{work}/{name.replace('/', '-')}"
        run("pdftoppm", "-r", "300", "-gray", "-png", path, prefix)
        rasters = sorted(p for p in os.listdir(work) if p.startswith(os.path.basename(prefix) + "-"))
        return "\n".join(run("tesseract", f"{work}/{p}", "-", "-l", "eng", "quiet") for p in rasters)

    texts = {}
    for name in documents:
        for mode in ("ocr", "hybrid"):
            [job_id] = fleet.run_jobs([(f"{root}/fixtures/{name}", f"&mode={mode}&engine=tesseract")])
            texts[(name, mode)] = fleet.result(job_id)
        texts[(name, "cli")] = cli(name)
        log(f"accuracy: {name}")
    ways = {"ocr": "worker `ocr`", "hybrid": "worker `hybrid`", "cli": "tesseract CLI"}
    figures, lines = {}, [
        "## Accuracy against ground truth",
        "",
        "Character and word error rates (jiwer) of each document's text against its ground truth: the",
        "text the born-digital PDFs were made from, and the known text of the scan fixtures (two of them",
        "skewed or upside down). Both sides are compared as their words, lower-cased, so markup, layout and",
        "line breaks are not errors. The CLI reads the same rasters: pdftoppm's 300 DPI gray pages for",
        "PDFs, the image files as they are. Lower is better.",
        "",
        "| document | CER `ocr` | CER `hybrid` | CER CLI | WER `ocr` | WER `hybrid` | WER CLI |",
        "|---|---|---|---|---|---|---|",
    ]
    overall = {}
    for name, reference in documents.items():
        row = {}
        for way in ways:
            row[way] = {"cer": jiwer.cer(plain(reference), plain(texts[(name, way)]) or "-"),
                        "wer": jiwer.wer(plain(reference), plain(texts[(name, way)]) or "-")}
        figures[name] = row
        lines.append(f"| {name} | " + " | ".join(f"{row[w]['cer'] * 100:.2f} %" for w in ways) + " | "
                     + " | ".join(f"{row[w]['wer'] * 100:.2f} %" for w in ways) + " |")
    for way in ways:
        references = [plain(documents[n]) for n in documents]
        hypotheses = [plain(texts[(n, way)]) or "-" for n in documents]
        overall[way] = {"cer": jiwer.cer(references, hypotheses), "wer": jiwer.wer(references, hypotheses)}
    figures["overall"] = overall
    lines.append("| **all documents** | " + " | ".join(f"**{overall[w]['cer'] * 100:.2f} %**" for w in ways) + " | "
                 + " | ".join(f"**{overall[w]['wer'] * 100:.2f} %**" for w in ways) + " |")
    lines += ["", f"CER ratio worker `ocr` ÷ CLI: {overall['ocr']['cer'] / max(overall['cli']['cer'], 1e-9):.2f}; "
              f"`hybrid` ÷ CLI: {overall['hybrid']['cer'] / max(overall['cli']['cer'], 1e-9):.2f}."]
    return figures, lines


# --- Public scans and documents -------------------------------------------------------------

def public_section(fleet):
    """CER and WER on real scans and a born-digital PDF from public packages (see
    public_corpus.py): the worker, the tesseract CLI with its defaults and OCRmyPDF on the same
    files, per category and for the pages the preprocessing was chosen on and the held-out ones;
    and the CPU each kept preprocessing step costs a page beside the CLI's reading of it."""
    import jiwer, public_corpus
    pages = public_corpus.prepare(os.environ.get("PUBLIC_CACHE", f"{root}/bench/cache/public"))
    work = f"{fleet.work}/public"
    os.makedirs(work)
    fleet.start_worker({"OCR_ENGINE": "tesseract"})
    single = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def rasters(page):
        """A PDF's pages as pdftoppm's 300 DPI gray PNGs, an image as it is."""
        if not page.file.endswith(".pdf"):
            return [page.file]
        prefix = f"{work}/{page.name}"
        run("pdftoppm", "-r", "300", "-gray", "-png", page.file, prefix)
        return sorted(f"{work}/{p}" for p in os.listdir(work) if p.startswith(f"{page.name}-"))

    def cli(page):
        return "\n".join(run("tesseract", r, "-", "-l", page.language, "quiet", env=single) for r in rasters(page))

    def ocrmypdf(page):
        sidecar = f"{work}/{page.name}.ocrmypdf.txt"
        options = ["--force-ocr"] if page.file.endswith(".pdf") else []
        if not page.file.endswith(".pdf") and page.resolution == 0:
            options += ["--image-dpi", str(round(300 * page.reduced))]  # OCRmyPDF needs one; the scan's own
        done = subprocess.run(["ocrmypdf", "-q", "-l", page.language, "--output-type", "pdf", "--optimize", "0",
                               *options, "--sidecar", sidecar, page.file, f"{work}/{page.name}.pdf"], env=single)
        if done.returncode not in (0, 4):  # 4: its output PDF failed its check; the sidecar text is written
            raise SystemExit(f"ocrmypdf ended {done.returncode} on {page.file}")
        return open(sidecar).read()

    texts, cli_cpu = {}, {}
    for page in pages:
        [job_id] = fleet.run_jobs([(page.file, f"&mode=hybrid&engine=tesseract&languages={page.language}{page.options}")])
        texts[(page.name, "worker")] = fleet.result(job_id)
        log(f"public: {page.name}")
        if page.category == "spreadsheet":  # no OCR tool reads a workbook: the CLI and OCRmyPDF do not apply
            continue
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        texts[(page.name, "cli")] = cli(page)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cli_cpu[page.name] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        texts[(page.name, "ocrmypdf")] = ocrmypdf(page)
    ways = {"worker": "worker", "cli": "tesseract CLI", "ocrmypdf": "OCRmyPDF"}
    texts_out = f"{root}/bench/results/public"  # each text read and each truth, to see what an error is
    os.makedirs(texts_out, exist_ok=True)
    for page in pages:
        open(f"{texts_out}/{page.name}.truth.txt", "w").write(page.truth)
        for way in ways:
            if (page.name, way) in texts:
                open(f"{texts_out}/{page.name}.{way}.txt", "w").write(texts[(page.name, way)])

    def rates(chosen):
        references = [plain(p.truth) for p in chosen]
        return {way: {"cer": jiwer.cer(references, [plain(texts[(p.name, way)]) or "-" for p in chosen]),
                      "wer": jiwer.wer(references, [plain(texts[(p.name, way)]) or "-" for p in chosen])}
                for way in ways if all((p.name, way) in texts for p in chosen)}

    def row(label, figure):
        def rate(way, kind):
            return f"{figure[way][kind] * 100:.2f} %" if way in figure else "–"
        ratio = f"{figure['worker']['cer'] / max(figure['cli']['cer'], 1e-9):.2f}" if "cli" in figure else "–"
        return (f"| {label} | " + " | ".join(rate(w, "cer") for w in ways) + " | "
                + " | ".join(rate(w, "wer") for w in ways) + f" | {ratio} |")

    header = ["| {} | CER worker | CER CLI | CER OCRmyPDF | WER worker | WER CLI | WER OCRmyPDF | worker ÷ CLI (CER) |",
              "|---|---|---|---|---|---|---|---|"]
    figures = {"pages": {}, "categories": {}, "parts": {}}
    lines = [
        "## Accuracy on public scans and documents",
        "",
        "Real scans, born-digital PDFs and spreadsheets shipped with their text by public packages (Debian",
        "source `tesseract` 5.3.0-2's test data; Debian package `debian-policy` 4.6.2.0's manuals, each a PDF and",
        "plain text built from one source; PyPI sdists: `ocrmypdf` 17.13.0's test resources, `pdfminer` 20191125's",
        "samples with pdfminer's own text of their first page, `pyexcel` 0.7.1, `pyexcel-ods3` 0.6.1 and",
        "`pyexcel-xls` 0.7.1's workbooks; what each is below), read by the worker (`hybrid`, Tesseract), the",
        "tesseract CLI with its defaults and OCRmyPDF (`--sidecar`; `--force-ocr` on PDFs) from the same files;",
        "PDFs reach the CLI as pdftoppm's 300 DPI gray pages. A workbook's truth is what LibreOffice shows of",
        "each cell (CSV export \"as shown\", every sheet under its name); no OCR tool reads workbooks (–).",
        "The manuals' chapters are read with `headers_footers=drop`, as their text renditions have no running",
        "headers, footers or page numbers; the OCR tools cannot leave those out. The `born-digital` figure is",
        "of documents whose truth is their own text (an ODT source, a text built from the PDF's source);",
        "pdfminer's samples, whose truth is another extractor's output and reading order, are shown apart as",
        "`born-digital, pdfminer's text`.",
        "Text compared as lower-cased words (jiwer), so markup and line breaks are not errors; reading order is.",
        "The worker's preprocessing was chosen on the `selection` pages only. Figures of one run. Lower is better.",
        "",
        header[0].format("category"), header[1],
    ]
    categories = list(dict.fromkeys(p.category for p in pages))
    for category in categories:
        figures["categories"][category] = rates([p for p in pages if p.category == category])
        lines.append(row(category, figures["categories"][category]))
    for category, why in public_corpus.MISSING.items():
        lines.append(f"| {category} | – | – | – | – | – | – | not measured: {why} |")
    scans = [p for p in pages if not p.category.startswith("born-digital") and p.category != "spreadsheet"]
    figures["parts"]["all scans"] = rates(scans)
    lines.append(row("**all scans**", figures["parts"]["all scans"]))
    lines += ["", header[0].format("pages"), header[1]]
    for part in ("selection", "held-out"):
        figures["parts"][part] = rates([p for p in scans if p.part == part])
        lines.append(row(f"scans, {part}", figures["parts"][part]))
    scans_full = [p for p in scans if p.reduced == 1.0]
    figures["parts"]["scans as shipped"] = rates(scans_full)
    lines.append(row("scans as shipped (no reduced copies)", figures["parts"]["scans as shipped"]))
    lines += ["", header[0].format("page (part)"), header[1]]
    for page in pages:
        figures["pages"][page.name] = rates([page])
        lines.append(row(f"{page.name} ({page.part})", figures["pages"][page.name]))
    lines += ["", "| page | category | what it is |", "|---|---|---|"]
    lines += [f"| {p.name} | {p.category} | {public_corpus.describe(p)} |" for p in pages]
    costs, cost_lines = step_costs([p for p in scans if p.language == "eng"], cli_cpu)
    figures["step_costs"] = costs
    return figures, lines + ["", *cost_lines]


def step_costs(pages, cli_cpu):
    """CPU per page of each preprocessing step the worker keeps (the same Leptonica calls
    through ctypes, repeated), beside the tesseract CLI's CPU reading the same page."""
    import ctypes
    lept = ctypes.CDLL("liblept.so.5")
    pointer = ctypes.c_void_p
    for name in ("pixRead", "pixClone", "pixConvertTo1", "pixConvertTo8", "pixScale", "pixConnCompBB"):
        getattr(lept, name).restype = pointer
    lept.pixScale.argtypes = [pointer, ctypes.c_float, ctypes.c_float]
    lept.pixDestroy.argtypes = lept.boxaDestroy.argtypes = [ctypes.POINTER(pointer)]

    def measure(pix):
        binary = pointer(lept.pixConvertTo1(pix, 128) if lept.pixGetDepth(pix) != 1 else lept.pixClone(pix))
        boxes = pointer(lept.pixConnCompBB(binary, 8))
        heights = []
        for index in range(lept.boxaGetCount(boxes)):
            w, h = ctypes.c_int(), ctypes.c_int()
            lept.boxaGetBoxGeometry(boxes, index, None, None, ctypes.byref(w), ctypes.byref(h))
            if 4 <= h.value <= 300 and w.value <= 3 * h.value:
                heights.append(h.value)
        lept.boxaDestroy(ctypes.byref(boxes))
        lept.pixDestroy(ctypes.byref(binary))
        return sorted(heights)[len(heights) // 2] if len(heights) >= 20 else None

    def enlarge(pix, factor):
        gray = pointer(lept.pixConvertTo8(pix, 0) if lept.pixGetDepth(pix) == 1 else lept.pixClone(pix))
        scaled = pointer(lept.pixScale(gray, factor, factor))
        lept.pixDestroy(ctypes.byref(scaled))
        lept.pixDestroy(ctypes.byref(gray))

    def cpu(body, repeats=5):
        started = time.process_time()
        for _ in range(repeats):
            body()
        return (time.process_time() - started) / repeats

    orderer = f"{os.environ.get('TMPDIR', '/tmp')}/reading-order-bench-{os.getpid()}"
    run("swiftc", "-O", f"{root}/Sources/OCRFleetEngines/ReadingOrder.swift", f"{root}/bench/reading-order/main.swift",
        "-o", orderer)

    def order_cpu(page):
        """CPU of one ordering of the page's blocks as the CLI's layout finds them (TSV)."""
        blocks, lines_in = {}, {}
        for row in run("tesseract", page.file, "-", "-l", page.language, "tsv", "quiet").splitlines()[1:]:
            level, _, block, _, _, _, left, top, width, height = row.split("\t")[:10]
            if level == "2":
                blocks[block] = (int(left), int(top), int(left) + int(width), int(top) + int(height))
            elif level == "4":
                lines_in[block] = lines_in.get(block, 0) + 1
        listed = ";".join(f"{l},{t},{r},{b},{lines_in.get(k, 1)}" for k, (l, t, r, b) in blocks.items())
        answer = subprocess.run([orderer], input=f"{page.name} {listed}\n", capture_output=True, text=True, check=True)
        return len(blocks), float(answer.stdout.split()[1]) / 1e6

    lines = ["### CPU a page of each preprocessing step kept",
             "",
             "Measuring the median glyph height (a 1 bpp copy thresholded at 128, its connected components: every",
             "page) and enlarging (to 8 bpp, linear interpolation: pages whose median glyph is under 14 px), each",
             "the mean of 5 repeats in this process; ordering the page's text blocks for reading (`ReadingOrder`,",
             "compiled with `swiftc -O`, the mean of 200 orderings of the blocks the CLI's layout finds); beside",
             "the tesseract CLI's CPU (user + system) reading the file.",
             "",
             "| page | glyph height | enlarged | blocks | measure ms | enlarge ms | order ms | CLI ms | steps ÷ CLI |",
             "|---|---|---|---|---|---|---|---|---|"]
    figures = {}
    try:
        for page in pages:
            pix = pointer(lept.pixRead(page.file.encode()))
            height = measure(pix)
            factor = min(4.0, 20 / height) if height and height < 14 else None
            measured = cpu(lambda: measure(pix))
            enlarged = cpu(lambda: enlarge(pix, factor)) if factor else 0.0
            reading = cli_cpu[page.name]
            lept.pixDestroy(ctypes.byref(pix))
            blocks, ordered = order_cpu(page)
            figures[page.name] = {"glyph_px": height, "factor": factor, "measure_ms": measured * 1000,
                                  "enlarge_ms": enlarged * 1000, "blocks": blocks, "order_ms": ordered * 1000,
                                  "cli_ms": reading * 1000}
            steps = measured + enlarged + ordered
            lines.append(f"| {page.name} | {height} px | {f'×{factor:.2f}' if factor else 'no'} | {blocks} | "
                         f"{measured * 1000:.1f} | {enlarged * 1000:.1f} | {ordered * 1000:.3f} | {reading * 1000:.0f} | "
                         f"{steps / max(reading, 1e-6) * 100:.1f} % |")
    finally:
        os.remove(orderer)
    return figures, lines


def main():
    details = machine()
    results["machine"] = details
    report.extend([
        "# ocrbench",
        "",
        f"{details['date']}, revision {details['revision']}: {details['cpu']}, {details['cores']} cores, "
        f"{details['memory_gib']} GiB, Linux {details['kernel']}, {details['tesseract']}, poppler "
        f"{details['poppler'].split()[-1]}. Median of {runs} runs (min–max).",
    ])
    fleet = Fleet(bin_dir, "ocrbench.")
    try:
        for name in sections:
            figures, lines = globals()[f"{name}_section"](fleet)
            results["sections"][name] = figures
            report.extend(["", *lines])
            if name == "public":  # committed on its own: the baseline of the accuracy work
                os.makedirs(f"{root}/bench/results", exist_ok=True)
                heading = report[2].replace(f" Median of {runs} runs (min–max).", "")
                open(f"{root}/bench/results/PUBLIC.md", "w").write("\n".join([heading, "", *lines]) + "\n")
    finally:
        fleet.close()
    text = "\n".join(report) + "\n"
    out = f"{root}/bench/results"
    os.makedirs(out, exist_ok=True)
    open(f"{out}/ocrbench.md", "w").write(text)
    json.dump(results, open(f"{out}/ocrbench.json", "w"), indent=2)
    if os.environ.get("BASELINE") == "1":
        shutil.copy(f"{out}/ocrbench.md", f"{out}/BASELINE.md")
    print(text)


main()
