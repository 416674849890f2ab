import Foundation
import LoadGen

extension ResultStore {
    /// Stores a finished trial with its latency distribution, generator percentiles and
    /// resource samples in one transaction: either all of it is stored or none. Returns the
    /// trial's id.
    @discardableResult
    public func recordTrial(_ trial: TrialRecord) throws -> Int64 {
        try guarded("record trial \(trial.trialIndex) of variant \(trial.variantID)") {
            try database.transaction {
                try database.run(
                    """
                    INSERT INTO trials (variant_id, trial_index, run_order, status, started_at, ended_at,
                        duration_us, requests, bytes, errors_connect, errors_read, errors_write,
                        errors_status, errors_timeout, command_line, failure, server_command_line,
                        log_tail, runner_cpu_us, load_average, memory_available_bytes, busy)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    trial.variantID, trial.trialIndex, trial.runOrder, trial.status.rawValue,
                    trial.startedAt, trial.endedAt, trial.durationUs, trial.requests, trial.bytes,
                    trial.errorsConnect, trial.errorsRead, trial.errorsWrite, trial.errorsStatus,
                    trial.errorsTimeout, trial.commandLine, trial.failure, trial.serverCommandLine,
                    trial.logTail, trial.runnerCPUUs, trial.loadAverage, trial.memoryAvailableBytes,
                    trial.busy)
                let trialID = database.lastInsertedRowID

                // Typed binds on one reused statement: a trial can carry 100k buckets.
                let latency = try database.prepare(
                    "INSERT INTO latency_samples (trial_id, latency_us, count) VALUES (?, ?, ?)")
                try latency.bind(trialID, at: 1)
                for bucket in trial.latency {
                    try latency.bind(bucket.latencyUs, at: 2)
                    try latency.bind(bucket.count, at: 3)
                    try latency.run()
                }

                let percentile = try database.prepare(
                    "INSERT INTO generator_percentiles (trial_id, percentile, latency_us, note) VALUES (?, ?, ?, ?)")
                let note = Self.percentileNote(commandLine: trial.commandLine)
                for (key, value) in trial.generatorPercentiles.sorted(by: { $0.key < $1.key }) {
                    try percentile.bind([trialID, key, value, note])
                    try percentile.run()
                }

                let resource = try database.prepare(
                    """
                    INSERT INTO resource_samples (trial_id, t_ms, role, cpu_user_ms, cpu_system_ms, rss_bytes)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """)
                for sample in trial.resources {
                    try resource.bind([
                        trialID, sample.tMs, sample.role, sample.cpuUserMs, sample.cpuSystemMs, sample.rssBytes,
                    ])
                    try resource.run()
                }

                if let log = trial.requestLog {
                    let request = try database.prepare(
                        """
                        INSERT INTO requests (trial_id, start_us, latency_us, status, bytes, connection)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """)
                    try request.bind(trialID, at: 1)
                    for sample in log {
                        try request.bind(Int64(sample.startUs), at: 2)
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

    /// Which (variant, trial index) pairs of run `runID` are stored, to resume a run.
    public func storedTrials(runID: Int64) throws -> [StoredTrialKey] {
        try guarded("read the trials of run \(runID)") {
            try database.rows(
                """
                SELECT variants.name, trials.trial_index, trials.status
                FROM trials JOIN variants ON variants.id = trials.variant_id
                WHERE variants.run_id = ?
                ORDER BY variants.position, trials.trial_index
                """, runID
            ) { row in
                StoredTrialKey(
                    variantName: try row.requiredString(at: 0), trialIndex: row.int(at: 1),
                    status: try row.decoded(TrialStatus.self, at: 2))
            }
        }
    }

    /// What a trial's generator percentiles are, for `generator_percentiles.note`. The
    /// record does not name its load generator, so it is read off the command line, where
    /// wrappers such as taskset may come first.
    static func percentileNote(commandLine: String) -> String {
        let programs = commandLine.split(separator: " ").map { $0.split(separator: "/").last.map(String.init) ?? "" }
        if let wrk = programs.first(where: { $0 == "wrk" || $0 == "wrk2" }) {
            return "\(wrk), coordinated-omission corrected"
        }
        if let index = programs.firstIndex(of: "reportgen"), programs.dropFirst(index + 1).first == "load" {
            return programs.contains("--rate")
                ? "reportgen load, every request, open loop: latency from each scheduled send time"
                : "reportgen load, every request, closed loop"
        }
        return "\(programs.first ?? "load generator"), as reported"
    }
}
