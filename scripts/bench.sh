#!/usr/bin/env bash
# ocrbench: throughput on the Tesseract path beside the tesseract CLI, OCRmyPDF and the bare
# Tesseract C API; the DeepSeek path against a fixed GPU latency; the bus's own cost; the
# worker's memory on large documents; accuracy beside the tesseract CLI; what reading each
# document in a child process costs a page. One run, so every comparison is a ratio measured at
# the same moment (see docs/benchmarks.md).
#   scripts/bench.sh [tesseract|engine|bus|memory|accuracy|isolation]...
#   RUNS=3  BASELINE=1 (also writes bench/results/BASELINE.md)
# Writes bench/results/ocrbench.md and ocrbench.json.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/lib/release-build.sh

# The tools users would pick instead, and the error-rate measure.
if ! command -v ocrmypdf >/dev/null || ! python3 -c "import jiwer" 2>/dev/null; then
  echo "installing: ocrmypdf, jiwer (PyPI)" >&2
  python3 -m pip install --quiet --disable-pip-version-check 'ocrmypdf>=16' 'jiwer>=3' >&2
  if command -v pyenv >/dev/null; then pyenv rehash; fi
  hash -r
fi
if ! command -v gs >/dev/null; then # OCRmyPDF renders with Ghostscript
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get install -y -qq --no-install-recommends ghostscript >&2
fi

source scripts/lib/tesseract-floor.sh
exec python3 scripts/lib/ocrbench.py "$bin" "$floor" "$@"
