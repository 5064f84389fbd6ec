#!/usr/bin/env bash
# Submit-to-completed time of a job whose results the cache holds, against the same job
# recognised anew. Writes bench/results/cache.md; see scripts/bench-cache.py.
#   RUNS=10 scripts/bench-cache.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/lib/release-build.sh
exec python3 scripts/bench-cache.py "$bin"
