import CSQLite
import Core

/// A run's identity as content: a SHA-256 over a canonical serialisation of everything that
/// makes its result (definition, machine, software, command lines, every trial with its
/// measurements, latency histogram, generator percentiles, resource samples and requests,
/// failures, the stored write-up). Two stores hold the same run exactly when the digests of
/// their copies are equal, whatever order the rows were written in.
///
/// Left out is what is legitimately local to one store: row ids (a parent is named by its
/// key, a variant by its name and a trial by its variant and index), the store that measured
/// the run (`runs.store_uid`, provenance, not result) and the import record. A machine counts
/// by its fingerprint (the hash of its hardware facts): its hostname and OS are the store's
/// and are refreshed by its newest run. A published table's run counts by its table only:
/// when and by which reportgen it was read into a store, and its label (from the file's
/// name), are the store's.
///
/// Each section is hashed on its own so that a mismatch can say where the copies differ;
/// the digest is the hash of the sections'. Rows are read in a canonical order from SQL, one
/// trial at a time, so the run is never held in memory.
public struct RunDigest: Sendable, Equatable {
    /// The parts of a run, each with a hash of its own, in the order they are combined.
    public enum Section: String, Sendable, CaseIterable {
        case run = "the run's definition, software and settings"
        case machines = "the machines"
        case hosts = "the hosts"
        case variants = "the variants"
        case published = "the published numbers"
        case trials = "the trials' measurements"
        case latency = "the latency samples"
        case percentiles = "the generator's percentiles"
        case resources = "the resource samples"
        case requests = "the requests"
    }

    /// The lowercase hex SHA-256 of the whole run.
    public let hex: String
    /// Each section's hex SHA-256.
    public let sections: [Section: String]

    /// The sections whose content differs between `self` and `other`, in order.
    public func differences(from other: RunDigest) -> [Section] {
        Section.allCases.filter { sections[$0] != other.sections[$0] }
    }

    /// The digest of run `runID` of `schema` ("main", or an attached file) on `database`.
    static func of(runID: Int64, schema: String, in database: SQLiteDatabase) throws -> RunDigest {
        try RunDigestReader(database: database, schema: schema, runID: runID).read()
    }
}

/// Reads one run's rows in canonical order into the hashers of `RunDigest`'s sections.
private struct RunDigestReader {
    let database: SQLiteDatabase
    let schema: String
    let runID: Int64
    let hashers = Dictionary(uniqueKeysWithValues: RunDigest.Section.allCases.map { ($0, SHA256.Hasher()) })

    /// Columns of a published run that record its reading into a store, not its table.
    static let publishedLocal: Set<String> = ["started_at", "finished_at", "tool_version", "software_json"]
    /// Sample tables, one query per trial each, with the section they feed.
    static let sampleTables: [(table: String, section: RunDigest.Section)] = [
        ("latency_samples", .latency), ("generator_percentiles", .percentiles),
        ("resource_samples", .resources), ("requests", .requests),
    ]

    func read() throws -> RunDigest {
        guard let kind = try database.firstRow("SELECT kind FROM \(schema).runs WHERE id = ?", runID, decode: { $0.string(at: 0) }) else {
            throw ReportgenError(.badStore, "run \(runID) vanished while its content was read")
        }
        let published = kind == RunKind.published.rawValue
        try feed(
            .run, table: "runs", excluding: Set(["id", "machine_id", "store_uid"]).union(published ? Self.publishedLocal : []),
            from: "WHERE x.id = ?1", order: [])
        if !published {
            try feed(.machines, select: ["m.fingerprint"], from: "\(schema).runs x JOIN \(schema).machines m ON m.id = x.machine_id WHERE x.id = ?1", order: [])
        }
        try feed(
            .hosts, table: "run_hosts", excluding: ["run_id", "machine_id"], key: ["m.fingerprint"],
            from: "JOIN \(schema).machines m ON m.id = x.machine_id WHERE x.run_id = ?1", order: ["x.name"])
        try feed(.variants, table: "variants", excluding: ["id", "run_id"], from: "WHERE x.run_id = ?1", order: ["x.name"])
        try feed(
            .variants, table: "cell_levels", excluding: ["variant_id"], key: ["v.name"],
            from: "JOIN \(schema).variants v ON v.id = x.variant_id WHERE v.run_id = ?1", order: ["v.name", "x.setting"])
        try feed(
            .published, table: "published_results", excluding: ["run_id", "variant_id"], key: ["v.name"],
            from: "JOIN \(schema).variants v ON v.id = x.variant_id WHERE x.run_id = ?1", order: ["v.name"])
        try feed(
            .trials, table: "trials", excluding: ["id", "variant_id"], key: ["v.name"],
            from: "JOIN \(schema).variants v ON v.id = x.variant_id WHERE v.run_id = ?1", order: ["v.name", "x.trial_index"])
        try feedSamples()

        let sections = hashers.mapValues { $0.finalHex() }
        let whole = SHA256.Hasher()
        for section in RunDigest.Section.allCases {
            whole.update("\(section)=\(sections[section] ?? "")\n".utf8)
        }
        return RunDigest(hex: whole.finalHex(), sections: sections)
    }

