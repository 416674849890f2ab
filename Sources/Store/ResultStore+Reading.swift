import Core
import Definition
import Foundation
import Records

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
                let stored = try storedJSON(row, runID: id)
                return RunData(
                    run: run, definitionText: try row.requiredString("definition_text"),
                    toolVersion: try row.requiredString("tool_version"), projectCommit: try row.string("project_commit"),
                    overridesJSON: stored.overridesText, overrides: stored.overrides,
                    softwareJSON: stored.softwareText, software: stored.software,
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
            data.hosts = try runHosts(runID: id)
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

            var latency = try packedLatency(runID: id, trials: index)
            // The rows, for a trial whose blob is missing or does not decode.
            let unpacked = index.filter { _, offset in !latency.keys.contains(offset) }
            do {
                if !unpacked.isEmpty {
                    let read = try hasSampleIndex()
                        ? Self.readLatency(
                            try latencyRanges(trials: unpacked.sorted { $0.value < $1.value }.map { ($0.value, $0.key) }),
                            path: database.path)
                        : Self.scanLatency(trials: unpacked, path: database.path)
                    for (offset, buckets) in read { latency[offset] = buckets }
                }
            } catch let error as LatencyRowError {
                throw ReportgenError(
                    .badStore, error.message, at: SourceLocation(file: shownAs, keyPath: "latency_samples.count"),
                    hint: "the samples were changed outside reportgen; export the run again from the store it came from")
            }
            for (offset, buckets) in latency {
                trials[offset].record.measurement.latency = buckets
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
            try readTimelines(runID: id, into: &trials, index: index)
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
            // A capacity search's probes are kept apart: the statistics are of measured trials.
            let roles = try probeRoles(runID: id)
            if !roles.isEmpty {
                data.probes = trials.compactMap { trial in roles[trial.id].map { CapacityProbe(trial: trial, role: $0) } }
                trials.removeAll { roles[$0.id] != nil }
                data.capacitySearch = try capacitySearch(runID: id)
                guard data.capacitySearch != nil else {
                    throw ReportgenError(
                        .badStore, "run \(id) has capacity probes but no capacity search (capacity_searches has no row for it)",
                        at: location,
                        hint: "the store was changed outside reportgen; export the run again from the store it came from")
                }
            }
            data.trials = trials
            return data
        }
    }
}

extension ResultStore {
    /// The timelines of run `runID`'s trials (`index`: trial id to offset in `trials`).
    private func readTimelines(runID: Int64, into trials: inout [StoredTrial], index: [Int64: Int]) throws {
        for (trialID, timeline) in try timelines(runID: runID) {
            guard let offset = index[trialID] else { continue }
            trials[offset].record.measurement.timeline = timeline
        }
    }

    /// The timelines of run `runID`'s trials, by trial id; a trial stored before timelines
    /// has none.
    func timelines(runID: Int64) throws -> [Int64: Timeline] {
        let ofRun = "JOIN trials t ON t.id = x.trial_id JOIN variants v ON v.id = t.variant_id WHERE v.run_id = ?"
        var found: [Int64: Timeline] = [:]
        let timelines = try database.prepare(
            "SELECT x.trial_id, x.warmup_us, x.interval_us, x.in_flight_start, x.in_flight_end FROM trial_timelines x \(ofRun)")
        try timelines.bind(runID, at: 1)
        while try timelines.step() {
            found[try timelines.int64("trial_id")] = Timeline(
                warmupUs: try timelines.int64("warmup_us"), intervalUs: try timelines.int64("interval_us"),
                inFlightAtStart: try timelines.optionalInt64("in_flight_start"),
                inFlightAtEnd: try timelines.optionalInt64("in_flight_end"), intervals: [])
        }
        let intervals = try database.prepare(
            """
            SELECT x.trial_id, x.start_us, x.length_us, x.requests, x.errors_connect, x.errors_read, x.errors_write,
                   x.errors_status, x.errors_timeout, x.p50_us, x.p99_us
            FROM trial_intervals x \(ofRun) ORDER BY x.trial_id, x.start_us
            """)
        try intervals.bind(runID, at: 1)
        while try intervals.step() {
            let trialID = try intervals.int64("trial_id")
            guard found[trialID] != nil else { continue }
            found[trialID]?.intervals.append(TrialInterval(
                startUs: try intervals.int64("start_us"), lengthUs: try intervals.int64("length_us"),
                requests: try intervals.int64("requests"),
                errors: try ErrorCounts(row: intervals),
                p50Us: try intervals.optionalInt64("p50_us"), p99Us: try intervals.optionalInt64("p99_us")))
        }
        return found
    }

