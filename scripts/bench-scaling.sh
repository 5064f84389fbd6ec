#!/usr/bin/env bash
# Fleet throughput with 1, 2, 4 and 8 workers against the vLLM double with a fixed latency
# (release build). Writes bench/results/scaling.md; see scripts/bench-scaling.py.
#   RUNS=3 LATENCY_MS=500 WORKERS="1 2 4 8" JOBS_PER_WORKER=24 scripts/bench-scaling.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/lib/release-build.sh
exec python3 scripts/bench-scaling.py "$bin"
