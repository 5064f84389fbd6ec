# Sourced by the scripts that start the fleet's processes on loopback.

# A port nobody listens on (bash's /dev/tcp connects only when something does).
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# Waits up to 30 s for `check` (evaluated) to succeed; `what` names it when it does not.
wait_for() {
  local what=$1 check=$2
  for _ in $(seq 1 300); do eval "$check" && return 0; sleep 0.1; done
  echo "$what did not start" >&2
  return 1
}