    /// The JSON columns of a `runs` row (selected with `overrides_json` and `software_json`),
    /// as stored and as read.
    func storedJSON(_ row: SQLiteStatement, runID: Int64) throws -> (
        overridesText: String, overrides: RunOverrides, softwareText: String, software: SoftwareVersions
    ) {
        let overrides = try row.requiredString("overrides_json")
        let software = try row.requiredString("software_json")
        return (
            overrides, try decodeJSON(RunOverrides.self, overrides, column: "runs.overrides_json", row: "run \(runID)"),
            software, try decodeJSON(SoftwareVersions.self, software, column: "runs.software_json", row: "run \(runID)"))
    }

    /// Decodes the JSON columns of every run, as reading it for a report would: a file from
    /// elsewhere holding a value this build cannot read is refused before anything is merged.
    func checkJSONColumns() throws {
        try guarded("read the runs of \(shownAs)") {
            for id in try database.rows("SELECT id FROM runs ORDER BY id", decode: { $0.int64(at: 0) }) {
                _ = try database.firstRow("SELECT overrides_json, software_json FROM runs WHERE id = ?", id) {
                    try storedJSON($0, runID: id)
                }
                _ = try storedVariants(runID: id)
                _ = try runHosts(runID: id)
            }
        }
    }
}

extension ErrorCounts {
    /// The `errors_connect` … `errors_timeout` columns of a `trials` or `trial_intervals` row.
    init(row: SQLiteStatement) throws {
        self.init(
            connect: try row.int64("errors_connect"), read: try row.int64("errors_read"),
            write: try row.int64("errors_write"), status: try row.int64("errors_status"),
            timeout: try row.int64("errors_timeout"))
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
                errors: try ErrorCounts(row: row),
                latency: []),
            conditions: HostConditions(
                loadAverage: try row.optionalDouble("load_average"),
                memoryAvailableBytes: try row.optionalInt64("memory_available_bytes"),
                busy: try row.bool("busy"), runnerCPUUs: try row.int64("runner_cpu_us")),
            commands: TrialCommands(
                load: try row.requiredString("command_line"), server: try row.requiredString("server_command_line")))
    }
}

extension ResultStore {
    /// The definition text run `id` was measured with, without reading its samples; nil when
    /// the store has no such run.
    public func definitionText(ofRun id: Int64) throws -> String? {
        try guarded("read the definition of run \(id)") {
            try database.firstRow("SELECT definition_text FROM runs WHERE id = ?", id) { $0.string(at: 0) } ?? nil
        }
    }
}

/// A latency row the reader refuses: a negative count or latency, or counts summing past
/// what a window holds (`ValueRange.windowCount`).
struct LatencyRowError: Error {
    var trialID: Int64
    var count: Int64
    var latencyUs: Int64
    var total: Int64

    var message: String {
        "trial \(trialID) holds a latency row of \(count) requests at \(latencyUs) µs"
            + (count >= 0 && latencyUs >= 0 ? ", making its requests more than a window can hold (\(total) counted so far)" : "")
    }
}

/// The one check every latency row read passes, for this machine's store as for a file from
/// elsewhere: what the statistics sum is then known to be in range.
struct LatencyTally {
    var trialID: Int64
    var total: Int64 = 0

    init(trialID: Int64) {
        self.trialID = trialID
    }

    mutating func add(_ bucket: LatencyBucket) throws {
        total = total.saturatingAdd(bucket.count)
        guard bucket.count >= 0, bucket.latencyUs >= 0, total <= Int64(ValueRange.windowCount) else {
            throw LatencyRowError(trialID: trialID, count: bucket.count, latencyUs: bucket.latencyUs, total: total)
        }
    }
}

