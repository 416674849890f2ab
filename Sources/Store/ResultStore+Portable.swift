import CSQLite
import Core
import Foundation

extension ResultStore {
    /// Writes run `id` into a new, self-contained results file at `file`: the run, its
    /// machine, variants, trials with every sample, and its published rows; for a measured
    /// run, also the newest published run of its experiment. A `file` named `*.xz` is
    /// written xz-compressed. The file is a
    /// store of this build's schema that `importRuns(from:)` merges elsewhere. An existing
    /// `file` is refused, never replaced; a failure leaves no file behind.
    @discardableResult
    public func exportRun(id: Int64, to file: URL) throws -> ExportSummary {
        let location = SourceLocation(file: DisplayPath.of(file))
        guard try run(id: id) != nil else {
            throw ReportgenError(
                .badArgument, "the store has no run \(id)", at: SourceLocation(file: path.path(percentEncoded: false)),
                hint: "'reportgen list' shows the stored runs")
        }
        guard !FileManager.default.fileExists(atPath: file.path(percentEncoded: false)) else {
            throw ReportgenError(
                .badArgument, "the file already exists", at: location,
                hint: "export writes a new file and never replaces one: remove it or pass another -o")
        }
        let folder = file.deletingLastPathComponent()
        let partial = folder.appendingPathComponent(".\(file.lastPathComponent).partial-\(UUID().uuidString.prefix(8))")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            // A plain rollback journal, not WAL: the result is one file with nothing beside it.
            try SQLiteDatabase.withConnection(path: partial.path(percentEncoded: false), StoreSchema.migrate)
        } catch let error as SQLiteError {
            try? FileManager.default.removeItem(at: partial)
            throw ReportgenError(.io, "cannot create the export file", at: location, underlying: error)
        } catch {
            throw ReportgenError(.io, "cannot create the export file", at: location, underlying: error)
        }
        defer { try? FileManager.default.removeItem(at: partial) }

