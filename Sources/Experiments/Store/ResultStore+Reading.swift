import Foundation

extension ResultStore {
    /// The newest run of `experiment` (any machine), preferring complete runs; nil if none.
    public func latestRun(experiment: String) throws -> StoredRun? {
        try guarded("find the latest run of \(experiment)") {
            try database.firstRow(
                """
                SELECT \(StoredRun.columns) FROM runs
                WHERE experiment = ? AND kind = 'measured'
                ORDER BY (status = 'complete') DESC, id DESC LIMIT 1
                """,
                experiment, decode: StoredRun.init(row:))
        }
    }

    /// Loads run `id` with all its trials and samples, for the report.
    public func loadRun(id: Int64) throws -> RunData {
        try guarded("load run \(id)") {
            guard let run = try run(id: id) else {
                throw ReportgenError(
                    .badArgument, "the store has no run \(id)",
                    at: SourceLocation(file: path.path(percentEncoded: false)),
                    hint: "'reportgen list' shows the stored runs")
            }
            let details = try database.firstRow(
                """
                SELECT kind, definition_text, tool_version, project_commit, overrides_json,
                       software_json, upstream_command_line
                FROM runs WHERE id = ?
                """, id
            ) { row in
                (try row.requiredString(at: 0), try row.requiredString(at: 1), try row.requiredString(at: 2),
                 row.string(at: 3), try row.requiredString(at: 4), try row.requiredString(at: 5),
                 try row.requiredString(at: 6))
            }
            guard let details, let machine = try machine(id: run.machineID) else {
                throw ReportgenError(.badStore, "run \(id) has no machine", at: SourceLocation(file: path.path(percentEncoded: false)))
            }
            let variants = try variants(runID: id)
            var trials = try database.rows(
                """
                SELECT t.id, t.variant_id, t.trial_index, t.run_order, t.status, t.started_at, t.ended_at,
                       t.duration_us, t.requests, t.bytes, t.errors_connect, t.errors_read, t.errors_write,
                       t.errors_status, t.errors_timeout, t.command_line, t.server_command_line, t.failure,
                       t.log_tail, t.runner_cpu_us, t.load_average, t.memory_available_bytes, t.busy
                FROM trials t JOIN variants v ON v.id = t.variant_id
                WHERE v.run_id = ? ORDER BY t.run_order
                """, id
            ) { row in
                StoredTrial(
                    id: row.int64(at: 0), variantID: row.int64(at: 1), trialIndex: row.int(at: 2),
                    runOrder: row.int(at: 3), status: try row.decoded(TrialStatus.self, at: 4),
                    startedAt: try row.requiredDate(at: 5), endedAt: try row.requiredDate(at: 6),
                    durationUs: row.int64(at: 7), requests: row.int64(at: 8), bytes: row.int64(at: 9),
                    errorsConnect: row.int64(at: 10), errorsRead: row.int64(at: 11),
                    errorsWrite: row.int64(at: 12), errorsStatus: row.int64(at: 13),
                    errorsTimeout: row.int64(at: 14), commandLine: try row.requiredString(at: 15),
                    serverCommandLine: try row.requiredString(at: 16), failure: row.string(at: 17),
                    logTail: row.string(at: 18), runnerCPUUs: row.int64(at: 19),
                    loadAverage: row.optionalDouble(at: 20), memoryAvailableBytes: row.optionalInt64(at: 21),
                    latency: [], generatorPercentiles: [:], generatorPercentileNote: nil, resources: [],
                    busy: row.int64(at: 22) != 0)
            }
            var index: [Int64: Int] = [:]
            for (offset, trial) in trials.enumerated() { index[trial.id] = offset }

            // One pass per sample table. No ORDER BY on the samples: sorting millions of rows
            // in a temp b-tree was most of a render; a trial's rows come back in insertion
            // order (ascending latency as recorded), and the statistics sort what is not.
            let latency = try database.prepare(
                """
                SELECT s.trial_id, s.latency_us, s.count FROM latency_samples s
                JOIN trials t ON t.id = s.trial_id JOIN variants v ON v.id = t.variant_id
                WHERE v.run_id = ?
                """)
            try latency.bind(id, at: 1)
            while try latency.step() {
                if let offset = index[latency.int64(at: 0)] {
                    trials[offset].record.latency.append(LatencyBucket(latencyUs: latency.int64(at: 1), count: latency.int64(at: 2)))
                }
            }
            let percentiles = try database.prepare(
                """
                SELECT p.trial_id, p.percentile, p.latency_us, p.note FROM generator_percentiles p
                JOIN trials t ON t.id = p.trial_id JOIN variants v ON v.id = t.variant_id
                WHERE v.run_id = ?
                """)
            try percentiles.bind(id, at: 1)
            while try percentiles.step() {
                if let offset = index[percentiles.int64(at: 0)] {
                    trials[offset].record.generatorPercentiles[percentiles.double(at: 1)] = percentiles.double(at: 2)
                    trials[offset].generatorPercentileNote = percentiles.string(at: 3)
                }
            }
            let resources = try database.prepare(
                """
                SELECT r.trial_id, r.t_ms, r.role, r.cpu_user_ms, r.cpu_system_ms, r.rss_bytes FROM resource_samples r
                JOIN trials t ON t.id = r.trial_id JOIN variants v ON v.id = t.variant_id
                WHERE v.run_id = ? ORDER BY r.trial_id, r.t_ms, r.role
                """)
            try resources.bind(id, at: 1)
            while try resources.step() {
                if let offset = index[resources.int64(at: 0)] {
                    trials[offset].record.resources.append(ResourceSample(
                        tMs: resources.int64(at: 1), role: resources.string(at: 2) ?? "",
                        cpuUserMs: resources.int64(at: 3), cpuSystemMs: resources.int64(at: 4),
                        rssBytes: resources.int64(at: 5)))
                }
            }
            // Throughput over time is aggregated in SQL: a trial can hold millions of requests.
            let bins = try database.prepare(
                """
                SELECT r.trial_id, (r.start_us + r.latency_us) / \(StoredTrial.throughputBinUs), sum(r.status >= 100)
                FROM requests r JOIN trials t ON t.id = r.trial_id JOIN variants v ON v.id = t.variant_id
                WHERE v.run_id = ? GROUP BY 1, 2
                """)
            try bins.bind(id, at: 1)
            while try bins.step() {
                guard let offset = index[bins.int64(at: 0)] else { continue }
                let binCount = Int((trials[offset].durationUs + StoredTrial.throughputBinUs - 1) / StoredTrial.throughputBinUs)
                let bin = Int(bins.int64(at: 1))
                var series = trials[offset].throughput ?? Array(repeating: 0, count: max(binCount, 1))
                if bin >= 0 && bin < series.count { series[bin] += bins.int64(at: 2) }
                trials[offset].throughput = series
            }
            return RunData(
                run: run, kind: details.0, definitionText: details.1, toolVersion: details.2,
                projectCommit: details.3, overridesJSON: details.4, softwareJSON: details.5,
                upstreamCommandLine: details.6, machine: machine, variants: variants, trials: trials)
        }
    }
}
