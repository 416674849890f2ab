#!/usr/bin/env bash
# Times a write-up's SQL over the shipped reference run (experiments/aiohttp-vs-flask/baseline/
# reference.sqlite.xz: 2.4 M latency rows, 84 trials), with `reportgen query`, interleaved, the
# median of ROUNDS each. The issue's target: a p90 over every latency row within 1 s. Printed:
#   - the query's overhead (SELECT 1: process, checked copy from the cache, the run, the views),
#   - one pass over run_latency (the share of requests over 1 s),
#   - the p90 with weighted_percentile (reportgen's nearest rank, one pass),
#   - the p90 with window functions (a running sum per cell), the way SQL alone says it.
# Each line is the whole command's wall time; subtract the first for the query's own.
# Usage: benchmarks/sql.sh [ROUNDS]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${REPORTGEN_BIN:-.build/release/reportgen}
[ -x "$bin" ] || { echo "build first: swift build -c release --product reportgen" >&2; exit 1; }
rounds=${1:-5}
reference=experiments/aiohttp-vs-flask/baseline/reference.sqlite.xz
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export REPORTGEN_CACHE=$work/cache

names=("overhead (SELECT 1)" "one pass over run_latency" "p90, weighted_percentile" "p90, window functions")
queries=(
  "SELECT 1"
  "SELECT cell, 100.0 * sum(CASE WHEN latency_ms > 1000 THEN count ELSE 0 END) / sum(count) FROM run_latency WHERE counted GROUP BY cell"
  "SELECT cell, weighted_percentile(latency_ms, count, 90) FROM run_latency WHERE counted GROUP BY cell"
  "WITH d AS (SELECT cell, latency_ms, sum(count) AS n FROM run_latency WHERE counted GROUP BY cell, latency_ms),
        c AS (SELECT cell, latency_ms, sum(n) OVER (PARTITION BY cell ORDER BY latency_ms) AS below,
                     sum(n) OVER (PARTITION BY cell) AS total FROM d)
   SELECT cell, min(latency_ms) FROM c WHERE below >= (total * 90 + 99) / 100 GROUP BY cell"
)
"$bin" query --from "$reference" "SELECT 1" >/dev/null   # the checked copy, made once
echo "rows: $("$bin" query --csv --from "$reference" "SELECT count(*) FROM run_latency" | tail -1) latency rows"
for round in $(seq "$rounds"); do
  for i in "${!queries[@]}"; do
    start=$(date +%s%N)
    "$bin" query --csv --timeout 60s --from "$reference" "${queries[$i]}" > "$work/out-$i"
    echo "$i $(( ($(date +%s%N) - start) / 1000000 ))"
  done
done > "$work/times"
# The two p90s must agree, row for row.
diff <(tail -n +2 "$work/out-2" | sort) <(tail -n +2 "$work/out-3" | sort) >/dev/null || { echo "the two p90s differ" >&2; exit 1; }
for i in "${!queries[@]}"; do
  median=$(awk -v i="$i" '$1 == i {print $2}' "$work/times" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
  printf '%-28s median %6s ms\n' "${names[$i]}" "$median"
done
