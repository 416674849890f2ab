import Foundation

extension ResultStore {
    /// The newest run of `experiment` (any machine), preferring complete runs; nil if none.
    public func latestRun(experiment: String) throws -> StoredRun? {
        try guarded("find the latest run of \(experiment)") {
            try database.firstRow(
                """
                SELECT \(StoredRun.columns) FROM runs
                WHERE experiment = ? AND kind = '\(RunKind.measured.rawValue)'
                ORDER BY (status = 'complete') DESC, id DESC LIMIT 1
                """,
                experiment, decode: StoredRun.init(row:))
        }
    }

    /// Loads run `id` with all its trials and samples, for the report.
    public func loadRun(id: Int64) throws -> RunData {
        try guarded("load run \(id)") {
            let location = SourceLocation(file: path.path(percentEncoded: false))
            guard let run = try run(id: id) else {
                throw ReportgenError(
                    .badArgument, "the store has no run \(id)", at: location,
                    hint: "'reportgen list' shows the stored runs")
            }
            guard let machine = try machine(id: run.machineID) else {
                throw ReportgenError(.badStore, "run \(id) has no machine", at: location)
            }
            let provenance = try database.firstRow(
                """
                SELECT definition_text, tool_version, project_commit, overrides_json, software_json,
                       upstream_command_line, max_error_rate, precision_target, max_trials, time_budget_us, writeup_text
                FROM runs WHERE id = ?
                """, id
            ) { row in
                let overrides = try row.requiredString("overrides_json")
                let software = try row.requiredString("software_json")
                return RunData(
                    run: run, definitionText: try row.requiredString("definition_text"),
                    toolVersion: try row.requiredString("tool_version"), projectCommit: try row.string("project_commit"),
                    overridesJSON: overrides,
                    overrides: try StoreJSON.decode(RunOverrides.self, from: overrides, column: "runs.overrides_json"),
                    softwareJSON: software,
                    software: try StoreJSON.decode(SoftwareVersions.self, from: software, column: "runs.software_json"),
                    upstreamCommandLine: try row.requiredString("upstream_command_line"),
                    maxErrorRate: try row.optionalDouble("max_error_rate"),
                    precision: try row.optionalDouble("precision_target").map { target in
                        PrecisionTarget(
                            target: target, maxTrials: try row.optionalInt64("max_trials").map { Int($0) } ?? 0,
                            timeBudget: try row.optionalInt64("time_budget_us").map { .microseconds($0) })
                    },
                    writeupText: try row.string("writeup_text"), machine: machine, variants: [], trials: [])
            }
            guard var data = provenance else {
                throw ReportgenError(.badStore, "run \(id) vanished while it was read", at: location)
            }
            data.variants = try variants(runID: id)
            var trials = try database.rows(
                """
                SELECT t.* FROM trials t JOIN variants v ON v.id = t.variant_id
                WHERE v.run_id = ? ORDER BY t.run_order
                """, id
            ) { row in
                StoredTrial(id: try row.int64("id"), record: try TrialRecord(row: row))
            }
            var index: [Int64: Int] = [:]
            for (offset, trial) in trials.enumerated() { index[trial.id] = offset }

            // One pass per sample table, appending in place through `record` (a copy per row
            // would make reading quadratic). No ORDER BY on the samples: sorting millions of
            // rows in a temp b-tree was most of a render; a trial's rows come back in insertion
            // order (ascending latency as recorded), and the statistics sort what is not.
            let latency = try database.prepare(
                """
                SELECT s.trial_id, s.latency_us, s.count FROM latency_samples s
                JOIN trials t ON t.id = s.trial_id JOIN variants v ON v.id = t.variant_id
                WHERE v.run_id = ?
                """)
            try latency.bind(id, at: 1)
            // Columns are looked up by name once, not per row: a run holds millions of rows.
            let (latencyTrial, latencyUs, latencyCount) = (
                try latency.column("trial_id"), try latency.column("latency_us"), try latency.column("count"))
            while try latency.step() {
                if let offset = index[latency.int64(at: latencyTrial)] {
                    trials[offset].record.measurement.latency.append(
                        LatencyBucket(latencyUs: latency.int64(at: latencyUs), count: latency.int64(at: latencyCount)))
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
                if let offset = index[try percentiles.int64("trial_id")] {
                    trials[offset].record.measurement.generatorPercentiles[try percentiles.double("percentile")] =
                        try percentiles.double("latency_us")
                    trials[offset].record.measurement.percentileNote = try percentiles.string("note")
                }
            }
            let resources = try database.prepare(
                """
                SELECT r.trial_id, r.t_ms, r.role, r.cpu_user_ms, r.cpu_system_ms, r.rss_bytes, r.phase
                FROM resource_samples r JOIN trials t ON t.id = r.trial_id JOIN variants v ON v.id = t.variant_id
                WHERE v.run_id = ? ORDER BY r.trial_id, r.phase = 'window', r.t_ms, r.role
                """)
            try resources.bind(id, at: 1)
            while try resources.step() {
                if let offset = index[try resources.int64("trial_id")] {
                    trials[offset].record.resources.append(ResourceSample(
                        tMs: try resources.int64("t_ms"), phase: try resources.decoded(SamplePhase.self, "phase"),
                        role: try resources.decoded(ProcessRole.self, "role"),
                        cpuUserMs: try resources.int64("cpu_user_ms"), cpuSystemMs: try resources.int64("cpu_system_ms"),
                        rssBytes: try resources.int64("rss_bytes")))
                }
            }
            // Throughput over time is aggregated in SQL: a trial can hold millions of requests.
            let bins = try database.prepare(
                """
                SELECT r.trial_id, (r.start_us + r.latency_us) / \(StoredTrial.throughputBinUs) AS bin,
                       sum(r.status >= 100) AS answered
                FROM requests r JOIN trials t ON t.id = r.trial_id JOIN variants v ON v.id = t.variant_id
                WHERE v.run_id = ? GROUP BY 1, 2
                """)
            try bins.bind(id, at: 1)
            while try bins.step() {
                guard let offset = index[try bins.int64("trial_id")] else { continue }
                let durationUs = trials[offset].measurement.durationUs
                let binCount = Int((durationUs + StoredTrial.throughputBinUs - 1) / StoredTrial.throughputBinUs)
                let bin = Int(try bins.int64("bin"))
                var series = trials[offset].throughput ?? Array(repeating: 0, count: max(binCount, 1))
                if bin >= 0 && bin < series.count { series[bin] += try bins.int64("answered") }
                trials[offset].throughput = series
            }
            data.trials = trials
            return data
        }
    }
}

extension TrialRecord {
    /// A `trials` row (selected with `t.*` or by name), without its samples.
    init(row: SQLiteStatement) throws {
        let status = try row.decoded(TrialStatus.self, "status")
        self.init(
            key: TrialKey(
                variantID: try row.int64("variant_id"), trialIndex: try row.int("trial_index"),
                runOrder: try row.int("run_order")),
            startedAt: try row.requiredDate("started_at"), endedAt: try row.requiredDate("ended_at"),
            outcome: status == .ok
                ? .ok
                : .failed(reason: try row.string("failure") ?? "failed without a recorded reason", log: try row.string("log_tail")),
            measurement: LoadMeasurement(
                durationUs: try row.int64("duration_us"), requests: try row.int64("requests"),
                bytes: try row.int64("bytes"),
                errors: ErrorCounts(
                    connect: try row.int64("errors_connect"), read: try row.int64("errors_read"),
                    write: try row.int64("errors_write"), status: try row.int64("errors_status"),
                    timeout: try row.int64("errors_timeout")),
                latency: []),
            conditions: HostConditions(
                loadAverage: try row.optionalDouble("load_average"),
                memoryAvailableBytes: try row.optionalInt64("memory_available_bytes"),
                busy: try row.bool("busy"), runnerCPUUs: try row.int64("runner_cpu_us")),
            commands: TrialCommands(
                load: try row.requiredString("command_line"), server: try row.requiredString("server_command_line")))
    }
}
