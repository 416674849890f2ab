#!/usr/bin/env bash
# Does pinning matter on this machine? The default experiment, quick, with every role
# unpinned and then pinned (the load generator on one CPU, the app and the upstream on the
# other), in alternating runs; prints each variant's spread of requests/s across its trials
# (the coefficient of variation) both ways, and the median spread.
# Usage: benchmarks/pinning.sh [rounds, default 1] [extra run flags, default --quick --trials 4]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-1}
shift || true
flags=("$@")
[ ${#flags[@]} -gt 0 ] || flags=(--quick --trials 4)
bin=$PWD/.build/release/reportgen
cpus=$(nproc)
[ "$cpus" -ge 2 ] || { echo "pinning needs at least 2 CPUs; this machine has $cpus" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
for placement in unpinned pinned; do
  mkdir -p "$work/$placement/experiments"
  rsync -a --exclude /baseline/ experiments/aiohttp-vs-flask "$work/$placement/experiments/"
done
toml=$work/pinned/experiments/aiohttp-vs-flask/experiment.toml
python3 - "$toml" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
text = text.replace("[upstream]\n", "[upstream]\ncpus = \"1\"\n", 1).replace("[app]\n", "[app]\ncpus = \"1\"\n", 1)
text = text.replace("[load]\n", "[load]\ncpus = \"0\"\n", 1)
open(path, "w").write(text)
PY

spread() {
  sqlite3 -separator ' ' "$1" <<'SQL'
WITH rps AS (
  SELECT v.name AS name, t.requests / (t.duration_us / 1e6) AS x
  FROM trials t JOIN variants v ON v.id = t.variant_id JOIN runs r ON r.id = v.run_id
  WHERE r.kind = 'measured' AND t.status = 'ok'
), stats AS (
  SELECT name, AVG(x) AS mean, AVG(x * x) - AVG(x) * AVG(x) AS var, COUNT(*) AS n FROM rps GROUP BY name
)
SELECT name, printf('%.0f', mean), printf('%.1f', 100.0 * sqrt(MAX(var, 0) * n / (n - 1)) / mean) FROM stats ORDER BY name;
SQL
}

for round in $(seq "$rounds"); do
  for placement in unpinned pinned; do
    (cd "$work/$placement" && "$bin" run --db "$work/$placement-$round.sqlite" "${flags[@]}" >/dev/null)
  done
done
echo "variant | unpinned mean req/s, CV % | pinned mean req/s, CV %"
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
for round in $(seq "$rounds"); do
  joined=$(join <(spread "$work/unpinned-$round.sqlite" | sort) <(spread "$work/pinned-$round.sqlite" | sort))
  echo "$joined" | awk '{ printf "%-15s %8s %6s%% | %8s %6s%%\n", $1, $2, $3, $4, $5 }'
  echo "median CV: unpinned $(echo "$joined" | awk '{ print $3 }' | median)%, pinned $(echo "$joined" | awk '{ print $5 }' | median)%"
done