    /// Each trial's samples, trial by trial in (variant name, trial index) order, each
    /// table's rows sorted by all their columns.
    private func feedSamples() throws {
        let trials = try database.prepare(
            """
            SELECT t.id, v.name, t.trial_index FROM \(schema).trials t JOIN \(schema).variants v ON v.id = t.variant_id
            WHERE v.run_id = ? ORDER BY v.name, t.trial_index
            """)
        try trials.bind(runID, at: 1)
        var queries: [(statement: SQLiteStatement, hasher: SHA256.Hasher)] = []
        for (table, section) in Self.sampleTables {
            let columns = try self.columns(table).filter { $0 != "trial_id" }.map { "x.\(Self.quoted($0))" }
            guard let hasher = hashers[section] else { continue }
            hasher.update(columns.joined(separator: ",").utf8)
            queries.append((
                try database.prepare(
                    "SELECT \(columns.joined(separator: ", ")) FROM \(schema).\(table) x WHERE x.trial_id = ? ORDER BY \(columns.joined(separator: ", "))"),
                hasher))
        }
        while try trials.step() {
            let trialID = trials.int64(at: 0)
            for (statement, hasher) in queries {
                // The trial's key opens its block, so rows cannot move between trials unseen.
                hasher.update(byte: UInt8(ascii: "T"))
                trials.feedValues(1..<3, into: hasher)
                try statement.reset()
                try statement.bind(trialID, at: 1)
                while try statement.step() {
                    hasher.update(byte: UInt8(ascii: "R"))
                    statement.feedValues(0..<statement.columnCount, into: hasher)
                }
            }
        }
        try trials.reset()
    }

    /// Feeds the rows of `table` (aliased `x`) selected by `from`, with `key` expressions
    /// first and then every column not `excluding`, sorted by `order` and then by all of them.
    private func feed(
        _ section: RunDigest.Section, table: String, excluding: Set<String>, key: [String] = [], from: String, order: [String]
    ) throws {
        let columns = try self.columns(table).filter { !excluding.contains($0) }.map { "x.\(Self.quoted($0))" }
        try feed(section, select: key + columns, from: "\(schema).\(table) x " + from, order: order)
    }

    private func feed(_ section: RunDigest.Section, select: [String], from: String, order: [String]) throws {
        guard let hasher = hashers[section] else { return }
        // The column list is part of the content: a value cannot pass for another column's.
        hasher.update(byte: UInt8(ascii: "C"))
        hasher.update(select.joined(separator: ",").utf8)
        let statement = try database.prepare(
            "SELECT \(select.joined(separator: ", ")) FROM \(from) ORDER BY \((order + select).joined(separator: ", "))")
        try statement.bind(runID, at: 1)
        while try statement.step() {
            hasher.update(byte: UInt8(ascii: "R"))
            statement.feedValues(0..<statement.columnCount, into: hasher)
        }
        try statement.reset()
    }

    /// `identifier` as SQL writes a name.
    private static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private func columns(_ table: String) throws -> [String] {
        try database.rows("SELECT name FROM pragma_table_info(?, ?) ORDER BY cid", table, schema) { try $0.requiredString(at: 0) }
    }
}

extension SQLiteStatement {
    /// How many columns a row of this statement has.
    var columnCount: Int32 { sqlite3_column_count(handle) }

    /// Feeds columns `range` of the current row into `hasher`, each as its storage class and
    /// its exact value (a length before text and blobs), so no two rows serialise alike:
    /// 5, 5.0, '5' and NULL are four different values.
    func feedValues(_ range: Range<Int32>, into hasher: SHA256.Hasher) {
        for index in range {
            switch sqlite3_column_type(handle, index) {
            case SQLITE_INTEGER:
                hasher.update(byte: UInt8(ascii: "i"))
                hasher.update(UInt64(bitPattern: sqlite3_column_int64(handle, index)))
            case SQLITE_FLOAT:
                hasher.update(byte: UInt8(ascii: "f"))
                hasher.update(sqlite3_column_double(handle, index).bitPattern)
            case SQLITE_TEXT:
                hasher.update(byte: UInt8(ascii: "t"))
                feedBytes(sqlite3_column_text(handle, index).map(UnsafeRawPointer.init), index, into: hasher)
            case SQLITE_BLOB:
                hasher.update(byte: UInt8(ascii: "b"))
                feedBytes(sqlite3_column_blob(handle, index), index, into: hasher)
            default:
                hasher.update(byte: UInt8(ascii: "n"))
            }
        }
    }

    private func feedBytes(_ start: UnsafeRawPointer?, _ index: Int32, into hasher: SHA256.Hasher) {
        let count = Int(sqlite3_column_bytes(handle, index))
        hasher.update(UInt64(count))
        guard let start, count > 0 else { return }
        hasher.update(UnsafeRawBufferPointer(start: start, count: count))
    }
}
