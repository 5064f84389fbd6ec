#!/usr/bin/env bash
# The egress policy's cost per request: its check (with one name resolution) and the
# connection pinned to the checked address, against the path before it (a shared pooled client
# resolving names itself), to an HTTP/1.1 server on loopback, in one release build of
# bench/egress: µs per request and ratios within the run.
#   REQUESTS=2000 scripts/bench-egress.sh
# SCRATCH_PATH=DIR builds in DIR instead of .build.
set -euo pipefail
cd "$(dirname "$0")/.."
args=(-c release --product egress-bench)
[ -n "${SCRATCH_PATH:-}" ] && args+=(--scratch-path "$SCRATCH_PATH")
swift build "${args[@]}" >&2
"$(swift build "${args[@]}" --show-bin-path)/egress-bench" "${REQUESTS:-2000}"
