#!/usr/bin/env bash
# ocrbench: throughput on the Tesseract path beside the tesseract CLI, OCRmyPDF and the bare
# Tesseract C API; the DeepSeek path against a fixed GPU latency; the bus's own cost; the
# worker's memory on large documents; accuracy beside the tesseract CLI; what reading each
# document in a child process costs a page; accuracy on public scans beside the CLI and
# OCRmyPDF. One run, so every comparison is a ratio measured at the same moment (see
# docs/benchmarks.md).
#   scripts/bench.sh [tesseract|engine|bus|memory|accuracy|isolation|public]...
#   RUNS=3  BASELINE=1 (also writes bench/results/BASELINE.md)
#   PUBLIC_CACHE=dir (public packages' downloads; bench/cache/public, ignored by git)
# Writes bench/results/ocrbench.md and ocrbench.json; `public` also bench/results/PUBLIC.md.
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
if ! command -v gs >/dev/null || ! command -v tesseract >/dev/null; then # OCRmyPDF renders with Ghostscript
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get install -y -qq --no-install-recommends ghostscript tesseract-ocr >&2
fi

source scripts/lib/tesseract-floor.sh
exec python3 scripts/lib/ocrbench.py "$bin" "$floor" "$@"
