#!/usr/bin/env bash
# A light tenant's submit-to-completed time while another tenant's flood waits in the same lane,
# with fair share (each tenant its own route) and as one queue, against the fleet idle. Writes
# bench/results/fairshare.md; see scripts/bench-fairshare.py.
#   FLOOD=2000 PROBES=30 SPACING_S=0.5 LATENCY_MS=50 scripts/bench-fairshare.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/lib/release-build.sh
exec python3 scripts/bench-fairshare.py "$bin"