/// Where one trial's latency rows lie in `latency_samples`: the first and last row id.
struct LatencyRange: Sendable {
    var offset: Int
    var trialID: Int64
    var first: Int64
    var last: Int64
    /// How many row ids the range spans (not how many rows it holds: another trial's may lie
    /// between), held at Int64.max for a range no store could hold.
    var rows: Int64 { last.subtractingReportingOverflow(first).partialValue.saturatingAdd(1) }
}

extension ResultStore {
    /// Each trial's rows were written in one transaction, so they lie in one run of row ids:
    /// the index gives its first and last, and a scan of that range reads them in storage
    /// order with none of the per-row index lookups a join costs (that was most of a
    /// render). Two subqueries, since SQLite answers a lone min() or max() from the index in
    /// one step but both in one SELECT walk every index entry of the trial.
    func latencyRanges(trials: [(offset: Int, trialID: Int64)]) throws -> [LatencyRange] {
        let bounds = try database.prepare(
            """
            SELECT (SELECT min(rowid) FROM latency_samples WHERE trial_id = ?1),
                   (SELECT max(rowid) FROM latency_samples WHERE trial_id = ?1)
            """)
        var ranges: [LatencyRange] = []
        for (offset, trialID) in trials {
            try bounds.reset()
            try bounds.bind(trialID, at: 1)
            guard try bounds.step(), !bounds.isNull(at: 0) else { continue }
            ranges.append(LatencyRange(offset: offset, trialID: trialID, first: bounds.int64(at: 0), last: bounds.int64(at: 1)))
        }
        return ranges
    }

    /// Reads the ranges' rows on two connections of their own at once (a run holds millions
    /// of rows; decoding them is the largest part of a render), each taking half the rows.
    /// Rows of another trial inside a range (two runs writing to one store at once) are
    /// skipped. No ORDER BY: a trial's rows come back in insertion order (ascending latency
    /// as recorded), and the statistics sort what is not.
    static func readLatency(_ ranges: [LatencyRange], path: String) throws -> [(Int, [LatencyBucket])] {
        let total = ranges.reduce(Int64(0)) { $0.saturatingAdd($1.rows) }
        var split = 0
        var running: Int64 = 0
        while split < ranges.count, running < total - total / 2 {
            running = running.saturatingAdd(ranges[split].rows)
            split += 1
        }
        let halves = [Array(ranges[..<split]), Array(ranges[split...])].filter { !$0.isEmpty }
        return try halves.concurrentMap { half in
            try SQLiteDatabase.withConnection(path: path, mode: .readOnly) { connection in
                // Pages mapped, not copied through read(): the scan touches every one once.
                _ = try connection.rows("PRAGMA mmap_size = 1073741824") { $0.int64(at: 0) }
                return try readLatency(half, connection: connection)
            }
        }.flatMap { $0 }
    }

    /// The decoded blobs (see `PackedLatency`) of run `runID`'s trials, by the trial's offset
    /// in `trials` (trial id → offset), decoded on all cores; a trial without a blob that
    /// decodes whole is left out, for its rows to be read.
    func packedLatency(runID: Int64, trials: [Int64: Int]) throws -> [Int: [LatencyBucket]] {
        let blobs = try database.rows(
            """
            SELECT h.trial_id, h.buckets, h.packed FROM latency_histograms h
            JOIN trials t ON t.id = h.trial_id JOIN variants v ON v.id = t.variant_id
            WHERE v.run_id = ? AND typeof(h.packed) = 'blob'
            """, runID
        ) { (trialID: $0.int64(at: 0), buckets: $0.int64(at: 1), packed: $0.data(at: 2) ?? Data()) }
        let decoded = blobs.concurrentMap { blob in
            (blob.trialID, PackedLatency.decode(blob.packed, expected: blob.buckets, trialID: blob.trialID))
        }
        var latency: [Int: [LatencyBucket]] = [:]
        for case let (trialID, buckets?) in decoded {
            if let offset = trials[trialID] { latency[offset] = buckets }
        }
        return latency
    }

    /// Whether `latency_samples` has its index by trial: an xz export read in place (the
    /// shipped reference, say) has none, and finding each trial's rows would then scan the
    /// whole table once per trial.
    func hasSampleIndex() throws -> Bool {
        try database.firstRow(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'latency_samples_by_trial'"
        ) { $0.int64(at: 0) } == 1
    }

