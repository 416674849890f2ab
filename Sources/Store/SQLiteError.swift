import CSQLite
import Core

/// A failed SQLite call: its result code, SQLite's own message, and the SQL it ran.
public struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The extended result code, e.g. 2067 for SQLITE_CONSTRAINT_UNIQUE.
    public var extendedCode: Int32
    /// What `sqlite3_errmsg` said.
    public var message: String
    /// The statement that failed, when there was one.
    public var sql: String?

    /// Describes a failure; `extendedCode` may be a primary or an extended result code.
    public init(extendedCode: Int32, message: String, sql: String?) {
        self.extendedCode = extendedCode
        self.message = message
        self.sql = sql
    }

    /// The primary result code, e.g. SQLITE_CONSTRAINT, for deciding what to do.
    public var code: Int32 { extendedCode & 0xFF }

    public var description: String {
        let name = sqlite3_errstr(extendedCode).map { String(cString: $0) } ?? "unknown error"
        var text = "SQLite error \(extendedCode) (\(name)): \(message)"
        if let sql { text += "; SQL: \(sql)" }
        return text
    }
}

/// The one place every SQLite status is checked: OK, ROW and DONE pass through, anything
/// else throws with the connection's message and the SQL.
@discardableResult
func sqliteCheck(_ status: Int32, _ connection: OpaquePointer?, sql: String?) throws -> Int32 {
    switch status {
    case SQLITE_OK, SQLITE_ROW, SQLITE_DONE:
        return status
    default:
        // Without a connection (open ran out of memory) only the generic text is available.
        let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? sqlite3_errstr(status).map { String(cString: $0) } ?? "unknown error"
        throw SQLiteError(extendedCode: status, message: message, sql: sql)
    }
}
