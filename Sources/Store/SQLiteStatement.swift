import CSQLite
import Core
import Foundation

/// A compiled statement, reusable: bind, step, reset. Parameters count from 1 and columns
/// from 0, as in SQLite. It must not outlive its database.
public final class SQLiteStatement {
    unowned let database: SQLiteDatabase
    let handle: OpaquePointer
    /// The SQL this statement was compiled from.
    public let sql: String
    /// Result columns by name, read from SQLite once.
    private lazy var columnIndexes: [String: Int32] = {
        var indexes: [String: Int32] = [:]
        for index in 0..<sqlite3_column_count(handle) {
            if let name = sqlite3_column_name(handle, index) { indexes[String(cString: name)] = index }
        }
        return indexes
    }()

    init(database: SQLiteDatabase, sql: String) throws {
        var statement: OpaquePointer?
        try database.check(sqlite3_prepare_v2(database.handle, sql, -1, &statement, nil), sql: sql)
        guard let statement else {
            throw SQLiteError(extendedCode: SQLITE_MISUSE, message: "the SQL holds no statement", sql: sql)
        }
        self.database = database
        self.handle = statement
        self.sql = sql
    }

    deinit {
        // finalize only repeats the last step's error, which was already thrown.
        sqlite3_finalize(handle)
    }

    private func check(_ status: Int32) throws {
        try database.check(status, sql: sql)
    }

    /// Binds a 64-bit integer to parameter `index`.
    public func bind(_ value: Int64, at index: Int32) throws {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    /// Binds a floating-point number to parameter `index`.
    public func bind(_ value: Double, at index: Int32) throws {
        try check(sqlite3_bind_double(handle, index, value))
    }

    /// Binds UTF-8 text to parameter `index`; SQLite copies it.
    public func bind(_ value: String, at index: Int32) throws {
        var text = value
        try text.withUTF8 { bytes in
            // A null pointer would bind NULL, not the empty string.
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                try check(sqlite3_bind_text(handle, index, "", 0, csqlite_transient()))
                return
            }
            try check(sqlite3_bind_text64(
                handle, index, base, UInt64(bytes.count), csqlite_transient(), UInt8(SQLITE_UTF8)))
        }
    }

    /// Binds a blob to parameter `index`; SQLite copies it.
    public func bind(_ value: Data, at index: Int32) throws {
        try value.withUnsafeBytes { bytes in
            // A null pointer would bind NULL, not an empty blob.
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                try check(sqlite3_bind_zeroblob(handle, index, 0))
                return
            }
            try check(sqlite3_bind_blob64(handle, index, base, UInt64(bytes.count), csqlite_transient()))
        }
    }

    /// Binds NULL to parameter `index`.
    public func bindNull(at index: Int32) throws {
        try check(sqlite3_bind_null(handle, index))
    }

    /// Binds `values` to parameters 1…n; their number must match the statement's.
    public func bind(_ values: [any SQLiteBindable]) throws {
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard values.count == expected else {
            throw SQLiteError(
                extendedCode: SQLITE_RANGE,
                message: "\(values.count) values for \(expected) parameters", sql: sql)
        }
        for (offset, value) in values.enumerated() {
            try value.bind(to: self, at: Int32(offset + 1))
        }
    }

    /// Advances to the next row: true when a row is available, false when done.
    public func step() throws -> Bool {
        let status = sqlite3_step(handle)
        // The common answers first: reading millions of rows must not touch the database
        // object (an unowned reference) once per row.
        if status == SQLITE_ROW { return true }
        if status == SQLITE_DONE { return false }
        try check(status)
        return false
    }

    /// Rewinds the statement so it can be bound and run again; bindings are kept.
    public func reset() throws {
        try check(sqlite3_reset(handle))
    }

    /// Runs the statement to completion and rewinds it, ready for the next bindings.
    public func run() throws {
        try rewinding { while try step() {} }
    }

    /// Steps through every row, decoding each, and rewinds the statement.
    public func rows<T>(_ decode: (SQLiteStatement) throws -> T) throws -> [T] {
        try rewinding {
            var result: [T] = []
            while try step() { result.append(try decode(self)) }
            return result
        }
    }

    /// Runs `body` and rewinds the statement on every path out. After a failure the reset
    /// would only report the step's error again, so that error is the one thrown.
    private func rewinding<T>(_ body: () throws -> T) throws -> T {
        let result: T
        do {
            result = try body()
        } catch {
            sqlite3_reset(handle)
            throw error
        }
        try reset()
        return result
    }

    /// The index of the result column called `name` (its alias, or the column's own name).
    public func column(_ name: String) throws -> Int32 {
        guard let index = columnIndexes[name] else {
            throw SQLiteError(extendedCode: SQLITE_RANGE, message: "the query has no column '\(name)'", sql: sql)
        }
        return index
    }

    /// Whether column `index` of the current row is NULL.
    public func isNull(at index: Int32) -> Bool {
        sqlite3_column_type(handle, index) == SQLITE_NULL
    }

    /// Column `index` as a 64-bit integer (0 for NULL).
    public func int64(at index: Int32) -> Int64 {
        sqlite3_column_int64(handle, index)
    }

    /// Column `index` as an integer, or nil when NULL.
    public func optionalInt64(at index: Int32) -> Int64? {
        isNull(at: index) ? nil : int64(at: index)
    }

    /// Column `index` as an `Int` (0 for NULL).
    public func int(at index: Int32) -> Int {
        Int(truncatingIfNeeded: sqlite3_column_int64(handle, index))
    }

    /// Column `index` as a floating-point number (0 for NULL).
    public func double(at index: Int32) -> Double {
        sqlite3_column_double(handle, index)
    }

    /// Column `index` as a floating-point number, or nil when NULL.
    public func optionalDouble(at index: Int32) -> Double? {
        isNull(at: index) ? nil : double(at: index)
    }

    /// Column `index` as text, or nil when NULL.
    public func string(at index: Int32) -> String? {
        guard let text = sqlite3_column_text(handle, index) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// Column `index` as a blob, or nil when NULL.
    public func data(at index: Int32) -> Data? {
        guard !isNull(at: index) else { return nil }
        guard let bytes = sqlite3_column_blob(handle, index) else { return Data() }
        return Data(bytes: bytes, count: Int(sqlite3_column_bytes(handle, index)))
    }

    /// Column `index` as non-NULL text; throws when a damaged store holds NULL there.
    public func requiredString(at index: Int32) throws -> String {
        guard let text = string(at: index) else { throw mismatch(at: index, "NULL", expected: "text") }
        return text
    }

    /// Column `index` decoded into a string-backed enum; throws on a value this build does not know.
    public func decoded<T: RawRepresentable>(_ type: T.Type, at index: Int32) throws -> T
    where T.RawValue == String {
        let text = try requiredString(at: index)
        guard let value = T(rawValue: text) else { throw mismatch(at: index, "'\(text)'", expected: "\(T.self)") }
        return value
    }

    /// The error for a column whose stored value cannot be what the schema promises.
    func mismatch(at index: Int32, _ found: String, expected: String) -> SQLiteError {
        let name = sqlite3_column_name(handle, index).map { String(cString: $0) } ?? "\(index)"
        return SQLiteError(
            extendedCode: SQLITE_MISMATCH,
            message: "column \(name) holds \(found), expected \(expected)", sql: sql)
    }
}
