#!/usr/bin/env bash
# Times `reportgen render` (release build) on a store holding the full default run, and on
# a copy with 10x the latency samples (every trial's buckets repeated at 9 more latencies).
# Prints the median of repeated runs; the machine is shared, so medians, not single runs.
# Usage: benchmarks/render.sh [STORE]   (default output/results.sqlite)
set -euo pipefail
cd "$(dirname "$0")/.."
store=${1:-output/results.sqlite}
bin=${REPORTGEN_BIN:-.build/release/reportgen}
[ -x "$bin" ] || { echo "build first: swift build -c release" >&2; exit 1; }
[ -f "$store" ] || { echo "no store at $store: run 'make report' first" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

time_render() { # db runs
  for _ in $(seq "$2"); do
    start=$(date +%s%N)
    "$bin" render --db "$1" --output "$work/out" >/dev/null
    echo $(( ($(date +%s%N) - start) / 1000000 ))
  done | median
}

samples() { sqlite3 "$1" "SELECT COUNT(*) || ' buckets, ' || SUM(count) || ' requests' FROM latency_samples"; }

cp "$store" "$work/x1.sqlite"
echo "store: $(samples "$work/x1.sqlite")"
echo "render, full default run: median $(time_render "$work/x1.sqlite" 7) ms (7 runs)"

cp "$store" "$work/x10.sqlite"
# Rebuilt in (trial, latency) order, as a run writes its samples.
sqlite3 "$work/x10.sqlite" <<'SQL'
CREATE TEMP TABLE x AS
WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < 9)
SELECT s.trial_id, s.latency_us * 10 + k.n AS latency_us, s.count FROM latency_samples s, k;
DELETE FROM latency_samples;
INSERT INTO latency_samples (trial_id, latency_us, count) SELECT * FROM x ORDER BY trial_id, latency_us;
SQL
echo "store x10: $(samples "$work/x10.sqlite")"
echo "render, 10x samples: median $(time_render "$work/x10.sqlite" 5) ms (5 runs)"
