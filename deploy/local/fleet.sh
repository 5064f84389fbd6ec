#!/usr/bin/env bash
# Starts a fleet on loopback for load tests and demos: nats-server (JetStream, monitoring
# port), the gateway and N workers (release build), prints where each listens, and waits.
# Ctrl-C or SIGTERM stops them all cleanly (workers drain their jobs first).
#   deploy/local/fleet.sh --workers 4
#   deploy/local/fleet.sh --workers 2 --vllm-double --latency-ms 500   # DeepSeek-OCR stand-in
# Other OCR_* variables reach the processes (docs/configuration.md).
set -euo pipefail

workers=1
latency_ms=0
double=false
usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --workers) workers="$2"; shift 2 ;;
    --workers=*) workers="${1#*=}"; shift ;;
    --vllm-double) double=true; shift ;;
    --latency-ms) latency_ms="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$workers" =~ ^[0-9]+$ ]] || { echo "--workers takes a number" >&2; exit 2; }

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
source scripts/lib/release-build.sh
if $double; then
  export OCR_VLLM_URL=double OCR_ENGINE=deepseek VLLM_DOUBLE_ARGS="--latency-ms $latency_ms"
fi
LOCAL_WORKERS="$workers"
source scripts/lib/local-fleet.sh
start_local_fleet

echo "nats      $OCR_NATS_URL  (monitoring $nats_monitor_url/jsz; users of deploy/nats-users.conf)"
echo "ocrctl    . $work/ocrctl.env && ocrctl dlq list --nats $OCR_NATS_URL   (the operator's NATS user)"
echo "gateway   $gateway_url  (docs: $gateway_url/openapi.json, metrics: $gateway_url/metrics)"
echo "egress    OCR_EGRESS_ALLOW=$OCR_EGRESS_ALLOW  (what job URLs may reach besides public hosts)"
[ -n "${OCR_VLLM_URL:-}" ] && echo "vllm      $OCR_VLLM_URL"
for index in "${!worker_pids[@]}"; do
  echo "worker $((index + 1))  pid ${worker_pids[$index]}  probes ${probe_urls[$index]}/readyz  metrics ${probe_urls[$index]}/metrics"
done
echo "logs in $work; Ctrl-C stops the fleet"
trap 'echo "stopping…" >&2; exit 0' INT TERM
# Ends when a process of the fleet exits by itself (then the EXIT trap stops the rest).
wait -n "${fleet_pids[@]}"
echo "a process of the fleet exited; stopping the rest" >&2
exit 1