        let summary: ExportSummary = try guarded("export run \(id)") {
            try withAttached(partial, as: "portable") {
                // A deferred transaction: reading this store takes no write lock, so a run that
                // is measuring into it can go on storing trials meanwhile.
                try database.transaction(.deferred) {
                    let copier = RowCopier(database: database, from: "main", to: "portable")
                    let exported = try portableRun(schema: "main", id: id)
                    // The published table the run's report sets it beside travels with it, so
                    // the file renders and compares the same away from the experiment folder.
                    var published: PortableRun?
                    if exported.kind == .measured, let baseline = try database.firstRow(
                        "SELECT id FROM main.runs WHERE experiment = ? AND kind = ? ORDER BY id DESC LIMIT 1",
                        exported.experiment, RunKind.published.rawValue, decode: { $0.int64(at: 0) })
                    {
                        _ = try copier.copyRun(baseline, machineID: try copier.copyMachine(ofRun: baseline))
                        published = try portableRun(schema: "main", id: baseline)
                    }
                    let copy = try copier.copyRun(id, machineID: try copier.copyMachine(ofRun: id))
                    return ExportSummary(
                        file: file, run: exported, publishedRun: published,
                        variants: copy.variants, trials: copy.trials, latencyRows: copy.latencyRows)
                }
            }
        }
        do {
            if Compression.isXZ(file) {
                // The sample indexes double the file, and the packed latency adds a third to it
                // (1.9 of 7 MB for the reference), for nothing a reader does not rebuild: every
                // copy of a file from elsewhere packs its rows again, never reading its blobs.
                try SQLiteDatabase.withConnection(path: partial.path(percentEncoded: false)) { export in
                    try export.execute(
                        "DROP INDEX latency_samples_by_trial; DROP INDEX resource_samples_by_trial; DELETE FROM latency_histograms; VACUUM")
                }
                let packed = try Compression.packXZ(partial)
                defer { try? FileManager.default.removeItem(at: packed) }
                try FileManager.default.moveItem(at: packed, to: file)
            } else {
                try FileManager.default.moveItem(at: partial, to: file)
            }
        } catch let error as ReportgenError {
            throw error
        } catch {
            throw ReportgenError(
                .io, "cannot move the finished export into place", at: location,
                hint: "check that the folder is writable and that no file of that name appeared meanwhile",
                underlying: error)
        }
        return summary
    }

    /// Merges every run of the results file `file` into this store, in one transaction. A run
    /// is known by its stable identity (`runs.uid`) and must bring the content the store holds
    /// under it: the same content is left as it is, so importing a file twice keeps one copy;
    /// other content is a conflict that refuses the whole file (see `RunDigest`). Every run
    /// added is recorded as imported, never to be continued by `build`. Machines merge by fingerprint; a known
    /// machine keeps its stored facts. `file` is never written to; a file that is not a
    /// reportgen store, or is from a newer schema, is refused before this store is touched.
    public func importRuns(from file: URL) throws -> ImportOutcome {
        try Self.withSnapshot(of: file, importRuns(from:))
    }

    /// Merges the runs of an already taken snapshot; see `importRuns(from: URL)`. A run whose
    /// stored JSON this build cannot read is refused before this store is touched.
    public func importRuns(from snapshot: StoreSnapshot) throws -> ImportOutcome {
        try snapshot.checkReadable()
        let incoming = snapshot.store.path
        return try guarded("import \(DisplayPath.of(snapshot.source))") {
            try withAttached(incoming, as: "portable") {
                try database.transaction {
                    var outcome = ImportOutcome()
                    let copier = RowCopier(database: database, from: "portable", to: "main")
                    let runs = try database.rows("SELECT id, uid FROM portable.runs ORDER BY id") {
                        (try $0.int64("id"), try $0.string("uid"))
                    }
                    for (sourceID, uid) in runs {
                        if let uid, let existing = try database.firstRow(
                            "SELECT id FROM main.runs WHERE uid = ?", uid, decode: { $0.int64(at: 0) })
                        {
                            try requireSameContent(
                                incomingID: sourceID, schema: "portable", uid: uid, storedID: existing, file: snapshot.source)
                            outcome.alreadyPresent.append(try portableRun(schema: "main", id: existing))
                            continue
                        }
                        let before = try database.firstRow("SELECT count(*) FROM main.machines") { $0.int64(at: 0) } ?? 0
                        let machineID = try copier.copyMachine(ofRun: sourceID)
                        let copy = try copier.copyRun(sourceID, machineID: machineID)
                        let after = try database.firstRow("SELECT count(*) FROM main.machines") { $0.int64(at: 0) } ?? 0
                        outcome.machinesAdded += Int(after - before)
                        try recordImport(runID: copy.runID, from: snapshot.source)
                        outcome.imported.append(try portableRun(schema: "main", id: copy.runID))
                    }
                    return outcome
                }
            }
        }
    }

    /// The run's content with every row id left out, one line per row in a fixed order: two
    /// stores hold the same run exactly when their dumps are equal.
    func canonicalDump(runID: Int64) throws -> String {
        try guarded("dump run \(runID)") {
            var lines: [String] = []
            func dump(_ label: String, _ table: String, excluding: Set<String>, extra: [String] = [], from: String, order: String) throws {
                let columns = try RowCopier.columns(database, schema: "main", table: table)
                    .filter { !excluding.contains($0) }
                    .map { "quote(x.\(RowCopier.quoted($0)))" }
                let select = (extra + columns).joined(separator: " || ' | ' || ")
                let rows = try database.rows("SELECT \(select) FROM \(table) x \(from) ORDER BY \(order)", runID) {
                    $0.string(at: 0) ?? "NULL"
                }
                lines += rows.map { "\(label): \($0)" }
            }
            let variantName = ["quote(v.name)", "v.position"]
            let trialKey = variantName + ["t.trial_index"]
            try dump("machine", "machines", excluding: ["id"], from: "WHERE x.id = (SELECT machine_id FROM runs WHERE id = ?)", order: "x.fingerprint")
            try dump("run", "runs", excluding: ["id", "machine_id"], from: "WHERE x.id = ?", order: "x.id")
            try dump(
                "host", "run_hosts", excluding: ["run_id", "machine_id"], extra: ["quote(m.fingerprint)"],
                from: "JOIN machines m ON m.id = x.machine_id WHERE x.run_id = ?", order: "x.name")
            try dump("variant", "variants", excluding: ["id", "run_id"], from: "WHERE x.run_id = ?", order: "x.position, x.name")
            try dump(
                "trial", "trials", excluding: ["id", "variant_id"], extra: variantName,
                from: "JOIN variants v ON v.id = x.variant_id WHERE v.run_id = ?", order: "v.position, v.name, x.trial_index")
            for table in ["latency_samples", "generator_percentiles", "resource_samples", "requests", "trial_timelines", "trial_intervals", "capacity_probes"] {
                let columns = try RowCopier.columns(database, schema: "main", table: table).filter { $0 != "trial_id" }
                try dump(
                    table, table, excluding: ["trial_id"], extra: trialKey,
                    from: "JOIN trials t ON t.id = x.trial_id JOIN variants v ON v.id = t.variant_id WHERE v.run_id = ?",
                    order: "v.position, v.name, t.trial_index, " + columns.map { "x.\(RowCopier.quoted($0))" }.joined(separator: ", "))
            }
            try dump("capacity", "capacity_searches", excluding: ["run_id"], from: "WHERE x.run_id = ?", order: "x.target")
            try dump(
                "level", "cell_levels", excluding: ["variant_id"], extra: variantName,
                from: "JOIN variants v ON v.id = x.variant_id WHERE v.run_id = ?", order: "v.position, v.name, x.setting")
            try dump(
                "published", "published_results", excluding: ["run_id", "variant_id"], extra: variantName,
                from: "JOIN variants v ON v.id = x.variant_id WHERE x.run_id = ?", order: "v.position, v.name")
            return lines.joined(separator: "\n") + "\n"
        }
    }

    private func portableRun(schema: String, id: Int64) throws -> PortableRun {
        guard let run = try database.firstRow(
            "SELECT uid, id, experiment, kind, status FROM \(schema).runs WHERE id = ?", id,
            decode: { row in
                PortableRun(
                    uid: try row.string("uid") ?? "", id: try row.int64("id"), experiment: try row.requiredString("experiment"),
                    kind: try row.decoded(RunKind.self, "kind"), status: try row.decoded(RunStatus.self, "status"))
            })
        else {
            throw ReportgenError(.io, "run \(id) vanished while it was copied")
        }
        return run
    }

    /// Runs `body` with the SQLite file `file` attached to this store's connection as `name`.
    private func withAttached<T>(_ file: URL, as name: String, _ body: () throws -> T) throws -> T {
        try database.run("ATTACH DATABASE ? AS \(name)", file.path(percentEncoded: false))
        defer { try? database.execute("DETACH DATABASE \(name)") }
        return try body()
    }
}

