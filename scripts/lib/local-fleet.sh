# Sourced by run-local.sh and the benchmarks: starts nats-server (JetStream, temporary store),
# the gateway and one worker on free loopback ports (and the vLLM double when
# OCR_VLLM_URL=double), and stops them on exit. LOCAL_WORKERS=N starts N workers (0: none),
# each with its probe and metrics port.
# Needs $bin (the build's bin path); sets $work, $gateway_url, $worker_pid (the first worker),
# $worker_pids, $probe_urls, $nats_monitor_url, OCR_NATS_URL and OCR_EGRESS_ALLOW (the gateway's
# store on loopback, unless already set).
# NATS admits only the fleet's users of deploy/nats-users.conf, with passwords made for this
# start; each process connects as its own. $work/ocrctl.env exports the operator's
# OCR_NATS_* variables, for ocrctl's commands that talk to NATS (`. $work/ocrctl.env`).

work="$(mktemp -d -t ocrfleet-local.XXXXXX)"
fleet_pids=()
nats_users_file="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/deploy/nats-users.conf"

stop_local_fleet() {
  local status=$?
  for pid in "${fleet_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${fleet_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ $status -ne 0 ]; then
    for log in "$work"/*.log; do [ -f "$log" ] && { echo "── $log" >&2; tail -n 20 "$log" >&2; }; done
  fi
  rm -rf "$work"
}
trap stop_local_fleet EXIT

. "$(dirname "${BASH_SOURCE[0]}")/processes.sh"

# Letters and digits starting with a letter: nats-server parses the variable it reads.
new_password() { printf 'p%s' "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"; }

start_local_fleet() {
  local nats_port http_port monitor_port
  nats_port=$(free_port)
  http_port=$(free_port)
  monitor_port=$(free_port)
  local gateway_password worker_password operator_password
  gateway_password=$(new_password)
  worker_password=$(new_password)
  operator_password=$(new_password)
  OCR_NATS_GATEWAY_PASSWORD="$gateway_password" OCR_NATS_WORKER_PASSWORD="$worker_password" \
    OCR_NATS_OPERATOR_PASSWORD="$operator_password" \
    nats-server -c "$nats_users_file" -js -a 127.0.0.1 -p "$nats_port" -m "$monitor_port" -sd "$work/jetstream" \
    -l "$work/nats.log" &
  fleet_pids+=($!)
  (umask 077 && printf 'export OCR_NATS_USER=ocr-operator OCR_NATS_PASSWORD=%s OCR_NATS_INBOX_PREFIX=_INBOX.operator\n' \
    "$operator_password" >"$work/ocrctl.env")
  wait_for nats-server "grep -q 'Server is ready' '$work/nats.log' 2>/dev/null"

  export OCR_NATS_URL="nats://127.0.0.1:$nats_port"
  nats_monitor_url="http://127.0.0.1:$monitor_port"
  # OCR_VLLM_URL=double: DeepSeek-OCR pages go to the vLLM double (no GPU needed).
  if [ "${OCR_VLLM_URL:-}" = double ]; then
    local vllm_port
    vllm_port=$(free_port)
    # shellcheck disable=SC2086 # VLLM_DOUBLE_ARGS holds several flags.
    "$bin/vllm-double" --port "$vllm_port" ${VLLM_DOUBLE_ARGS:-} >"$work/vllm-double.log" 2>&1 &
    fleet_pids+=($!)
    wait_for vllm-double "curl -fs 'http://127.0.0.1:$vllm_port/health' >/dev/null"
    export OCR_VLLM_URL="http://127.0.0.1:$vllm_port/v1"
  fi
  # The egress policy refuses loopback: open the gateway's own store (its presigned URLs) unless
  # the caller chose otherwise.
  export OCR_EGRESS_ALLOW="${OCR_EGRESS_ALLOW:-127.0.0.1:$http_port}"
  OCR_NATS_USER=ocr-gateway OCR_NATS_PASSWORD="$gateway_password" OCR_NATS_INBOX_PREFIX=_INBOX.gateway \
    OCR_HTTP_PORT="$http_port" OCR_STORE_DIR="$work/store" "$bin/ocr-gateway" >"$work/gateway.log" 2>&1 &
  fleet_pids+=($!)
  gateway_url="http://127.0.0.1:$http_port"
  # The gateway makes the streams; the workers' user may only use them.
  wait_for gateway "curl -fs '$gateway_url/readyz' >/dev/null"
  worker_pids=()
  probe_urls=()
  local index probe_port
  for index in $(seq 1 "${LOCAL_WORKERS:-1}"); do
    probe_port=$(free_port)
    OCR_NATS_USER=ocr-worker OCR_NATS_PASSWORD="$worker_password" OCR_NATS_INBOX_PREFIX=_INBOX.worker \
      OCR_WORK_DIR="$work" OCR_WORKER_NAME="local-worker-$index" OCR_PROBE_PORT="$probe_port" OCR_PROBE_HOST=127.0.0.1 \
      "$bin/ocr-worker" >"$work/worker-$index.log" 2>&1 &
    worker_pids+=($!)
    fleet_pids+=($!)
    probe_urls+=("http://127.0.0.1:$probe_port")
  done
  worker_pid="${worker_pids[0]:-}"
  local url
  for url in "${probe_urls[@]}"; do wait_for "worker at $url" "curl -fs '$url/readyz' >/dev/null"; done
}
