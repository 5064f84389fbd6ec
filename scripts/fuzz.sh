#!/usr/bin/env bash
# Fuzzes what the worker does with a downloaded file (format detection, PDF and image
# opening, page rendering and encoding, PDF text layers, DOCX/PPTX/XLSX read from their XML)
# with libFuzzer and AddressSanitizer, for a bounded
# time, seeded with every fixture. Not part of scripts/test.sh. A crash, leak or timeout
# input is copied to fixtures/fuzz-crashes/ to keep as a regression fixture, and the script
# exits 1.
#   FUZZ_SECONDS=300 scripts/fuzz.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/install-deps.sh
seconds="${FUZZ_SECONDS:-300}"
# gold cannot link the sanitizer runtime here; the toolchain's lld can.
swift build -c release --build-path .build-fuzz --product ocrfleet-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -D -Xswiftc FUZZING -Xswiftc -use-ld=lld \
  -Xcc -fsanitize=fuzzer-no-link,address >&2
work="$(mktemp -d -t ocrfleet-fuzz.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
# `-size -1M` would round sizes up to whole MiB and keep only empty files.
find fixtures -type f ! -name '*.json' ! -name 'pages-10000.pdf' -size -1024k -exec cp {} "$work/corpus/" \;
status=0
LSAN_OPTIONS="suppressions=$root/scripts/fuzz-lsan.supp" \
  .build-fuzz/release/ocrfleet-fuzz -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=262144 -timeout=30 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" || status=$?
if compgen -G "$work/artifacts/*" >/dev/null; then
  mkdir -p fixtures/fuzz-crashes
  cp "$work"/artifacts/* fixtures/fuzz-crashes/
  echo "fuzzing found inputs that fail; kept in fixtures/fuzz-crashes/" >&2
  exit 1
fi
exit $status