/// Copies one run and everything under it between two schemas of one connection (the store
/// and an attached file), giving the copies new row ids and pointing them at their new
/// parents. Columns are read from the schema, so a migration that adds one needs no change
/// here; both sides must be at the same schema version.
private struct RowCopier {
    let database: SQLiteDatabase
    let from: String
    let to: String

    struct CopiedRun {
        var runID: Int64
        var variants = 0
        var trials = 0
        var latencyRows = 0
    }

    /// The id in `to` of the machine run `runID` of `from` was measured on, copying the machine
    /// if `to` does not know its fingerprint yet.
    func copyMachine(ofRun runID: Int64) throws -> Int64 {
        guard let machine = try database.firstRow(
            "SELECT m.id, m.fingerprint FROM \(from).machines m JOIN \(from).runs r ON r.machine_id = m.id WHERE r.id = ?",
            runID, decode: { (id: try $0.int64("id"), fingerprint: try $0.requiredString("fingerprint")) })
        else {
            throw ReportgenError(.badStore, "run \(runID) has no machine")
        }
        return try copyMachine(id: machine.id, fingerprint: machine.fingerprint)
    }

    /// The id in `to` of machine `machineID` of `from`, copied unless `to` knows its fingerprint.
    func copyMachine(id machineID: Int64, fingerprint: String) throws -> Int64 {
        if let known = try database.firstRow(
            "SELECT id FROM \(to).machines WHERE fingerprint = ?", fingerprint, decode: { $0.int64(at: 0) })
        {
            return known
        }
        return try copyRow("machines", id: machineID, replacing: [:])
    }

