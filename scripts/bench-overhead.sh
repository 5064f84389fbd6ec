#!/usr/bin/env bash
# What metrics and tracing cost the worker per job (release build); writes
# bench/results/overhead.md. See scripts/bench-overhead.py.
#   RUNS=3 JOBS=150 scripts/bench-overhead.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/lib/release-build.sh
exec python3 scripts/bench-overhead.py "$bin"
