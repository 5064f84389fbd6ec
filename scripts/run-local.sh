#!/usr/bin/env bash
# OCRs FILE... on this machine: installs what it needs, builds, starts nats-server, the
# gateway and one worker on loopback, prints the markdown and stops what it started.
#   scripts/run-local.sh scan.png report.pdf
# OCR_BUILD=debug builds faster the first time; other OCR_* variables reach the worker
# and gateway (see docs/configuration.md).
set -euo pipefail

if [ $# -eq 0 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
  exit $([ $# -eq 0 ] && echo 2 || echo 0)
fi
for file in "$@"; do
  [ -r "$file" ] || { echo "cannot read $file" >&2; exit 2; }
done

root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
configuration="${OCR_BUILD:-release}"
echo "building ($configuration)…" >&2
swift build -c "$configuration" --package-path "$root" >&2
bin="$(swift build -c "$configuration" --package-path "$root" --show-bin-path)"

work="$(mktemp -d -t ocrfleet-local.XXXXXX)"
pids=()
cleanup() {
  status=$?
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ $status -ne 0 ]; then
    for log in "$work"/*.log; do [ -f "$log" ] && { echo "── $log" >&2; tail -n 20 "$log" >&2; }; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# A port nobody listens on (bash's /dev/tcp connects only when something does).
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}
wait_for() {
  local what=$1 check=$2
  for _ in $(seq 1 200); do eval "$check" && return 0; sleep 0.1; done
  echo "$what did not start" >&2
  return 1
}

nats_port=$(free_port)
http_port=$(free_port)
nats-server -js -a 127.0.0.1 -p "$nats_port" -sd "$work/jetstream" -l "$work/nats.log" &
pids+=($!)
wait_for nats-server "grep -q 'Server is ready' '$work/nats.log' 2>/dev/null"

export OCR_NATS_URL="nats://127.0.0.1:$nats_port"
OCR_HTTP_PORT="$http_port" OCR_STORE_DIR="$work/store" "$bin/ocr-gateway" >"$work/gateway.log" 2>&1 &
pids+=($!)
OCR_WORK_DIR="$work" "$bin/ocr-worker" >"$work/worker.log" 2>&1 &
pids+=($!)
wait_for gateway "curl -fs 'http://127.0.0.1:$http_port/readyz' >/dev/null"

"$bin/ocrctl" submit --gateway "http://127.0.0.1:$http_port" --wait "$@"
