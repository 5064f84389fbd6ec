#!/usr/bin/env bash
# DeepSeek-engine throughput and encoding figures against the vLLM double (release build).
# Writes bench/results/engine.md. See scripts/bench-engine.py for what is measured.
#   RUNS=3 LATENCY_MS=500 LIMITS="1 8 32 128" ENCODINGS="png:1 png:6 jpeg:90 jpeg:75" STRAIGHTEN=1 scripts/bench-engine.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/lib/release-build.sh
exec python3 scripts/bench-engine.py "$bin"
