#!/usr/bin/env bash
# The built-in load generator against wrk on nginx's static page (the experiment's upstream,
# one worker): `reportgen calibrate`, which alternates the two generators round by round and
# prints medians of requests/s, CPU time per request (user + system of the generator's whole
# process, from wait4: for the built-in one that includes sorting every request and writing
# them out) and raw latency, with the median of per-round ratios builtin ÷ wrk.
# Usage: benchmarks/loadgen.sh   (env: ROUNDS=7 CONNECTIONS=400 THREADS=2 DURATION=10s,
#        REPORTGEN_BIN to use another build)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${REPORTGEN_BIN:-.build/release/reportgen}
[ -x "$bin" ] || { echo "no reportgen at $bin; run 'make release' first" >&2; exit 1; }
exec "$bin" calibrate --rounds "${ROUNDS:-7}" --connections "${CONNECTIONS:-400}" \
  --threads "${THREADS:-2}" --duration "${DURATION:-10s}"
