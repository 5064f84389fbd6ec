#!/usr/bin/env bash
# Front-door throughput on this machine, in one run (release build, no worker: jobs queue up):
#   submit     POST /v1/jobs with a small JSON job, wrk with 2 threads and 32 connections
#              for DURATION seconds: requests/s and latency percentiles
#   backfill   ocrctl backfill of a 10,000-entry JSON-lines manifest (default concurrency 8,
#              and 32): documents/s
# Each figure is the median (min, max) over RUNS runs; written to bench/results/gateway.md.
#   RUNS=3 DURATION=15 scripts/bench-gateway.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
runs="${RUNS:-3}"
duration="${DURATION:-15}"
entries="${ENTRIES:-10000}"

source scripts/lib/release-build.sh
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2; }
export OCR_LOG_LEVEL=warning OCR_MAX_BACKLOG=0
LOCAL_WORKERS=0
source "$root/scripts/lib/local-fleet.sh"
start_local_fleet

stats() { sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f (%.1f–%.1f)", m, v[1], v[NR] }'; }
# wrk prints latencies as 812.00us, 1.20ms or 1.05s: in milliseconds.
ms() { awk '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) sub(/ms$/, "", v); else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }; printf "%.2f\n", v }'; }

cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"source": {"url": "http://127.0.0.1:9/bench/document.pdf", "content_type": "application/pdf"}, "options": {"mode": "hybrid"}}'
LUA

declare -A figures
for run in $(seq 1 "$runs"); do
  wrk -t2 -c32 -d"${duration}s" --latency -s "$work/post.lua" "$gateway_url/v1/jobs" >"$work/wrk-$run.txt"
  grep -q "Non-2xx" "$work/wrk-$run.txt" && { cat "$work/wrk-$run.txt" >&2; echo "non-2xx answers" >&2; exit 1; }
  figures[rps]+="$(awk '/Requests\/sec/ { print $2 }' "$work/wrk-$run.txt") "
  for p in 50 90 99; do figures[p$p]+="$(awk -v p="$p%" '$1 == p { print $2 }' "$work/wrk-$run.txt" | ms) "; done
  echo "run $run: submit $(awk '/Requests\/sec/ { print $2 }' "$work/wrk-$run.txt")/s" >&2

  for concurrency in 8 32; do
    manifest="$work/manifest-$run-$concurrency.jsonl"
    awk -v n="$entries" -v r="$run-$concurrency" 'BEGIN { for (i = 1; i <= n; i++) printf "{\"url\": \"http://127.0.0.1:9/bench/%s/%d.pdf\"}\n", r, i }' >"$manifest"
    summary=$("$bin/ocrctl" backfill --gateway "$gateway_url" --manifest "$manifest" --checkpoint "$manifest.checkpoint" \
      --concurrency "$concurrency" --max-outstanding 0 --no-count --json)
    rate=$(echo "$summary" | python3 -c 'import json, sys; s = json.load(sys.stdin); assert s["submitted"] == '"$entries"', s; print(s["submitted"] / s["seconds"])')
    figures[backfill$concurrency]+="$rate "
    echo "run $run: backfill concurrency $concurrency: $rate documents/s" >&2
  done
done

mkdir -p bench/results
{
  echo "| front door | median (min–max) over $runs runs |"
  echo "|---|---|"
  echo "| POST /v1/jobs, requests/s (wrk -t2 -c32, ${duration} s) | $(echo "${figures[rps]}" | tr ' ' '\n' | grep . | stats) |"
  for p in 50 90 99; do
    echo "| POST /v1/jobs, p$p latency (ms) | $(echo "${figures[p$p]}" | tr ' ' '\n' | grep . | stats) |"
  done
  echo "| backfill of $entries manifest entries, documents/s (concurrency 8) | $(echo "${figures[backfill8]}" | tr ' ' '\n' | grep . | stats) |"
  echo "| backfill of $entries manifest entries, documents/s (concurrency 32) | $(echo "${figures[backfill32]}" | tr ' ' '\n' | grep . | stats) |"
  echo
  echo "Machine: $(nproc) cores, $(uname -sr); gateway, nats-server (JetStream file store) and the load client share them."
} | tee bench/results/gateway.md
