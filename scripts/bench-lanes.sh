#!/usr/bin/env bash
# Interactive jobs' submit-to-completed time on an idle fleet and while a backfill runs in the
# batch lane (and, for comparison, in the interactive lane). Writes bench/results/lanes.md;
# see scripts/bench-lanes.py.
#   BACKFILL=10000 PROBES=40 SPACING_S=0.5 LATENCY_MS=50 scripts/bench-lanes.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/lib/release-build.sh
exec python3 scripts/bench-lanes.py "$bin"
