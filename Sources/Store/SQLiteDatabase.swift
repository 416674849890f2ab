import CSQLite
import Core

/// One open SQLite connection. Not thread-safe: keep it in one isolation domain.
public final class SQLiteDatabase {
    /// How to open the file.
    public enum Mode: Sendable {
        /// Never writes: used to inspect a file before deciding to touch it.
        case readOnly
        /// Reads and writes, creating the file if it does not exist.
        case readWriteCreate
        /// Never writes, and trusts nothing the file says: a file from elsewhere, opened
        /// read-only in SQLite's defensive mode, with no function a schema names allowed to
        /// run from a view, trigger or index and no extension loadable.
        case untrusted
    }

    let handle: OpaquePointer
    /// The file this connection is open on.
    public let path: String
    /// Set by `close()`: the deinit has nothing left to close.
    private var closed = false

    /// Opens the SQLite file at `path`; a failed open leaves no connection behind.
    public init(path: String, mode: Mode = .readWriteCreate) throws {
        let access = mode == .readWriteCreate ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY
        // NOMUTEX: the class is not Sendable, so Swift already keeps it on one thread at a time.
        let flags = access | SQLITE_OPEN_NOMUTEX
        var connection: OpaquePointer?
        do {
            try sqliteCheck(sqlite3_open_v2(path, &connection, flags, nil), connection, sql: nil)
            guard let connection else {
                throw SQLiteError(extendedCode: SQLITE_NOMEM, message: "sqlite3_open_v2 returned no connection", sql: nil)
            }
            try sqliteCheck(sqlite3_extended_result_codes(connection, 1), connection, sql: nil)
            if mode == .untrusted { try Self.distrust(connection) }
            self.handle = connection
            self.path = path
        } catch {
            // SQLite allocates a connection even when opening fails; it must still be closed.
            sqlite3_close_v2(connection)
            throw error
        }
    }

    deinit {
        if !closed { close() }
    }

    /// SQLite's settings for a database that may be hostile (its "defense against dark
    /// arts"), applied before the schema is first read.
    private static func distrust(_ connection: OpaquePointer) throws {
        for (option, on) in [(SQLITE_DBCONFIG_DEFENSIVE, 1), (SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0), (SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0)] {
            try sqliteCheck(csqlite_db_config_flag(connection, option, Int32(on)), connection, sql: nil)
        }
        try sqliteCheck(sqlite3_exec(connection, "PRAGMA trusted_schema = OFF", nil, nil, nil), connection, sql: "PRAGMA trusted_schema = OFF")
    }

    /// Opens `path`, runs `body` with the connection, and closes it when `body` returns or
    /// throws, so that what it wrote is on disk, and nothing holds the file, before the caller
    /// goes on. The connection is not to be kept beyond `body`.
    public static func withConnection<T>(
        path: String, mode: Mode = .readWriteCreate, _ body: (SQLiteDatabase) throws -> T
    ) throws -> T {
        let database = try SQLiteDatabase(path: path, mode: mode)
        defer { database.close() }
        return try body(database)
    }

    /// Closes the connection. close_v2 defers the close until the last statement is
    /// finalized, so it cannot fail in a way a caller could act on.
    private func close() {
        closed = true
        sqlite3_close_v2(handle)
    }

    /// Routes a status from a C call on this connection through the one checking helper.
    @discardableResult
    func check(_ status: Int32, sql: String? = nil) throws -> Int32 {
        try sqliteCheck(status, handle, sql: sql)
    }

    /// Runs one or more statements that take no parameters and return no rows (DDL, PRAGMA).
    public func execute(_ sql: String) throws {
        try check(sqlite3_exec(handle, sql, nil, nil, nil), sql: sql)
    }

    /// Compiles one statement for repeated use.
    public func prepare(_ sql: String) throws -> SQLiteStatement {
        try SQLiteStatement(database: self, sql: sql)
    }

    /// Runs one statement with `values` bound to its parameters, to completion.
    public func run(_ sql: String, _ values: any SQLiteBindable...) throws {
        let statement = try prepare(sql)
        try statement.bind(values)
        try statement.run()
    }

    /// Runs a query with `values` bound to its parameters and decodes every row.
    public func rows<T>(
        _ sql: String, _ values: any SQLiteBindable..., decode: (SQLiteStatement) throws -> T
    ) throws -> [T] {
        let statement = try prepare(sql)
        try statement.bind(values)
        return try statement.rows(decode)
    }

    /// Runs a query with `values` bound to its parameters and decodes its first row, if any.
    public func firstRow<T>(
        _ sql: String, _ values: any SQLiteBindable..., decode: (SQLiteStatement) throws -> T
    ) throws -> T? {
        let statement = try prepare(sql)
        try statement.bind(values)
        return try statement.rows(decode).first
    }

    /// Reads an integer pragma such as `user_version` or `application_id`.
    public func integerPragma(_ name: String) throws -> Int64 {
        try firstRow("PRAGMA \(name)") { $0.int64(at: 0) } ?? 0
    }

    /// When a transaction takes its lock.
    public enum Locking: String, Sendable {
        /// The write lock up front, so a busy store fails at the start rather than halfway.
        case immediate = "BEGIN IMMEDIATE"
        /// Locks as statements need them: a transaction that only reads never blocks a writer.
        case deferred = "BEGIN"
    }

    /// Runs `body` in a transaction (by default a write transaction, `.immediate`); commits
    /// on return, rolls back on throw. Transactions do not nest.
    public func transaction<T>(_ locking: Locking = .immediate, _ body: () throws -> T) throws -> T {
        try execute(locking.rawValue)
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            // SQLite rolls back by itself on some errors (SQLITE_FULL); a second ROLLBACK
            // would fail, and either way the body's error is the one worth reporting.
            if isInTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Whether a transaction is open on this connection.
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// The rowid of the last row this connection inserted.
    public var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// How many rows the last INSERT, UPDATE or DELETE changed.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// How long a statement waits for another connection's lock before failing with SQLITE_BUSY.
    public func setBusyTimeout(milliseconds: Int32) throws {
        try check(sqlite3_busy_timeout(handle, milliseconds))
    }
}
