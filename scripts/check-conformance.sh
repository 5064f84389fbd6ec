#!/usr/bin/env bash
# The gateway against its own OpenAPI document: starts nats-server (JetStream, temporary store)
# and the built ocr-gateway with a bearer token on free loopback ports, runs schemathesis
# against the served /openapi.json with every check (but where schemathesis.toml says why not),
# authenticated, stateful phase included (the document's links from a submission to its job's
# routes), and fails on any finding.
# No worker: the API's contract holds for queued jobs. Settings: scripts/schemathesis.toml.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${OCR_BIN:-$(swift build --show-bin-path)}"
work="$(mktemp -d -t ocrfleet-conformance.XXXXXX)"
pids=()

stop() {
  local status=$?
  # The gateway first, then the server it uses.
  local index
  for ((index = ${#pids[@]} - 1; index >= 0; index--)); do
    kill -TERM "${pids[index]}" 2>/dev/null || true
    wait "${pids[index]}" 2>/dev/null || true
  done
  if [ $status -ne 0 ]; then
    for log in "$work"/*.log; do [ -f "$log" ] && { echo "── $log" >&2; tail -n 20 "$log" >&2; }; done
  fi
  rm -rf "$work"
}
trap stop EXIT

. scripts/lib/processes.sh

nats_port=$(free_port)
nats-server -js -a 127.0.0.1 -p "$nats_port" -sd "$work/jetstream" -l "$work/nats.log" &
pids+=($!)
wait_for nats-server "grep -q 'Server is ready' '$work/nats.log' 2>/dev/null"

http_port=$(free_port)
token="conformance-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
# The failed-authentication throttle and the token's rate limit are off: schemathesis sends
# requests without a token on purpose (ignored_auth) and many at once, and a throttled
# client address would answer 429 to everything after. Both limits have their own tests
# (OCRFleetGatewayTests). Event streams keep alive every second, so a stream's wait is short.
OCR_NATS_URL="nats://127.0.0.1:$nats_port" OCR_HTTP_PORT="$http_port" OCR_STORE_DIR="$work/store" \
  OCR_API_TOKENS="$token:conformance" OCR_AUTH_FAILURE_RATE=0 OCR_RATE_LIMIT=0 OCR_SSE_KEEPALIVE_S=1 \
  "$bin/ocr-gateway" >"$work/gateway.log" 2>&1 &
pids+=($!)
url="http://127.0.0.1:$http_port"
wait_for ocr-gateway "curl -fs '$url/readyz' >/dev/null"

started=$(date +%s)
# Every check runs, as the config file sets them: `--checks` here would override its
# per-operation settings.
schemathesis --config-file scripts/schemathesis.toml run "$url/openapi.json" \
  --header "Authorization: Bearer $token" --report junit --report-dir "$work/report"
echo "conformance: no findings in $(($(date +%s) - started)) s" >&2
