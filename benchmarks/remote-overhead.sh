#!/usr/bin/env bash
# What placing roles on other hosts costs: the default experiment with its upstream, app
# and load generator on three ssh hosts (network namespaces on this machine, made by
# scripts/netns-hosts.sh), against the same experiment with every role here, in
# alternating runs. For each: the median time a trial spends outside its measured window
# beyond the warm-up (start, readiness, copying results back, remote start and stop), and
# the share of the run's wall time spent in measured windows. Needs root.
# Usage: benchmarks/remote-overhead.sh [rounds, default 1] [extra run flags, default --trials 1 --duration 10s]
# REPORTGEN_BIN names the build to measure (default .build/release/reportgen); with
# REPORTGEN_VS naming a second build, each round runs both in turn, so two builds are
# compared on the same machine at the same time.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-1}
shift || true
flags=("$@")
[ ${#flags[@]} -gt 0 ] || flags=(--trials 1 --duration 10s --warmup 2s)
bin=$(realpath "${REPORTGEN_BIN:-.build/release/reportgen}")
builds=("$bin")
[ -z "${REPORTGEN_VS:-}" ] || builds+=("$(realpath "$REPORTGEN_VS")")
work=$(mktemp -d)
hosts=$work/hosts
cleanup() { scripts/netns-hosts.sh down "$hosts" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM
scripts/netns-hosts.sh up "$hosts" backend server client
python=$(python3 -c 'import sys; print(sys.executable)')

for placement in local remote; do
  mkdir -p "$work/$placement/experiments"
  rsync -a --exclude /baseline/ experiments/aiohttp-vs-flask "$work/$placement/experiments/"
done
toml=$work/remote/experiments/aiohttp-vs-flask/experiment.toml
tables=""
for name in backend server client; do
  tables+=$'\n'"[hosts.$name]"$'\n'"ssh = \"$name\""$'\n'"folder = \"$hosts/$name/home\""$'\n'"python = \"$python\""$'\n'
done
TABLES="$tables" python3 - "$toml" <<'PY'
import os, sys
path = sys.argv[1]
text = open(path).read()
text = text.replace("[upstream]\n", os.environ["TABLES"] + "\n[upstream]\nhost = \"backend\"\n", 1)
text = text.replace("[app]\n", "[app]\nhost = \"server\"\n", 1).replace("[load]\n", "[load]\nhost = \"client\"\n", 1)
open(path, "w").write(text)
PY

report() {
  sqlite3 -separator ' ' "$1" <<'SQL'
WITH t AS (
  SELECT (julianday(t.ended_at) - julianday(t.started_at)) * 86400 - t.duration_us / 1e6 AS outside
  FROM trials t JOIN variants v ON v.id = t.variant_id JOIN runs r ON r.id = v.run_id WHERE r.kind = 'measured'
)
SELECT printf('%.2f', (SELECT outside FROM t ORDER BY outside LIMIT 1 OFFSET (SELECT COUNT(*) FROM t) / 2)),
       printf('%.3f', (SELECT SUM(t.duration_us) / 1e6 FROM trials t JOIN variants v ON v.id = t.variant_id JOIN runs r ON r.id = v.run_id WHERE r.kind = 'measured')
         / (SELECT (julianday(finished_at) - julianday(started_at)) * 86400 FROM runs WHERE kind = 'measured'));
SQL
}

echo "build placement round median_s_outside_window(incl. warm-up) measured_share"
for round in $(seq "$rounds"); do
  for placement in local remote; do
    for index in "${!builds[@]}"; do
      db=$work/$placement-$round-$index.sqlite
      (cd "$work/$placement" && REPORTGEN_SSH_CONFIG=$hosts/ssh_config "${builds[$index]}" run --db "$db" "${flags[@]}" >/dev/null)
      echo "${builds[$index]} $placement $round $(report "$db")"
    done
  done
done
