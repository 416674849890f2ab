#!/usr/bin/env bash
# Measures the runner's own overhead on a real run of the default experiment:
#  - reportgen's CPU time during each measured window, as a share of one core;
#  - the time each trial spends outside its measured window (start, readiness, warm-up,
#    teardown), and the gap between one trial's end and the next one's start;
#  - the share of the run's wall time spent inside measured windows (venv creation excluded:
#    a run's clock starts once its Python environment and upstream are ready).
# Usage: benchmarks/runner-overhead.sh [extra reportgen run flags, e.g. --trials 1]
set -euo pipefail
cd "$(dirname "$0")/.."
db=$(mktemp -d)/bench.sqlite
.build/release/reportgen run --db "$db" "$@"
sqlite3 -header -column "$db" <<'SQL'
SELECT COUNT(*) AS trials,
       ROUND(100.0 * SUM(runner_cpu_us) / SUM(duration_us), 3) AS runner_cpu_pct_of_core,
       ROUND(100.0 * MAX(1.0 * runner_cpu_us / duration_us), 3) AS worst_trial_pct
FROM trials WHERE status = 'ok';
WITH t AS (
  SELECT (julianday(ended_at) - julianday(started_at)) * 86400 - duration_us / 1e6 AS outside,
         (julianday(started_at) - julianday(LAG(ended_at) OVER (ORDER BY run_order))) * 86400 AS gap
  FROM trials
)
SELECT ROUND((SELECT outside FROM t ORDER BY outside LIMIT 1 OFFSET (SELECT COUNT(*) FROM t) / 2), 2) AS median_s_outside_window_incl_warmup,
       ROUND(MAX(outside), 2) AS worst_s_outside_window,
       ROUND((SELECT gap FROM t WHERE gap IS NOT NULL ORDER BY gap LIMIT 1 OFFSET (SELECT COUNT(gap) FROM t) / 2), 3) AS median_s_between_trials
FROM t;
SELECT ROUND(SUM(t.duration_us) / 1e6, 1) AS measured_s,
       ROUND((julianday(r.finished_at) - julianday(r.started_at)) * 86400, 1) AS run_wall_s,
       ROUND(100.0 * SUM(t.duration_us) / 1e6 / ((julianday(r.finished_at) - julianday(r.started_at)) * 86400), 1) AS measured_pct
FROM trials t JOIN variants v ON v.id = t.variant_id JOIN runs r ON r.id = v.run_id;
SQL
echo "store: $db"
