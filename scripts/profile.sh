#!/usr/bin/env bash
# Instruction counts of the Tesseract path under valgrind's callgrind: the worker through a job
# of scanned pages against the bare Tesseract C API on the same pages (see scripts/lib/ocrprofile.py).
# Counts hold on a loaded machine where timings do not. Takes a few minutes (valgrind runs ~50× slower).
#   PAGES=2 scripts/profile.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/lib/release-build.sh
command -v valgrind >/dev/null || apt-get install -y -qq --no-install-recommends valgrind >&2
command -v img2pdf >/dev/null || python3 -m pip install --quiet --disable-pip-version-check 'img2pdf>=0.5' >&2
source scripts/lib/tesseract-floor.sh
exec python3 scripts/lib/ocrprofile.py "$bin" "$floor"
