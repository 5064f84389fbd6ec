#!/usr/bin/env bash
# Documents' own text (hybrid) against OCR, for a PDF and a DOCX (release build).
# Writes bench/results/text.md. See scripts/bench-text.py for what is measured.
#   RUNS=3 scripts/bench-text.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/lib/release-build.sh
exec python3 scripts/bench-text.py "$bin"
