#!/usr/bin/env bash
# Tesseract-path throughput on fixtures/bench-10p.pdf (10 dense pages) at 300 DPI, in one
# run so the figures compare as ratios on a shared, noisy machine:
#   worker      gateway → NATS → ocr-worker (release build) → store, submit to result
#   cli-seq     pdftoppm -r 300 + tesseract CLI, page by page, one after the other
#   cli-par     the same pairs, two pages at a time (xargs -P 2, one thread each)
# Prints a Markdown table (median, min, max over RUNS runs) and the worker's peak RSS,
# and writes it to bench/results/spine.md.
#   RUNS=5 scripts/bench-spine.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
runs="${RUNS:-3}"
pdf="$root/fixtures/bench-10p.pdf"
pages=10

source scripts/lib/release-build.sh
OCR_LOG_LEVEL=warning
export OCR_LOG_LEVEL
source "$root/scripts/lib/local-fleet.sh"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
# median min max of the numbers on stdin
stats() { sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f %.3f %.3f", m, v[1], v[NR] }'; }

cli_page() { # page number, threads
  local page=$1
  pdftoppm -r 300 -f "$page" -l "$page" -png -singlefile "$pdf" "$work/cli-$page"
  OMP_THREAD_LIMIT=$2 tesseract "$work/cli-$page.png" "$work/cli-$page" -l eng quiet
}
export -f cli_page
export pdf work

start_local_fleet
# One warm-up job so every variant runs with language data in the page cache.
"$bin/ocrctl" submit --gateway "$gateway_url" --wait "$pdf" >"$work/warmup.md"
cli_page 1 1

declare -A times
measure() { # variant, command...
  local variant=$1 start
  shift
  start=$(now)
  "$@"
  local seconds
  seconds=$(elapsed "$start" "$(now)")
  times[$variant]+="$seconds "
  echo "run $run: $variant $seconds s" >&2
}
for run in $(seq 1 "$runs"); do
  measure worker "$bin/ocrctl" submit --gateway "$gateway_url" --wait --output "$work/out" "$pdf" >/dev/null
  measure cli-seq bash -c "for page in \$(seq 1 $pages); do cli_page \$page 2; done"
  measure cli-par bash -c "seq 1 $pages | xargs -P 2 -I{} bash -c 'cli_page {} 1'"
done
peak_kib=$(awk '/VmHWM/ { print $2 }' "/proc/$worker_pid/status")
cat "$work"/cli-{1..10}.txt >"$work/cli.txt"
# Share of the ground truth's words found in each output (multiset), so speed is never
# bought with accuracy.
recall() {
  python3 - "$root/fixtures/truth.json" "$1" <<'PY'
import collections, json, re, sys
truth = " ".join(json.load(open(sys.argv[1]))["bench-10p.pdf"])
words = lambda text: re.findall(r"[a-z0-9]+", text.lower())
found = collections.Counter(words(open(sys.argv[2]).read()))
expected = words(truth)
hits = 0
for word in expected:
    if found[word] > 0:
        found[word] -= 1
        hits += 1
print(f"{100 * hits / len(expected):.2f}")
PY
}

read -r worker_median _ _ <<<"$(tr ' ' '\n' <<<"${times[worker]}" | grep . | stats)"
{
  echo "Tesseract path, $pages pages of fixtures/bench-10p.pdf at 300 DPI, $(nproc) cores, $runs runs, $(date -u +%Y-%m-%d)"
  echo
  echo "| variant | seconds (median) | min | max | pages/s | worker speed ÷ variant |"
  echo "|---|---|---|---|---|---|"
  for variant in worker cli-seq cli-par; do
    read -r median low high <<<"$(tr ' ' '\n' <<<"${times[$variant]}" | grep . | stats)"
    awk -v v="$variant" -v m="$median" -v lo="$low" -v hi="$high" -v p=$pages -v w="$worker_median" \
      'BEGIN { printf "| %s | %.2f | %.2f | %.2f | %.2f | %.2f |\n", v, m, lo, hi, p / m, m / w }'
  done
  echo
  echo "Word recall against ground truth: worker $(recall "$work/out/bench-10p.md") %, tesseract CLI $(recall "$work/cli.txt") %"
  echo
  echo "Worker peak RSS (VmHWM): $((peak_kib / 1024)) MiB"
} | tee bench/results/spine.md
