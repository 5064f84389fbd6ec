#!/usr/bin/env bash
# What the classify, split and extract stages add per page, against the vLLM double serving the
# instruction model (release build). Writes bench/results/analysis.md; see
# scripts/bench-analysis.py for what is measured.
#   RUNS=3 LATENCY_MS=100 INFLIGHT="1 8 32" scripts/bench-analysis.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/lib/release-build.sh
exec python3 scripts/bench-analysis.py "$bin"
