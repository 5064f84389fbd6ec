#!/usr/bin/env python3
"""Instruction counts (valgrind's callgrind) of the Tesseract path: what the worker executes for
one job of scanned pages, against the bare Tesseract C API on the same pages. Counts do not
move with the machine's load, so this figure holds where timings wobble.

    ocrprofile.py BIN_DIR FLOOR_BIN     (run by scripts/profile.sh)

Prints instructions per page for both, their ratio, and the worker's instructions by library.
"""
import collections, os, re, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_fleet import Fleet, wait_until

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
bin_dir, floor_bin = sys.argv[1], sys.argv[2]
pages = int(os.environ.get("PAGES", "2"))


def by_object(path):
    """Instructions executed in each object file (exclusive), from a callgrind output file."""
    totals, names, current, skip = collections.Counter(), {}, "?", False
    for line in open(path):
        if line.startswith("ob="):
            match = re.match(r"ob=\((\d+)\)(?: (.*))?", line.strip())
            if match:
                if match.group(2):
                    names[match.group(1)] = match.group(2)
                current = names.get(match.group(1), "?")
            else:
                current = line[3:].strip()
        elif line.startswith("calls="):
            skip = True  # the next cost line is the call's inclusive cost
        elif line[:1].isdigit() or line[:1] in "+-*":
            if skip:
                skip = False
                continue
            fields = line.split()
            if len(fields) >= 2:
                totals[os.path.basename(current)] += int(fields[1])
    return totals


fleet = Fleet(bin_dir, "ocrprofile.")
work = fleet.work
try:
    subprocess.run(f"pdftoppm -r 300 -gray -png -l {pages} {root}/fixtures/bench-10p.pdf {work}/p && "
                   f"img2pdf -o {work}/scan.pdf {work}/p-*.png", shell=True, check=True)
    page_files = sorted(f"{work}/{f}" for f in os.listdir(work) if f.startswith("p-"))

    # The floor: only inside recognition (language data loading left out, as in the timed floor).
    floor_out = f"{work}/floor.callgrind"
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={floor_out}",
                    "--toggle-collect=TessBaseAPIRecognize", "--toggle-collect=TessBaseAPIGetUTF8Text",
                    floor_bin, "1", *page_files], check=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"},
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    floor = sum(by_object(floor_out).values())

    # The worker: everything it executes from taking the job to acking it.
    worker_out = f"{work}/worker.callgrind"
    # Valgrind 3.19 cannot read the DWARF 5 the Swift toolchain writes: a copy without debug
    # sections keeps the symbols callgrind names functions by.
    subprocess.run(["objcopy", "--strip-debug", f"{bin_dir}/ocr-worker", f"{work}/ocr-worker"], check=True)
    worker = fleet.start(["valgrind", "--tool=callgrind", f"--callgrind-out-file={worker_out}",
                          "--collect-atstart=no", f"{work}/ocr-worker"], "worker",
                         {**fleet.env, "OCR_ENGINE": "tesseract", "OCR_WORK_DIR": work, "OMP_THREAD_LIMIT": "1",
                          "OCR_LOG_LEVEL": "info"})
    wait_until(lambda: "worker ready" in open(f"{work}/worker.log").read(), "worker under valgrind", work, seconds=600)
    subprocess.run(["callgrind_control", "--instr=on", str(worker.pid)], check=True, stdout=subprocess.DEVNULL)
    fleet.run_jobs([(f"{work}/scan.pdf", "&mode=ocr&engine=tesseract")])
    subprocess.run(["callgrind_control", "--instr=off", str(worker.pid)], check=True, stdout=subprocess.DEVNULL)
    fleet.stop(worker)
    objects = by_object(worker_out)
    total = sum(objects.values())
finally:
    fleet.close()

print(f"Tesseract path, {pages} dense pages scanned at 300 DPI (instructions, callgrind):")
print(f"  floor (Tesseract C API on decoded pages): {floor / pages / 1e9:.2f} G per page")
print(f"  worker (job taken to acked):              {total / pages / 1e9:.2f} G per page, "
      f"{total / floor:.3f} × the floor")
for name, count in objects.most_common(8):
    print(f"    {name:32} {count / total * 100:5.1f} %")
