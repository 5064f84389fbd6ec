#!/usr/bin/env bash
# Runs JOBS one-page jobs through WORKERS workers and reports their RSS over time, lost and
# duplicate jobs and the RSS slope. Writes bench/results/soak.md; see scripts/soak.py.
#   JOBS=50000 WORKERS=4 scripts/soak.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/lib/release-build.sh
exec python3 scripts/soak.py "$bin"
