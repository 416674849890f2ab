/// The views a write-up's SQL reads: one run's trials, latency, timeline, resources, cells,
/// machines and capacity probes, with names and units that stay when the tables behind them change by
/// migration. They are the stable API for authors (README, "Asking your own questions"); a
/// query reads them and nothing else (`RunQueries`).
///
/// Every view is scoped to one run and made on the query connection as a TEMP view, so
/// nothing is written to the store. Their bodies keep to plain joins and correlated
/// subqueries (no common table expressions): SQLite's authorizer then attributes every read
/// of a table behind a view to that view, which is what lets `RunQueries` allow those reads
/// and refuse the same tables named by a query.
public enum RunViews {
    /// Per trial, reportgen's own verdicts: filled by `RunQueries` from the report's
    /// statistics, so a query can leave out what the report leaves out (`counted`).
    static let verdictTable = "trial_verdicts"

    /// The views, in the order the README documents them.
    public static let names = [
        "run_trials", "run_latency", "run_timeline", "run_resources", "run_cells", "run_machine", "run_hosts", "run_probes",
    ]

    /// The statements that make the views of run `runID` (an integer, written as a literal:
    /// a view cannot hold a parameter).
    static func statements(runID: Int64) -> [String] {
        let run = String(runID)
        // variant: the definition's variant; cell: the shown cell ("aiohttp @ delay=50ms"),
        // the variant's name outside a sweep.
        let trialKey = "COALESCE(v.variant, v.name) AS variant, v.name AS cell, v.position AS position, t.trial_index AS trial"
        let runTrials = "main.trials t JOIN main.variants v ON v.id = t.variant_id"
        func joined(_ alias: String) -> String {
            "JOIN main.trials t ON t.id = \(alias).trial_id JOIN main.variants v ON v.id = t.variant_id"
        }
        let window = "s.trial_id = t.id AND s.role = 'app' AND s.phase = 'window'"
        return [
            """
            CREATE TEMP TABLE \(verdictTable) (
                trial_id INTEGER PRIMARY KEY,
                steady INTEGER,
                unsteady_reason TEXT,
                counted INTEGER NOT NULL
            )
            """,
            // The app's CPU as the report computes it: the window's last sample minus its
            // first, as a rate in cores, over the whole window.
            """
            CREATE TEMP VIEW run_trials AS
            SELECT \(trialKey), t.run_order AS run_order, t.status AS status,
                   t.requests AS requests,
                   t.errors_connect + t.errors_read + t.errors_write + t.errors_status + t.errors_timeout AS errors,
                   t.errors_connect AS errors_connect, t.errors_read AS errors_read, t.errors_write AS errors_write,
                   t.errors_status AS errors_status, t.errors_timeout AS errors_timeout,
                   t.bytes AS bytes, t.duration_us / 1e6 AS duration_s,
                   CASE WHEN t.duration_us > 0 THEN t.requests * 1e6 / t.duration_us END AS rps,
                   (SELECT CASE WHEN max(s.t_ms) > min(s.t_ms) THEN
                        max(0, (SELECT e.cpu_user_ms + e.cpu_system_ms FROM main.resource_samples e
                                WHERE e.trial_id = t.id AND e.role = 'app' AND e.phase = 'window' ORDER BY e.t_ms DESC LIMIT 1)
                             - (SELECT b.cpu_user_ms + b.cpu_system_ms FROM main.resource_samples b
                                WHERE b.trial_id = t.id AND b.role = 'app' AND b.phase = 'window' ORDER BY b.t_ms LIMIT 1))
                        * 1.0 / (max(s.t_ms) - min(s.t_ms)) * t.duration_us / 1e6 END
                    FROM main.resource_samples s WHERE \(window)) AS app_cpu_s,
                   (SELECT max(s.rss_bytes) FROM main.resource_samples s WHERE \(window)) AS app_peak_rss_bytes,
                   t.busy AS busy, d.steady AS steady, d.unsteady_reason AS unsteady_reason, d.counted AS counted,
                   t.failure AS failure, t.started_at AS started_at, t.ended_at AS ended_at
            FROM \(runTrials) LEFT JOIN temp.\(verdictTable) d ON d.trial_id = t.id
            WHERE v.run_id = \(run) AND t.id NOT IN (SELECT trial_id FROM main.capacity_probes)
            """,
            """
            CREATE TEMP VIEW run_latency AS
            SELECT \(trialKey), l.latency_us / 1000.0 AS latency_ms, l.count AS count, d.counted AS counted
            FROM main.latency_samples l \(joined("l"))
                 LEFT JOIN temp.\(verdictTable) d ON d.trial_id = t.id
            WHERE v.run_id = \(run) AND t.id NOT IN (SELECT trial_id FROM main.capacity_probes)
            """,
            """
            CREATE TEMP VIEW run_timeline AS
            SELECT \(trialKey), i.start_us / 1e6 AS t_s, i.length_us / 1e6 AS length_s, i.start_us < 0 AS warmup,
                   i.requests AS requests,
                   i.errors_connect + i.errors_read + i.errors_write + i.errors_status + i.errors_timeout AS errors,
                   CASE WHEN i.length_us > 0 THEN i.requests * 1e6 / i.length_us END AS rps,
                   i.p50_us / 1000.0 AS p50_ms, i.p99_us / 1000.0 AS p99_ms, d.counted AS counted
            FROM main.trial_intervals i \(joined("i"))
                 LEFT JOIN temp.\(verdictTable) d ON d.trial_id = t.id
            WHERE v.run_id = \(run) AND t.id NOT IN (SELECT trial_id FROM main.capacity_probes)
            """,
            """
            CREATE TEMP VIEW run_resources AS
            SELECT \(trialKey), r.role AS role, r.phase AS phase, r.t_ms / 1000.0 AS t_s,
                   r.cpu_user_ms / 1000.0 AS cpu_user_s, r.cpu_system_ms / 1000.0 AS cpu_system_s, r.rss_bytes AS rss_bytes
            FROM main.resource_samples r \(joined("r"))
            WHERE v.run_id = \(run) AND t.id NOT IN (SELECT trial_id FROM main.capacity_probes)
            """,
            """
            CREATE TEMP VIEW run_cells AS
            SELECT v.name AS cell, COALESCE(v.variant, v.name) AS variant, v.position AS position,
                   c.setting AS setting, c.value AS level, c.label AS label
            FROM main.variants v LEFT JOIN main.cell_levels c ON c.variant_id = v.id
            WHERE v.run_id = \(run)
            """,
            """
            CREATE TEMP VIEW run_machine AS
            SELECT m.hostname AS hostname, m.cpu_model AS cpu_model, m.cpu_cores AS cpu_cores,
                   m.memory_bytes AS memory_bytes, m.kernel AS kernel, m.os AS os, m.cpu_governor AS cpu_governor
            FROM main.machines m JOIN main.runs r ON r.machine_id = m.id
            WHERE r.id = \(run)
            """,
            """
            CREATE TEMP VIEW run_hosts AS
            SELECT h.name AS host, h.roles AS roles, h.address AS address, m.hostname AS hostname,
                   m.cpu_model AS cpu_model, m.cpu_cores AS cpu_cores, m.memory_bytes AS memory_bytes,
                   h.load_rtt_avg_us / 1000.0 AS load_rtt_ms
            FROM main.run_hosts h JOIN main.machines m ON m.id = h.machine_id
            WHERE h.run_id = \(run)
            """,
            // A capacity search's probes (left out of the views above): where each ran in the
            // search, what it offered and served, and whether it kept the target.
            """
            CREATE TEMP VIEW run_probes AS
            SELECT \(trialKey), t.run_order AS run_order, p.stage AS stage, p.offered_rps AS offered_rps,
                   CASE WHEN t.duration_us > 0 THEN t.requests * 1e6 / t.duration_us END AS rps,
                   p.held AS held, t.status AS status, t.requests AS requests,
                   t.errors_connect + t.errors_read + t.errors_write + t.errors_status + t.errors_timeout AS errors
            FROM main.capacity_probes p \(joined("p"))
            WHERE v.run_id = \(run)
            """,
        ]
    }
}
