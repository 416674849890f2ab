import Foundation

extension ResultStore {
    /// The id of `machine`, recorded on first sight; later sightings refresh its facts.
    public func machineID(for machine: MachineInfo) throws -> Int64 {
        try guarded("record machine \(machine.hostname)") {
            let id = try database.firstRow(
                """
                INSERT INTO machines (fingerprint, hostname, cpu_model, cpu_cores, memory_bytes, kernel, os, cpu_governor)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (fingerprint) DO UPDATE SET
                    hostname = excluded.hostname, cpu_model = excluded.cpu_model,
                    cpu_cores = excluded.cpu_cores, memory_bytes = excluded.memory_bytes,
                    kernel = excluded.kernel, os = excluded.os, cpu_governor = excluded.cpu_governor
                RETURNING id
                """,
                machine.fingerprint, machine.hostname, machine.cpuModel, machine.cpuCores,
                machine.memoryBytes, machine.kernel, machine.os, machine.cpuGovernor
            ) { $0.int64(at: 0) }
            return id ?? database.lastInsertedRowID
        }
    }

    /// The machine stored under `id`, if any.
    public func machine(id: Int64) throws -> MachineInfo? {
        try guarded("read machine \(id)") {
            try database.firstRow(
                """
                SELECT fingerprint, hostname, cpu_model, cpu_cores, memory_bytes, kernel, os, cpu_governor
                FROM machines WHERE id = ?
                """, id
            ) { row in
                MachineInfo(
                    fingerprint: try row.requiredString(at: 0), hostname: try row.requiredString(at: 1),
                    cpuModel: try row.requiredString(at: 2), cpuCores: row.int(at: 3),
                    memoryBytes: row.int64(at: 4), kernel: try row.requiredString(at: 5),
                    os: try row.requiredString(at: 6), cpuGovernor: row.string(at: 7))
            }
        }
    }

    /// Stores a new run, status `running`, with its variants, in one transaction; returns
    /// them as stored (variants by position).
    public func createRun(_ run: NewRun, variants: [NewVariant]) throws -> (StoredRun, [StoredVariant]) {
        try guarded("record a new run of \(run.experiment)") {
            try database.transaction {
                try database.run(
                    """
                    INSERT INTO runs (experiment, definition_hash, definition_text, machine_id, started_at,
                        status, tool_version, project_commit, shuffle_seed, overrides_json, quick,
                        software_json, upstream_command_line)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    run.experiment, run.definitionHash, run.definitionText, run.machineID, run.startedAt,
                    RunStatus.running.rawValue, run.toolVersion, run.projectCommit,
                    Int64(bitPattern: run.shuffleSeed), run.overridesJSON, run.quick, run.softwareJSON,
                    run.upstreamCommandLine)
                let runID = database.lastInsertedRowID
                let insert = try database.prepare(
                    "INSERT INTO variants (run_id, name, position, config_json) VALUES (?, ?, ?, ?)")
                for variant in variants {
                    try insert.bind([runID, variant.name, variant.position, variant.configJSON])
                    try insert.run()
                }
                // Read back so the caller holds exactly what is stored (dates to the millisecond).
                guard let stored = try storedRun(id: runID) else {
                    throw SQLiteError(extendedCode: 0, message: "run \(runID) vanished after insert", sql: nil)
                }
                return (stored, try storedVariants(runID: runID))
            }
        }
    }

    /// The newest run of this definition on this machine, to resume or compare with.
    public func latestRun(experiment: String, definitionHash: String, machineID: Int64) throws -> StoredRun? {
        try guarded("look up the latest run of \(experiment)") {
            try database.firstRow(
                """
                SELECT \(StoredRun.columns) FROM runs
                WHERE experiment = ? AND definition_hash = ? AND machine_id = ?
                ORDER BY id DESC LIMIT 1
                """, experiment, definitionHash, machineID, decode: StoredRun.init(row:))
        }
    }

    /// The run stored under `id`, if any.
    public func run(id: Int64) throws -> StoredRun? {
        try guarded("read run \(id)") { try storedRun(id: id) }
    }

    /// The variants of run `runID`, by position.
    public func variants(runID: Int64) throws -> [StoredVariant] {
        try guarded("read the variants of run \(runID)") { try storedVariants(runID: runID) }
    }

    /// Marks run `id` as `status`; `finishedAt` nil clears the end time (a resumed run).
    public func setRunStatus(_ id: Int64, _ status: RunStatus, finishedAt: Date?) throws {
        try guarded("mark run \(id) \(status.rawValue)") {
            try database.run(
                "UPDATE runs SET status = ?, finished_at = ? WHERE id = ?", status.rawValue, finishedAt, id)
        }
        guard database.changes == 1 else {
            throw ReportgenError(
                .io, "cannot mark run \(id) \(status.rawValue): the store has no such run",
                at: SourceLocation(file: path.path(percentEncoded: false)))
        }
    }

    private func storedRun(id: Int64) throws -> StoredRun? {
        try database.firstRow(
            "SELECT \(StoredRun.columns) FROM runs WHERE id = ?", id, decode: StoredRun.init(row:))
    }

    private func storedVariants(runID: Int64) throws -> [StoredVariant] {
        try database.rows(
            "SELECT id, run_id, name, position, config_json FROM variants WHERE run_id = ? ORDER BY position, id",
            runID
        ) { row in
            StoredVariant(
                id: row.int64(at: 0), runID: row.int64(at: 1), name: try row.requiredString(at: 2),
                position: row.int(at: 3), configJSON: try row.requiredString(at: 4))
        }
    }
}

extension StoredRun {
    /// The `runs` columns `init(row:)` reads, in order, qualified so joins can use them.
    static let columns = """
        runs.id, runs.experiment, runs.definition_hash, runs.machine_id, runs.started_at, \
        runs.finished_at, runs.status, runs.shuffle_seed, runs.quick
        """

    /// Decodes the first columns of `row`, selected with `columns`.
    init(row: SQLiteStatement) throws {
        self.init(
            id: row.int64(at: 0), experiment: try row.requiredString(at: 1),
            definitionHash: try row.requiredString(at: 2), machineID: row.int64(at: 3),
            startedAt: try row.requiredDate(at: 4), finishedAt: try row.date(at: 5),
            status: try row.decoded(RunStatus.self, at: 6),
            shuffleSeed: UInt64(bitPattern: row.int64(at: 7)), quick: row.int64(at: 8) != 0)
    }
}
