import Core
import Foundation

/// Where a stored run came from, as far as this store knows.
public enum RunOrigin: Sendable, Equatable, CustomStringConvertible {
    /// Measured into this store (or stored before stores recorded imports).
    case local
    /// Added by `reportgen import` from `source` (the file's path) at `at`.
    case imported(source: String, at: Date)
    /// Carries another store's identity and no import record: a run inside an export file.
    case otherStore

    public var isLocal: Bool { self == .local }

    /// "measured in this store", "imported from /tmp/x.sqlite on 2026-12-04 03:40 UTC".
    public var description: String {
        switch self {
        case .local: "measured in this store"
        case .imported(let source, let at): "imported from \(source) on \(Self.minute(at))"
        case .otherStore: "measured by another store, with no import record"
        }
    }

    /// "local", "imported" or "foreign": the word `reportgen list` shows.
    public var word: String {
        switch self {
        case .local: "local"
        case .imported: "imported"
        case .otherStore: "foreign"
        }
    }

    private static func minute(_ date: Date) -> String {
        SQLiteTimestamp.text(date).prefix(16).replacingOccurrences(of: "T", with: " ") + " UTC"
    }
}

extension ResultStore {
    /// The SQL condition that holds for the runs measured into this store: they carry the
    /// store's identity and no import record. A run from an identical machine (same hardware
    /// fingerprint) carries another store's identity, or an import record, or both.
    static let ownRunCondition = """
        runs.store_uid = (SELECT uid FROM store_identity) AND runs.id NOT IN (SELECT run_id FROM run_imports)
        """

    /// The newest run of this definition on this machine that this store measured itself:
    /// the one `build` may continue or call complete. Imported runs never are.
    public func latestOwnRun(experiment: String, definitionHash: String, machineID: Int64) throws -> StoredRun? {
        try guarded("look up the latest own run of \(experiment)") {
            try database.firstRow(
                """
                SELECT \(StoredRun.columns) FROM runs
                WHERE experiment = ? AND definition_hash = ? AND machine_id = ? AND \(Self.ownRunCondition)
                ORDER BY id DESC LIMIT 1
                """, experiment, definitionHash, machineID, decode: StoredRun.init(row:))
        }
    }

    /// Where run `id` came from.
    public func origin(ofRun id: Int64) throws -> RunOrigin {
        try guarded("read where run \(id) came from") {
            if let record = try database.firstRow(
                "SELECT source, imported_at FROM run_imports WHERE run_id = ?", id,
                decode: { (source: try $0.requiredString(at: 0), at: try $0.requiredDate(at: 1)) })
            {
                return .imported(source: record.source, at: record.at)
            }
            let own = try database.firstRow(
                "SELECT count(*) FROM runs WHERE id = ? AND \(Self.ownRunCondition)", id, decode: { $0.int64(at: 0) }) ?? 0
            return own > 0 ? .local : .otherStore
        }
    }

    /// Records that run `id` was just imported from `file`.
    func recordImport(runID id: Int64, from file: URL) throws {
        try database.run(
            "INSERT INTO run_imports (run_id, source, imported_at) VALUES (?, ?, ?)",
            id, file.standardizedFileURL.path(percentEncoded: false), Date())
    }

    /// The content digest of run `id` of the store at `path`, read on a connection of its
    /// own (so on any thread, beside this store's); see `RunDigest`.
    public static func digest(ofRun id: Int64, storeAt path: String) throws -> RunDigest {
        do {
            return try SQLiteDatabase.withConnection(path: path, mode: .readOnly) { database in
                try RunDigest.of(runID: id, schema: "main", in: database)
            }
        } catch let error as SQLiteError {
            throw ReportgenError(.badStore, "cannot read the content of run \(id)", at: SourceLocation(file: path), underlying: error)
        }
    }

    /// The content digest of run `id` of this store; see `RunDigest`.
    public func digest(ofRun id: Int64) throws -> RunDigest {
        try guarded("read the content of run \(id)") { try RunDigest.of(runID: id, schema: "main", in: database) }
    }

    /// Refuses, unless their content is the same, a run of the file attached as `schema`
    /// (`incomingID`) whose identity `uid` this store already holds as `storedID`: one uid
    /// must never name two results. `file` is the file being imported.
    func requireSameContent(incomingID: Int64, schema: String, uid: String, storedID: Int64, file: URL) throws {
        let incoming = try RunDigest.of(runID: incomingID, schema: schema, in: database)
        let stored = try RunDigest.of(runID: storedID, schema: "main", in: database)
        guard incoming != stored else { return }
        let kind = try database.firstRow("SELECT kind, experiment FROM \(schema).runs WHERE id = ?", incomingID) {
            "\($0.string(at: 0) ?? "") run of \($0.string(at: 1) ?? "")"
        } ?? "run"
        let differences = incoming.differences(from: stored).map(\.rawValue)
        throw ReportgenError(
            .badDefinition,
            """
            conflict: this file's \(kind) \(uid) has the identity of run \(storedID) of \(path.path(percentEncoded: false)) \
            (\(try origin(ofRun: storedID))) but other content: they differ in \(differences.joined(separator: ", ")) \
            (content digest \(incoming.hex.prefix(16)) in the file, \(stored.hex.prefix(16)) in the store)
            """,
            at: SourceLocation(file: DisplayPath.of(file), keyPath: "runs.uid = '\(uid)'"),
            hint: """
                one of the two copies was altered, or is another run reusing the identity; nothing was imported. \
                Keep the one you trust: import this file into another store (--db OTHER.sqlite) to look at it \
                apart, or into a store without run \(storedID)
                """)
    }
}