    /// Reads the rows of the trials `trials` (trial id → offset) with one scan of the whole
    /// table (see `scanLatencyRows`), each trial's checked by `LatencyTally`: what a store
    /// without the sample index is read with, since it holds one run's samples (an export).
    static func scanLatency(trials: [Int64: Int], path: String) throws -> [(Int, [LatencyBucket])] {
        let read = try scanLatencyRows(trials: Set(trials.keys), path: path)
        var result: [(Int, [LatencyBucket])] = []
        for (trialID, offset) in trials.sorted(by: { $0.value < $1.value }) {
            let buckets = read[trialID] ?? []
            var tally = LatencyTally(trialID: trialID)
            for bucket in buckets { try tally.add(bucket) }
            result.append((offset, buckets))
        }
        return result
    }

    /// The rows of the trials `trials`, unchecked, by trial id, from one scan of the whole
    /// table in two halves of row ids on two connections at once (the scan reads each row
    /// once, in storage order, where a trial's rows lie together).
    static func scanLatencyRows(trials: Set<Int64>, path: String) throws -> [Int64: [LatencyBucket]] {
        let bounds = try SQLiteDatabase.withConnection(path: path, mode: .readOnly) { connection in
            // Two subqueries: each is one step down the table's tree, both in one SELECT a scan.
            try connection.firstRow("SELECT (SELECT min(rowid) FROM latency_samples), (SELECT max(rowid) FROM latency_samples)") { row in
                row.isNull(at: 0) ? nil : (first: row.int64(at: 0), last: row.int64(at: 1))
            } ?? nil
        }
        guard let bounds else { return [:] }
        let middle = bounds.first + (bounds.last - bounds.first) / 2
        let halves = [(bounds.first, middle), (middle + 1, bounds.last)].filter { $0.0 <= $0.1 }
        let read = try halves.concurrentMap { half in
            try SQLiteDatabase.withConnection(path: path, mode: .readOnly) { connection -> [Int64: [LatencyBucket]] in
                _ = try connection.rows("PRAGMA mmap_size = 1073741824") { $0.int64(at: 0) }
                let latency = try connection.prepare(
                    "SELECT trial_id, latency_us, count FROM latency_samples WHERE rowid BETWEEN ? AND ?")
                try latency.bind(half.0, at: 1)
                try latency.bind(half.1, at: 2)
                var byTrial: [Int64: [LatencyBucket]] = [:]
                // A trial's rows lie together: collect a run of them before touching the dictionary.
                var current: Int64?
                var buckets: [LatencyBucket] = []
                while try latency.step() {
                    let trialID = latency.int64(at: 0)
                    if trialID != current {
                        if let current { byTrial[current, default: []] += buckets }
                        current = trials.contains(trialID) ? trialID : nil
                        buckets = []
                        if current == nil { continue }
                    }
                    guard current != nil else { continue }
                    buckets.append(LatencyBucket(latencyUs: latency.int64(at: 1), count: latency.int64(at: 2)))
                }
                if let current { byTrial[current, default: []] += buckets }
                return byTrial
            }
        }
        return read.reduce(into: [:]) { merged, half in
            for (trialID, buckets) in half { merged[trialID, default: []] += buckets }
        }
    }

    private static func readLatency(_ ranges: [LatencyRange], connection: SQLiteDatabase) throws -> [(Int, [LatencyBucket])] {
        let latency = try connection.prepare(
            "SELECT trial_id, latency_us, count FROM latency_samples WHERE rowid BETWEEN ? AND ?")
        var read: [(Int, [LatencyBucket])] = []
        for range in ranges {
            try latency.reset()
            try latency.bind(range.first, at: 1)
            try latency.bind(range.last, at: 2)
            var buckets: [LatencyBucket] = []
            // Row ids far apart (rows deleted, another trial's between) are no reason to
            // allocate for all of them.
            buckets.reserveCapacity(Int(min(range.rows, 1 << 22)))
            var tally = LatencyTally(trialID: range.trialID)
            while try latency.step() {
                guard latency.int64(at: 0) == range.trialID else { continue }
                let bucket = LatencyBucket(latencyUs: latency.int64(at: 1), count: latency.int64(at: 2))
                try tally.add(bucket)
                buckets.append(bucket)
            }
            read.append((range.offset, buckets))
        }
        return read
    }
}
