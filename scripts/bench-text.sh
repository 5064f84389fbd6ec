#!/usr/bin/env bash
# Documents' own text (hybrid) against OCR, for a PDF and a DOCX (release build).
# Writes bench/results/text.md. See scripts/bench-text.py for what is measured.
#   RUNS=3 scripts/bench-text.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/install-deps.sh
command -v python3 >/dev/null || apt-get install -y -qq python3-minimal >&2
swift build -c release >&2
exec python3 scripts/bench-text.py "$(swift build -c release --show-bin-path)"