    /// Copies run `runID` with its variants, trials, samples and published rows.
    func copyRun(_ runID: Int64, machineID: Int64) throws -> CopiedRun {
        var copied = CopiedRun(runID: try copyRow("runs", id: runID, replacing: ["machine_id": machineID]))
        try copyHosts(ofRun: runID, to: copied.runID)
        try copyRows("capacity_searches", where: "run_id", equals: runID, replacing: ["run_id": copied.runID])
        let variants = try database.rows("SELECT id FROM \(from).variants WHERE run_id = ? ORDER BY id", runID) { $0.int64(at: 0) }
        for variant in variants {
            let newVariant = try copyRow("variants", id: variant, replacing: ["run_id": copied.runID])
            copied.variants += 1
            let trials = try database.rows("SELECT id FROM \(from).trials WHERE variant_id = ? ORDER BY id", variant) { $0.int64(at: 0) }
            for trial in trials {
                let newTrial = try copyRow("trials", id: trial, replacing: ["variant_id": newVariant])
                copied.trials += 1
                copied.latencyRows += try copyRows("latency_samples", where: "trial_id", equals: trial, replacing: ["trial_id": newTrial])
                try copyRows("latency_histograms", where: "trial_id", equals: trial, replacing: ["trial_id": newTrial])
                try copyRows("generator_percentiles", where: "trial_id", equals: trial, replacing: ["trial_id": newTrial])
                try copyRows("resource_samples", where: "trial_id", equals: trial, replacing: ["trial_id": newTrial])
                try copyRows("requests", where: "trial_id", equals: trial, replacing: ["trial_id": newTrial])
                try copyRows("trial_timelines", where: "trial_id", equals: trial, replacing: ["trial_id": newTrial])
                try copyRows("trial_intervals", where: "trial_id", equals: trial, replacing: ["trial_id": newTrial])
                try copyRows("capacity_probes", where: "trial_id", equals: trial, replacing: ["trial_id": newTrial])
            }
            try copyRows("cell_levels", where: "variant_id", equals: variant, replacing: ["variant_id": newVariant])
            try copyRows(
                "published_results", where: "variant_id", equals: variant,
                replacing: ["run_id": copied.runID, "variant_id": newVariant])
        }
        return copied
    }

    /// Copies the hosts run `runID` ran on, with the machines `to` lacks.
    private func copyHosts(ofRun runID: Int64, to newRun: Int64) throws {
        let hosts = try database.rows(
            """
            SELECT h.name, m.id, m.fingerprint FROM \(from).run_hosts h JOIN \(from).machines m ON m.id = h.machine_id
            WHERE h.run_id = ? ORDER BY h.rowid
            """, runID
        ) { (name: try $0.requiredString(at: 0), id: $0.int64(at: 1), fingerprint: try $0.requiredString(at: 2)) }
        let columns = try Self.columns(database, schema: to, table: "run_hosts")
        for host in hosts {
            let machine = try copyMachine(id: host.id, fingerprint: host.fingerprint)
            let (names, values, bindings) = selectList(columns, replacing: ["run_id": newRun, "machine_id": machine])
            let insert = try database.prepare(
                "INSERT INTO \(to).run_hosts (\(names)) SELECT \(values) FROM \(from).run_hosts WHERE run_id = ? AND name = ?")
            try insert.bind(bindings.map { $0 as any SQLiteBindable } + [runID, host.name])
            try insert.run()
        }
    }

    /// Copies the row `id` of `table` (all columns but `id`), with `replacing` columns set to
    /// the given values; returns the copy's id.
    private func copyRow(_ table: String, id: Int64, replacing: [String: Int64]) throws -> Int64 {
        let columns = try Self.columns(database, schema: to, table: table).filter { $0 != "id" }
        let (names, values, bindings) = selectList(columns, replacing: replacing)
        try database.prepare(
            "INSERT INTO \(to).\(table) (\(names)) SELECT \(values) FROM \(from).\(table) WHERE id = ?"
        ).bindAndRun(bindings + [id])
        return database.lastInsertedRowID
    }

    /// Copies every row of `table` whose `column` is `value`; returns how many.
    @discardableResult
    private func copyRows(_ table: String, where column: String, equals value: Int64, replacing: [String: Int64]) throws -> Int {
        let columns = try Self.columns(database, schema: to, table: table)
        let (names, values, bindings) = selectList(columns, replacing: replacing)
        try database.prepare(
            "INSERT INTO \(to).\(table) (\(names)) SELECT \(values) FROM \(from).\(table) WHERE \(Self.quoted(column)) = ?"
        ).bindAndRun(bindings + [value])
        return database.changes
    }

    private func selectList(_ columns: [String], replacing: [String: Int64]) -> (String, String, [Int64]) {
        var bindings: [Int64] = []
        let values = columns.map { column -> String in
            guard let value = replacing[column] else { return Self.quoted(column) }
            bindings.append(value)
            return "?"
        }
        return (columns.map(Self.quoted).joined(separator: ", "), values.joined(separator: ", "), bindings)
    }

    /// The columns of `schema.table`, in table order.
    static func columns(_ database: SQLiteDatabase, schema: String, table: String) throws -> [String] {
        try database.rows("SELECT name FROM pragma_table_info(?, ?) ORDER BY cid", table, schema) {
            try $0.requiredString(at: 0)
        }
    }

    static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

private extension SQLiteStatement {
    func bindAndRun(_ values: [Int64]) throws {
        try bind(values.map { $0 as any SQLiteBindable })
        try run()
    }
}
