#!/usr/bin/env bash
# Times `reportgen render` (release build) on a store holding the full default run, and on
# a copy with 10x the latency samples (every trial's buckets repeated at 9 more latencies):
# the median of repeated runs, the peak memory, and where the time goes (render --timings).
# With the Python peer beside the project (../shared/peer), also the interleaved ratio to it
# and its peak memory on the same stores. The machine is shared: medians, not single runs.
# Usage: benchmarks/render.sh [STORE]   (default output/results.sqlite, else the shipped
#        reference run experiments/aiohttp-vs-flask/baseline/reference.sqlite.xz)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${REPORTGEN_BIN:-.build/release/reportgen}
[ -x "$bin" ] || { echo "build first: swift build -c release" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

store=${1:-output/results.sqlite}
if [ -f "$store" ]; then
  cp "$store" "$work/x1.sqlite"
else
  reference=experiments/aiohttp-vs-flask/baseline/reference.sqlite.xz
  echo "no store at $store: using the shipped reference run ($reference), imported into a store"
  # A store as build or import leaves it (packed latency included), not the export read in place.
  REPORTGEN_CACHE="$work/cache" "$bin" import "$reference" --db "$work/x1.sqlite" >/dev/null
fi

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

time_render() { # db runs
  for _ in $(seq "$2"); do
    start=$(date +%s%N)
    "$bin" render --db "$1" --output "$work/out" >/dev/null
    echo $(( ($(date +%s%N) - start) / 1000000 ))
  done | median
}

peak_kb() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; }

samples() { sqlite3 "$1" "SELECT COUNT(*) || ' buckets, ' || SUM(count) || ' requests' FROM latency_samples"; }

peer=../shared/peer
peer_python=${PEER_VENV:-$HOME/.cache/reportgen-peer}/bin/python

report() { # db label runs rounds
  echo "store $2: $(samples "$1")"
  echo "render: median $(time_render "$1" "$3") ms ($3 runs), peak memory $(( $(peak_kb "$bin" render --db "$1" --output "$work/out") / 1024 )) MiB"
  "$bin" render --db "$1" --output "$work/out" --timings | grep ' ms  '
  if [ -x "$peer/render-vs-peer.sh" ]; then
    "$peer/render-vs-peer.sh" "$1" "$4" | sed 's/^/peer: /'
    peer_memory=$(MPLCONFIGDIR="$work/mpl" peak_kb "$peer_python" "$peer/peer_report.py" "$1" "$work/peer")
    echo "peer: peak memory $(( peer_memory / 1024 )) MiB"
  fi
}

report "$work/x1.sqlite" "x1" 7 7

cp "$work/x1.sqlite" "$work/x10.sqlite"
# Rebuilt in (trial, latency) order, as a run writes its samples.
sqlite3 "$work/x10.sqlite" <<'SQL'
CREATE TEMP TABLE x AS
WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < 9)
SELECT s.trial_id, s.latency_us * 10 + k.n AS latency_us, s.count FROM latency_samples s, k;
DELETE FROM latency_samples;
INSERT INTO latency_samples (trial_id, latency_us, count) SELECT * FROM x ORDER BY trial_id, latency_us;
SQL
# Rows changed by hand drop their trials' packed copies (latency_histograms); an import packs
# them again from the rows, as it does for any file from elsewhere.
REPORTGEN_CACHE="$work/cache" "$bin" import "$work/x10.sqlite" --db "$work/x10-store.sqlite" >/dev/null
report "$work/x10-store.sqlite" "x10" 3 3
