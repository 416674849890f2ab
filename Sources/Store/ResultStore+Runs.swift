import Core
import Definition
import Foundation
import Records

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
                    fingerprint: try row.requiredString("fingerprint"), hostname: try row.requiredString("hostname"),
                    cpuModel: try row.requiredString("cpu_model"), cpuCores: try row.int("cpu_cores"),
                    memoryBytes: try row.int64("memory_bytes"), kernel: try row.requiredString("kernel"),
                    os: try row.requiredString("os"), cpuGovernor: try row.string("cpu_governor"))
            }
        }
    }

    /// Stores a new run, status `running`, with its variants, in one transaction; returns
    /// them as stored (variants by position).
    public func createRun(_ run: NewRun, variants: [NewVariant]) throws -> (StoredRun, [StoredVariant]) {
        let overrides = try StoreJSON.encode(run.overrides)
        let software = try StoreJSON.encode(run.software)
        let configs = try variants.map { try StoreJSON.encode($0.config) }
        let cpus = try run.hosts.map { $0.cpus.isEmpty ? nil : try StoreJSON.encode($0.cpus) }
        return try guarded("record a new run of \(run.experiment)") {
            try database.transaction {
                try database.run(
                    """
                    INSERT INTO runs (experiment, definition_hash, definition_text, machine_id, started_at,
                        status, tool_version, project_commit, shuffle_seed, overrides_json, quick,
                        software_json, upstream_command_line, max_error_rate, precision_target, max_trials, time_budget_us,
                        writeup_text, store_uid)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT uid FROM store_identity))
                    """,
                    run.experiment, run.definitionHash, run.definitionText, run.machineID, run.startedAt,
                    RunStatus.running.rawValue, run.toolVersion, run.projectCommit,
                    Int64(bitPattern: run.shuffleSeed), overrides, run.overrides.quick, software,
                    run.upstreamCommandLine, run.maxErrorRate, run.precision?.target, run.precision.map { Int64($0.maxTrials) },
                    run.precision?.timeBudget?.microseconds, run.writeupText)
                let runID = database.lastInsertedRowID
                for (host, cpus) in zip(run.hosts, cpus) {
                    let machineID = try self.machineID(for: host.machine)
                    try database.run(
                        """
                        INSERT INTO run_hosts (run_id, name, machine_id, ssh, address, roles, cpus_json, clock_offset_us,
                            clock_probe_rtt_us, load_rtt_min_us, load_rtt_avg_us)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                        runID, host.name, machineID, host.ssh, host.address, host.roles.map(\.rawValue).joined(separator: ","),
                        cpus, host.clockOffset?.offsetUs, host.clockOffset?.roundTripUs,
                        host.loadToAppRoundTrip?.minUs, host.loadToAppRoundTrip?.avgUs)
                }
                let insert = try database.prepare(
                    "INSERT INTO variants (run_id, name, position, config_json, variant) VALUES (?, ?, ?, ?, ?)")
                let insertLevel = try database.prepare(
                    "INSERT INTO cell_levels (variant_id, setting, value, label) VALUES (?, ?, ?, ?)")
                for (variant, config) in zip(variants, configs) {
                    try insert.bind([runID, variant.cell.description, variant.position, config, variant.cell.variant])
                    try insert.run()
                    let variantID = database.lastInsertedRowID
                    for level in variant.cell.levels {
                        try insertLevel.bind([variantID, level.setting.rawValue, level.value, level.label])
                        try insertLevel.run()
                    }
                }
                // Read back so the caller holds exactly what is stored (dates to the millisecond).
                guard let stored = try storedRun(id: runID) else {
                    throw ReportgenError(.io, "run \(runID) could not be read back after it was stored", at: SourceLocation(file: path.path(percentEncoded: false)))
                }
                return (stored, try storedVariants(runID: runID))
            }
        }
    }

    /// The hosts run `runID`'s roles ran on, `local` first; empty for runs stored before
    /// hosts were recorded.
    public func runHosts(runID: Int64) throws -> [RunHost] {
        try guarded("read the hosts of run \(runID)") {
            try database.rows(
                """
                SELECT h.name, h.ssh, h.address, h.roles, h.cpus_json, h.clock_offset_us, h.clock_probe_rtt_us,
                    h.load_rtt_min_us, h.load_rtt_avg_us, h.machine_id
                FROM run_hosts h WHERE h.run_id = ? ORDER BY h.ssh IS NOT NULL, h.rowid
                """, runID
            ) { row in
                let machineID = try row.int64("machine_id")
                guard let machine = try self.machine(id: machineID) else {
                    throw ReportgenError(.badStore, "run \(runID)'s host names machine \(machineID), which the store lacks")
                }
                var offset: ClockOffset?
                if let value = try row.optionalInt64("clock_offset_us") {
                    offset = ClockOffset(offsetUs: value, roundTripUs: try row.optionalInt64("clock_probe_rtt_us") ?? 0)
                }
                var trip: RoundTrip?
                if let low = try row.optionalInt64("load_rtt_min_us"), let avg = try row.optionalInt64("load_rtt_avg_us") {
                    trip = RoundTrip(minUs: low, avgUs: avg)
                }
                let name = try row.requiredString("name")
                let which = "run \(runID), host '\(name)'"
                let roles = try row.requiredString("roles").split(separator: ",").map { role in
                    guard let known = ProcessRole(rawValue: String(role)) else {
                        throw ReportgenError(
                            .badStore, "\(which) names a role this build does not know: \(String(role).quoted)",
                            at: SourceLocation(file: shownAs, keyPath: "run_hosts.roles"), hint: "upgrade reportgen to read this run")
                    }
                    return known
                }
                return RunHost(
                    name: name, machine: machine, ssh: try row.string("ssh"), address: try row.requiredString("address"), roles: roles,
                    cpus: try row.string("cpus_json").map { try decodeJSON([ProcessRole: CPUSet].self, $0, column: "run_hosts.cpus_json", row: which) } ?? [:],
                    clockOffset: offset, loadToAppRoundTrip: trip)
            }
        }
    }

    /// The newest run of this definition on this machine's fingerprint, whoever measured it:
    /// an imported run from an identical machine included (see `latestOwnRun`).
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

    func storedVariants(runID: Int64) throws -> [StoredVariant] {
        var levels: [Int64: [SweepLevel]] = [:]
        _ = try database.rows(
            """
            SELECT l.variant_id, l.setting, l.value FROM cell_levels l JOIN variants v ON v.id = l.variant_id
            WHERE v.run_id = ?
            """, runID
        ) { row -> Void in
            let setting = try row.requiredString("setting")
            guard let swept = SweptSetting(rawValue: setting) else {
                throw ReportgenError(
                    .badStore, "cell_levels names a setting this build does not know: \(setting.quoted)",
                    hint: "upgrade reportgen to read this run")
            }
            levels[try row.int64("variant_id"), default: []].append(SweepLevel(setting: swept, value: try row.double("value")))
        }
        return try database.rows(
            "SELECT id, run_id, name, position, config_json, variant FROM variants WHERE run_id = ? ORDER BY position, id",
            runID
        ) { row in
            let config = try row.requiredString("config_json")
            let id = try row.int64("id")
            let name = try row.requiredString("name")
            // Rows stored before sweeps have no variant: their name is the variant's.
            let cell = CellID.stored(variant: try row.string("variant") ?? name, levels: levels[id] ?? [], shownAs: name)
            return StoredVariant(
                id: id, runID: try row.int64("run_id"), cell: cell, name: name, position: try row.int("position"),
                configJSON: config,
                config: try decodeJSON(VariantConfig.self, config, column: "variants.config_json", row: "run \(runID), variant '\(name)'"))
        }
    }
}

extension StoredRun {
    /// The `runs` columns `init(row:)` reads, qualified so joins can use them and named so
    /// the row reads them by name.
    static let columns = ["id", "experiment", "definition_hash", "machine_id", "started_at", "finished_at", "status", "kind", "shuffle_seed", "quick", "uid"]
        .map { "runs.\($0) AS \($0)" }.joined(separator: ", ")

    /// Decodes a row selected with `columns`.
    init(row: SQLiteStatement) throws {
        self.init(
            id: try row.int64("id"), experiment: try row.requiredString("experiment"),
            definitionHash: try row.requiredString("definition_hash"), machineID: try row.int64("machine_id"),
            startedAt: try row.requiredDate("started_at"), finishedAt: try row.date("finished_at"),
            status: try row.decoded(RunStatus.self, "status"), kind: try row.decoded(RunKind.self, "kind"),
            shuffleSeed: UInt64(bitPattern: try row.int64("shuffle_seed")), quick: try row.bool("quick"),
            uid: try row.string("uid") ?? "")
    }
}
