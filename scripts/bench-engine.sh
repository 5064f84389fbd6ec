#!/usr/bin/env bash
# DeepSeek-engine encoding and straightening figures against the vLLM double (release build).
# Writes bench/results/engine.md. See scripts/bench-engine.py for what is measured.
#   RUNS=3 ENCODINGS="png:1 png:6 jpeg:90 jpeg:75" STRAIGHTEN=1 scripts/bench-engine.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/lib/release-build.sh
exec python3 scripts/bench-engine.py "$bin"
