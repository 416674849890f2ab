import CSQLite
import Core
import Foundation

/// The SQLite results store: machines, runs, variants, trials and every raw latency sample,
/// in one file. Not thread-safe: one isolation domain owns a store (an actor, to share it).
public final class ResultStore {
    /// The store's file.
    public let path: URL
    /// How messages name the store: its path, or for a private copy the file it was taken from.
    var shownAs: String
    /// How messages name this store: its path, or the file a private copy was taken from.
    public var shown: String { shownAs }
    let database: SQLiteDatabase
    /// What must live as long as this store: the temporary folder a private copy lives in, or
    /// the copy's store that a read-only store of an older schema reads through.
    var retained: AnyObject?
    /// Whether this is a private copy of a file from elsewhere: what is wrong in it is a
    /// refused file (`.refusedFile`), not a damaged store of this machine's (`.badStore`).
    var isFromElsewhere = false

    /// The file this store's queries read: `path`, or the private copy read in its place (a
    /// store of an older schema, an unpacked export). What another connection opens to read
    /// the same data.
    public var readPath: String { database.path }

    init(path: URL, database: SQLiteDatabase, retained: AnyObject?) {
        self.path = path
        shownAs = path.path(percentEncoded: false)
        self.database = database
        self.retained = retained
    }

    /// Opens an existing store for reading only, as `render` does: nothing is written to
    /// it. A store of an older schema is read through a private migrated copy, so it is
    /// neither migrated nor touched. An unpacked export (latency rows, but none of the packed
    /// latency every store writes beside them, and no index) is a file from elsewhere: with
    /// `cache`, it is read as `render --from` reads it, through the checked copy kept there
    /// under its SHA-256, which the second read of the same bytes opens at once. Refuses what
    /// `init(path:)` refuses.
    public static func openForReading(path: URL, cache: SnapshotCache? = nil) throws -> ResultStore {
        let file = path.path(percentEncoded: false)
        try inspect(file)
        let (version, unpacked) = try guarded(file, "read the results store") {
            try SQLiteDatabase.withConnection(path: file, mode: .readOnly) { database in
                let version = try database.integerPragma("user_version")
                return (version, try version >= Int64(StoreSchema.packedLatencyVersion) && isUnpackedExport(database))
            }
        }
        if version < Int64(StoreSchema.currentVersion) || (unpacked && cache != nil) {
            let snapshot = try snapshot(of: path, cache: unpacked ? cache : nil, trusted: !unpacked)
            // The copy's store keeps its folder, and this one keeps that store.
            let store = ResultStore(path: path, database: snapshot.store.database, retained: snapshot.store)
            store.isFromElsewhere = unpacked
            return store
        }
        let database = try guarded(file, "open the results store") {
            let database = try SQLiteDatabase(path: file, mode: .readOnly)
            // A run writing trials meanwhile makes a reader wait, not fail.
            try database.setBusyTimeout(milliseconds: 10_000)
            return database
        }
        return ResultStore(path: path, database: database, retained: nil)
    }

    /// Whether `database` holds latency rows but no packed latency: what `export` writes to an
    /// xz file, which a store never is (it packs every trial's rows as it stores them).
    private static func isUnpackedExport(_ database: SQLiteDatabase) throws -> Bool {
        try database.rows("""
            SELECT NOT EXISTS (SELECT 1 FROM latency_histograms) AND EXISTS (SELECT 1 FROM latency_samples)
            """, decode: { $0.int64(at: 0) }).first == 1
    }

