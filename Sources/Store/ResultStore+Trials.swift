import Core
import Foundation
import LoadGen
import Records

extension ResultStore {
    /// Stores a finished trial with its latency distribution, generator percentiles and
    /// resource samples in one transaction: either all of it is stored or none. Returns the
    /// trial's id.
    @discardableResult
    public func recordTrial(_ trial: TrialRecord) throws -> Int64 {
        let key = trial.key
        let measured = trial.measurement
        let errors = measured.errors
        let conditions = trial.conditions
        return try guarded("record trial \(key.trialIndex) of variant \(key.variantID)") {
            try database.transaction {
                try database.run(
                    """
                    INSERT INTO trials (variant_id, trial_index, run_order, status, started_at, ended_at,
                        duration_us, requests, bytes, errors_connect, errors_read, errors_write,
                        errors_status, errors_timeout, command_line, failure, server_command_line,
                        log_tail, runner_cpu_us, load_average, memory_available_bytes, busy)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    key.variantID, key.trialIndex, key.runOrder, trial.status.rawValue,
                    trial.startedAt, trial.endedAt, measured.durationUs, measured.requests, measured.bytes,
                    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
                    trial.commands.load, trial.outcome.failure, trial.commands.server, trial.outcome.logTail,
                    conditions.runnerCPUUs, conditions.loadAverage, conditions.memoryAvailableBytes,
                    conditions.busy)
                let trialID = database.lastInsertedRowID

                // Typed binds on one reused statement: a trial can carry 100k buckets.
                let latency = try database.prepare(
                    "INSERT INTO latency_samples (trial_id, latency_us, count) VALUES (?, ?, ?)")
                try latency.bind(trialID, at: 1)
                for bucket in measured.latency {
                    try latency.bind(bucket.latencyUs, at: 2)
                    try latency.bind(bucket.count, at: 3)
                    try latency.run()
                }
                // The same rows packed, for reading (see PackedLatency).
                try database.run(
                    PackedLatency.insert, trialID, Int64(measured.latency.count), PackedLatency.encode(measured.latency))

                let percentile = try database.prepare(
                    "INSERT INTO generator_percentiles (trial_id, percentile, latency_us, note) VALUES (?, ?, ?, ?)")
                for (key, value) in measured.generatorPercentiles.sorted(by: { $0.key < $1.key }) {
                    try percentile.bind([trialID, key, value, measured.percentileNote ?? "as reported"])
                    try percentile.run()
                }

                let resource = try database.prepare(
                    """
                    INSERT INTO resource_samples (trial_id, t_ms, role, cpu_user_ms, cpu_system_ms, rss_bytes, phase)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
                for sample in trial.resources {
                    try resource.bind([
                        trialID, sample.tMs, sample.role.rawValue, sample.cpuUserMs, sample.cpuSystemMs,
                        sample.rssBytes, sample.phase.rawValue,
                    ])
                    try resource.run()
                }

                if let timeline = measured.timeline {
                    try recordTimeline(timeline, trialID: trialID)
                }
                if let probe = trial.probe {
                    try database.run(
                        "INSERT INTO capacity_probes (trial_id, stage, offered_rps, held) VALUES (?, ?, ?, ?)",
                        trialID, probe.stage.rawValue, probe.offeredRPS, probe.held)
                }

                if let log = measured.requestLog {
                    // From the window's start: a request sent in the warm-up starts before it.
                    let origin = measured.timeline?.warmupUs ?? 0
                    let request = try database.prepare(
                        """
                        INSERT INTO requests (trial_id, start_us, latency_us, status, bytes, connection)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """)
                    try request.bind(trialID, at: 1)
                    for sample in log {
                        try request.bind(Int64(sample.startUs) - origin, at: 2)
                        try request.bind(Int64(sample.latencyUs), at: 3)
                        try request.bind(Int64(sample.status), at: 4)
                        try request.bind(Int64(sample.bytes), at: 5)
                        try request.bind(Int64(sample.connection), at: 6)
                        try request.run()
                    }
                }
                return trialID
            }
        }
    }

    /// Writes a trial's timeline (inside `recordTrial`'s transaction).
    private func recordTimeline(_ timeline: Timeline, trialID: Int64) throws {
        try database.run(
            "INSERT INTO trial_timelines (trial_id, warmup_us, interval_us, in_flight_start, in_flight_end) VALUES (?, ?, ?, ?, ?)",
            trialID, timeline.warmupUs, timeline.intervalUs, timeline.inFlightAtStart, timeline.inFlightAtEnd)
        let interval = try database.prepare(
            """
            INSERT INTO trial_intervals (trial_id, start_us, length_us, requests, errors_connect, errors_read,
                errors_write, errors_status, errors_timeout, p50_us, p99_us)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for row in timeline.intervals {
            let e = row.errors
            try interval.bind([
                trialID, row.startUs, row.lengthUs, row.requests, e.connect, e.read, e.write, e.status, e.timeout,
                row.p50Us, row.p99Us,
            ])
            try interval.run()
        }
    }

    /// Which (cell, trial index) pairs of run `runID` are stored, to resume a run; capacity
    /// probes are not among them (see `capacityProbes`).
    public func storedTrials(runID: Int64) throws -> [StoredTrialKey] {
        try trialResults(runID: runID).map(\.key)
    }

    /// Each stored trial of run `runID` but its capacity probes, with the numbers that decide whether its cell
    /// needs more: its requests/s, whether its window held steady, and how long it took, by
    /// cell position and trial index.
    public func trialResults(runID: Int64) throws -> [StoredTrialResult] {
        let cells = Dictionary(uniqueKeysWithValues: try variants(runID: runID).map { ($0.id, $0.cell) })
        return try guarded("read the trials of run \(runID)") {
            let timelines = try timelines(runID: runID)
            return try database.rows(
                """
                SELECT trials.id, trials.variant_id, trials.trial_index, trials.run_order, trials.status, trials.requests,
                       trials.duration_us, trials.started_at, trials.ended_at
                FROM trials JOIN variants ON variants.id = trials.variant_id
                WHERE variants.run_id = ? AND trials.id NOT IN (SELECT trial_id FROM capacity_probes)
                ORDER BY variants.position, trials.trial_index
                """, runID
            ) { row in
                let durationUs = try row.int64("duration_us")
                let requests = try row.int64("requests")
                let variantID = try row.int64("variant_id")
                guard let cell = cells[variantID] else {
                    throw ReportgenError(.badStore, "a trial of run \(runID) names variant \(variantID), which the run lacks")
                }
                let status = try row.decoded(TrialStatus.self, "status")
                let verdict = status == .ok ? timelines[try row.int64("id")].map(SteadyState.judge) : nil
                return StoredTrialResult(
                    key: StoredTrialKey(cell: cell, trialIndex: try row.int("trial_index"), status: status),
                    runOrder: try row.int("run_order"),
                    requestsPerSecond: durationUs > 0 ? Double(requests) / (Double(durationUs) / 1e6) : nil,
                    wallSeconds: try row.requiredDate("ended_at").timeIntervalSince(try row.requiredDate("started_at")),
                    steady: verdict.flatMap { $0.judged ? $0.isSteady : nil })
            }
        }
    }
}

extension ResultStore {
    /// The median time a trial of `experiment` (nil: of any experiment) took beyond its
    /// measured window (start-up, warm-up, stop), over the latest 200 trials of full (not
    /// `--quick`) runs; nil when there are none.
    public func trialOverhead(experiment: String?) throws -> Double? {
        let values = try guarded("read how long earlier trials took") {
            try database.rows(
                """
                SELECT trials.started_at, trials.ended_at, trials.duration_us
                FROM trials JOIN variants ON variants.id = trials.variant_id JOIN runs ON runs.id = variants.run_id
                WHERE (runs.experiment = ?1 OR ?1 IS NULL) AND runs.quick = 0 AND runs.kind = 'measured' AND trials.status = 'ok'
                    AND trials.id NOT IN (SELECT trial_id FROM capacity_probes)
                ORDER BY trials.id DESC LIMIT 200
                """, experiment
            ) { row in
                try row.requiredDate("ended_at").timeIntervalSince(try row.requiredDate("started_at"))
                    - Double(try row.int64("duration_us")) / 1e6
            }
        }
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted[(sorted.count - 1) / 2]
    }
}
