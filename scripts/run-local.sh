#!/usr/bin/env bash
# OCRs FILE... on this machine: installs what it needs, builds, starts nats-server, the
# gateway and one worker on loopback, prints the markdown and stops what it started.
#   scripts/run-local.sh scan.png report.pdf
# OCR_BUILD=debug builds faster the first time; other OCR_* variables reach the worker
# and gateway (see docs/configuration.md). OCR_VLLM_URL=double sends pages to DeepSeek-OCR's
# stand-in, the vLLM double (docs/engines.md); a real server's URL works the same way.
set -euo pipefail

if [ $# -eq 0 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
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

source "$root/scripts/lib/local-fleet.sh"
start_local_fleet
"$bin/ocrctl" submit --gateway "$gateway_url" --wait "$@"