    /// Opens the store at `path`, creating it and its folder or migrating an older store as
    /// needed; refuses, leaving the file untouched, anything that is not a store this build
    /// can use.
    public init(path: URL) throws {
        self.path = path
        let file = path.path(percentEncoded: false)
        shownAs = file
        let folder = path.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ReportgenError(
                .io, "cannot create the folder for the results store", at: SourceLocation(file: file),
                hint: "check that \(folder.path(percentEncoded: false)) can be created, or pass another --db",
                underlying: error)
        }
        if FileManager.default.fileExists(atPath: file) {
            try Self.inspect(file)
        }
        database = try Self.guarded(file, "open the results store") { try Self.openForWriting(file) }
    }

    /// Checks an existing file through a read-only connection, so that refusing it cannot
    /// change a byte (a read-write connection may checkpoint a WAL into it on close).
    private static func inspect(_ file: String) throws {
        let location = SourceLocation(file: file)
        let facts: StoreFileFacts
        do {
            facts = try SQLiteDatabase.withConnection(path: file, mode: .readOnly, StoreFileFacts.init)
        } catch let error as SQLiteError where error.code == SQLITE_NOTADB {
            throw ReportgenError(
                .badStore, "not a reportgen results store: file is not a database", at: location,
                hint: "pass --db a reportgen results store or a path that does not exist yet; this file was left untouched",
                underlying: error)
        } catch let error as SQLiteError {
            throw storeError(error, file: file, action: "read the results store")
        }

        // An empty SQLite file (or one reportgen created and never migrated) is a new store.
        let blank = facts.applicationID == 0 && facts.tables == 0 && facts.version == 0
        guard facts.isReportgen || blank else {
            let owner = facts.applicationID == 0
                ? "" : ", application_id 0x" + String(UInt32(truncatingIfNeeded: facts.applicationID), radix: 16)
            let count = facts.tables == 1 ? "1 table" : "\(facts.tables) tables"
            throw ReportgenError(
                .badStore, "not a reportgen results store: an SQLite database of another program (\(count)\(owner))",
                at: location,
                hint: "reportgen only writes into its own stores; pass --db a new path. This file was left untouched")
        }
        try facts.refuseNewer(at: location, hint: "upgrade reportgen or use another --db; this file was left untouched")
    }

    private static func openForWriting(_ file: String) throws -> SQLiteDatabase {
        let database = try SQLiteDatabase(path: file)
        // A second reportgen (say `list` during a run) waits for the writer instead of failing.
        try database.setBusyTimeout(milliseconds: 10_000)
        // WAL lets readers work while a run writes trials; NORMAL sync is safe with WAL (a
        // power cut may lose the last trials, never corrupt the store) and much faster.
        _ = try database.rows("PRAGMA journal_mode = WAL") { $0.string(at: 0) }
        try database.execute("PRAGMA synchronous = NORMAL")
        try database.execute("PRAGMA foreign_keys = ON")
        try StoreSchema.migrate(database)
        return database
    }

    /// Decodes `text`, the JSON of `column` in the row `row` names; see `StoreJSON.decode`.
    func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String, column: String, row: String) throws -> T {
        do {
            return try StoreJSON.decode(type, from: text, column: column, row: row, store: shownAs)
        } catch var error as ReportgenError where error.code == .badStore {
            // What a row says that the store contradicts names the file it is in.
            if error.location == nil { error.location = SourceLocation(file: shownAs) }
            if isFromElsewhere { error.code = .refusedFile }
            throw error
        }
    }

    /// Runs `body`, turning an SQLite failure into an error for the person at the terminal.
    func guarded<T>(_ action: @autoclosure () -> String, _ body: () throws -> T) throws -> T {
        do {
            return try Self.guarded(path.path(percentEncoded: false), action(), body)
        } catch var error as ReportgenError where error.code == .badStore {
            // What a row says that the store contradicts names the file it is in.
            if error.location == nil { error.location = SourceLocation(file: shownAs) }
            if isFromElsewhere { error.code = .refusedFile }
            throw error
        }
    }

    static func guarded<T>(
        _ file: String, _ action: @autoclosure () -> String, _ body: () throws -> T
    ) throws -> T {
        do {
            return try body()
        } catch let error as SQLiteError {
            throw storeError(error, file: file, action: action())
        }
    }

    private static func storeError(_ error: SQLiteError, file: String, action: String) -> ReportgenError {
        let location = SourceLocation(file: file)
        let folder = URL(filePath: file).deletingLastPathComponent().path(percentEncoded: false)
        let hint: String?
        switch error.code {
        case SQLITE_NOTADB, SQLITE_CORRUPT, SQLITE_MISMATCH:
            return ReportgenError(
                .badStore, "could not \(action): the results store is damaged", at: location,
                hint: "check it with sqlite3 \(file) 'PRAGMA integrity_check', or pass another --db",
                underlying: error)
        case SQLITE_BUSY, SQLITE_LOCKED:
            hint = "another reportgen is writing to this store; wait for it to finish or pass another --db"
        case SQLITE_FULL:
            hint = "the disk is full; free some space and run again"
        case SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_IOERR:
            hint = "check that \(folder) is writable and has space, or pass another --db"
        default:
            hint = nil
        }
        return ReportgenError(.io, "could not \(action)", at: location, hint: hint, underlying: error)
    }
}

/// What an SQLite file says about itself: whose it is, which schema, how many tables.
struct StoreFileFacts {
    var applicationID: Int64
    var version: Int64
    var tables: Int64

    init(_ database: SQLiteDatabase) throws {
        applicationID = try database.integerPragma("application_id")
        version = try database.integerPragma("user_version")
        tables = try database.firstRow("SELECT count(*) FROM sqlite_master") { $0.int64(at: 0) } ?? 0
    }

    var isReportgen: Bool { applicationID == Int64(StoreSchema.applicationID) }

    /// Refuses a file of a schema newer than this build knows; `hint` says what to do instead.
    func refuseNewer(at location: SourceLocation, hint: String, code: ExitCode = .badStore) throws {
        guard version <= Int64(StoreSchema.currentVersion) else {
            throw ReportgenError(
                code, "written by a newer reportgen (schema \(version), this build knows \(StoreSchema.currentVersion))",
                at: location, hint: hint)
        }
    }
}
