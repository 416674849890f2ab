import CSQLite
import Core
import Foundation

/// One value of a query's result, as SQLite typed it.
public enum QueryValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    /// A blob is shown by its size, never its bytes.
    case blob(bytes: Int)

    /// The value as a number, when it is one.
    public var number: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .real(let value): value
        default: nil
        }
    }
}

/// What a query returned: its columns by name and its rows, at most the number asked for.
public struct QueryResult: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[QueryValue]]
    /// The query had more rows than were read.
    public var truncated: Bool

    public init(columns: [String], rows: [[QueryValue]], truncated: Bool = false) {
        (self.columns, self.rows, self.truncated) = (columns, rows, truncated)
    }
}

/// Why a query was refused or failed: SQLite's message, or reportgen's reason.
public struct QueryRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// reportgen's verdict on one stored trial, given to the views (`run_trials.steady`,
/// `unsteady_reason`, `counted`): what the report decided, so a query can decide the same.
public struct TrialVerdict: Sendable, Equatable {
    public var trialID: Int64
    /// nil when the trial was not judged (no timeline).
    public var steady: Bool?
    public var unsteadyReason: String?
    /// Whether the report's statistics count the trial: ok, and steady unless unsteady
    /// trials are counted.
    public var counted: Bool

    public init(trialID: Int64, steady: Bool?, unsteadyReason: String?, counted: Bool) {
        (self.trialID, self.steady, self.unsteadyReason, self.counted) = (trialID, steady, unsteadyReason, counted)
    }
}

/// Queries written by an author over one run's views (`RunViews`), on a connection of their
/// own that cannot change anything:
///
/// - the file is opened read-only, in SQLite's defensive mode, with no extension loadable;
/// - an authorizer allows selecting, calling functions, recursion and reading the views
///   (and, through them, the tables behind them), and refuses everything else: a table read
///   directly, a write, ATTACH, PRAGMA, a schema change;
/// - one statement, which must be a query (SELECT, WITH or VALUES);
/// - a time limit (a progress handler interrupts the query), a bound on any one value's
///   size and on SQLite's heap.
public final class RunQueries {
    /// How long a query may run unless its cell says otherwise.
    public static let defaultTimeLimit: Duration = .seconds(10)
    /// The longest a cell may ask for.
    public static let longestTimeLimit: Duration = .seconds(600)
    /// The largest string or blob a query may make: a runaway concatenation stops here, and
    /// so does a function whose time grows with its arguments' length faster than linearly
    /// (instr, replace): it runs within one step of SQLite's machine, where the time limit
    /// cannot stop it, so its arguments are kept short enough that one call ends in a moment.
    public static let longestValue: Int32 = 256 << 10
    /// The longest LIKE or GLOB pattern, for the same reason.
    public static let longestPattern: Int32 = 200
    /// The most a result may hold in text and blobs: a query's rows are copied out of SQLite,
    /// whose heap limit does not cover them.
    public static let largestResult = 32 << 20
    /// SQLite's heap, for every connection of the process: far above what a render uses.
    public static let heapLimit: Int64 = 1 << 30

    private let database: SQLiteDatabase
    private let shown: String
    /// Set while a query runs; the progress handler reads it.
    private let clock = Deadline()
    /// The store's own tables, which a query may not read but through a view.
    private let policy: ReadPolicy

    /// Opens `path` (the store a report is rendered from; `shown` names it) and makes the
    /// views of run `runID` with `verdicts`.
    public init(path: String, shown: String, runID: Int64, verdicts: [TrialVerdict]) throws {
        self.shown = shown
        let database = try ResultStore.guarded(shown, "open the store for the write-up's queries") {
            let database = try SQLiteDatabase(path: path, mode: .untrusted)
            try database.setBusyTimeout(milliseconds: 10_000)
            return database
        }
        self.database = database
        let handle = database.handle
        sqlite3_limit(handle, SQLITE_LIMIT_LENGTH, Self.longestValue)
        sqlite3_limit(handle, SQLITE_LIMIT_LIKE_PATTERN_LENGTH, Self.longestPattern)
        sqlite3_limit(handle, SQLITE_LIMIT_ATTACHED, 0)
        let current = sqlite3_hard_heap_limit64(-1)
        if current == 0 || current > Self.heapLimit { sqlite3_hard_heap_limit64(Self.heapLimit) }
        try ResultStore.guarded(shown, "make the views for the write-up's queries") {
            // Temporary objects live in memory, whatever the file: nothing is written beside it.
            try database.execute("PRAGMA temp_store = MEMORY")
            for statement in RunViews.statements(runID: runID) { try database.execute(statement) }
            let insert = try database.prepare("INSERT INTO temp.\(RunViews.verdictTable) (trial_id, steady, unsteady_reason, counted) VALUES (?, ?, ?, ?)")
            try database.transaction(.deferred) {
                for verdict in verdicts {
                    try insert.bind(verdict.trialID, at: 1)
                    if let steady = verdict.steady { try insert.bind(Int64(steady ? 1 : 0), at: 2) } else { try insert.bindNull(at: 2) }
                    if let reason = verdict.unsteadyReason { try insert.bind(reason, at: 3) } else { try insert.bindNull(at: 3) }
                    try insert.bind(Int64(verdict.counted ? 1 : 0), at: 4)
                    try insert.run()
                }
            }
        }
        let tables = try ResultStore.guarded(shown, "list the store's tables") {
            try database.rows("SELECT name FROM main.sqlite_schema UNION SELECT name FROM temp.sqlite_schema") { try $0.requiredString(at: 0) }
        }
        policy = ReadPolicy(tables: tables)
        sqlite3_set_authorizer(handle, { context, action, first, second, schema, inner in
            guard let context else { return SQLITE_DENY }
            return Unmanaged<ReadPolicy>.fromOpaque(context).takeUnretainedValue().authorize(
                action, first: first.map { String(cString: $0) }, second: second.map { String(cString: $0) },
                schema: schema.map { String(cString: $0) }, inner: inner.map { String(cString: $0) })
        }, Unmanaged.passUnretained(policy).toOpaque())
        _ = try ResultStore.guarded(shown, "add the write-up's SQL functions") {
            try database.check(QueryFunctions.register(on: handle))
        }
        sqlite3_progress_handler(handle, 10_000, { context in
            guard let context else { return 1 }
            return Unmanaged<Deadline>.fromOpaque(context).takeUnretainedValue().passed ? 1 : 0
        }, Unmanaged.passUnretained(clock).toOpaque())
    }

    deinit {
        // The callbacks' contexts are this object's: never called after this.
        sqlite3_progress_handler(database.handle, 0, nil, nil)
        sqlite3_set_authorizer(database.handle, nil, nil)
    }

    /// Runs `sql` and returns at most `maxRows` rows. Throws `QueryRefusal` with what is
    /// wrong: SQLite's message, or why the query was not run.
    public func query(_ sql: String, maxRows: Int, timeLimit: Duration = RunQueries.defaultTimeLimit) throws -> QueryResult {
        try Self.checkText(sql)
        let handle = database.handle
        var statement: OpaquePointer?
        clock.start(timeLimit)
        defer { clock.stop() }
        // What follows the first statement is read while the SQL's bytes are alive.
        let (prepared, rest) = Array(sql.utf8CString).withUnsafeBufferPointer { buffer in
            var tail: UnsafePointer<CChar>?
            let status = sqlite3_prepare_v3(handle, buffer.baseAddress, Int32(buffer.count), 0, &statement, &tail)
            return (status, tail.map { String(cString: $0) } ?? "")
        }
        defer { sqlite3_finalize(statement) }
        guard prepared == SQLITE_OK else { throw refusal(prepared) }
        guard let statement else { throw QueryRefusal(message: "the cell holds no query") }
        if !Self.onlyCommentsAndSpace(rest) {
            throw QueryRefusal(message: "a cell holds one query; this one has more after its first ';'")
        }
        guard sqlite3_stmt_readonly(statement) != 0 else {
            throw QueryRefusal(message: "a query may only read")
        }
        let count = sqlite3_column_count(statement)
        let columns = (0..<count).map { index in sqlite3_column_name(statement, index).map { String(cString: $0) } ?? "column \(index + 1)" }
        var rows: [[QueryValue]] = []
        var bytes = 0
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { return QueryResult(columns: columns, rows: rows) }
            guard status == SQLITE_ROW else { throw refusal(status) }
            if rows.count == maxRows { return QueryResult(columns: columns, rows: rows, truncated: true) }
            for index in 0..<count { bytes += Int(sqlite3_column_bytes(statement, index)) }
            guard bytes <= Self.largestResult else {
                throw QueryRefusal(message: "the result holds more than \(Self.largestResult >> 20) MB of text: a report shows less")
            }
            rows.append((0..<count).map { Self.value(statement, $0) })
        }
    }

    /// SQLite's message for a failed status, or what the interrupt means.
    private func refusal(_ status: Int32) -> QueryRefusal {
        if status & 0xFF == SQLITE_INTERRUPT {
            return QueryRefusal(message: "the query ran longer than its \(clock.limitText) and was stopped")
        }
        let message = sqlite3_errmsg(database.handle).map { String(cString: $0) } ?? "SQLite error \(status)"
        if status & 0xFF == SQLITE_AUTH {
            return QueryRefusal(message: "\(message): a query reads the views (\(RunViews.names.joined(separator: ", "))) and nothing else")
        }
        return QueryRefusal(message: message)
    }

    private static func value(_ statement: OpaquePointer, _ index: Int32) -> QueryValue {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, index))
        case SQLITE_TEXT:
            guard let text = sqlite3_column_text(statement, index) else { return .null }
            let length = Int(sqlite3_column_bytes(statement, index))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self))
        case SQLITE_BLOB: return .blob(bytes: Int(sqlite3_column_bytes(statement, index)))
        default: return .null
        }
    }

    /// Refuses, before SQLite sees it, a query that does not start as a query or that names a
    /// common table expression like a view (`WITH run_trials AS (…)`).
    static func checkText(_ sql: String) throws {
        let tokens = SQLTokens(sql).words
        guard let first = tokens.first?.lowercased() else { throw QueryRefusal(message: "the cell holds no query") }
        guard ["select", "with", "values"].contains(first) else {
            throw QueryRefusal(message: "a query starts with SELECT, WITH or VALUES, not \(first.uppercased()): the views can only be read")
        }
        for (index, word) in tokens.enumerated() where RunViews.names.contains(word.lowercased()) {
            let next = tokens.dropFirst(index + 1).prefix(2).map { $0.lowercased() }
            if next.first == "(" || next.first == "as" && (next.dropFirst().first.map { ["(", "materialized", "not"].contains($0) } ?? false) {
                throw QueryRefusal(message: "'\(word)' is the name of a view: name the query's own table something else")
            }
        }
    }

    static func onlyCommentsAndSpace(_ text: String) -> Bool {
        SQLTokens(text).words.allSatisfy { $0 == ";" }
    }
}

/// What the authorizer allows: reading a view, and any table a view reads (SQLite names
/// the view as the read's context); selecting, functions (but loading an extension) and
/// recursion. A query's own common table expression named like a view would borrow that
/// context: `RunQueries.checkText` refuses one.
private final class ReadPolicy {
    /// The store's tables and SQLite's own, lowercased.
    let tables: Set<String>

    init(tables: [String]) {
        self.tables = Set((tables + ["sqlite_master", "sqlite_schema", "sqlite_temp_master", "sqlite_temp_schema"]).map { $0.lowercased() })
    }

    /// `first` and `second` are the action's arguments: the table and column read, or (for a
    /// function) nothing and the function's name; `schema` the database read.
    func authorize(_ action: Int32, first table: String?, second: String?, schema: String?, inner: String?) -> Int32 {
        switch action {
        case SQLITE_SELECT, SQLITE_RECURSIVE:
            return SQLITE_OK
        case SQLITE_FUNCTION:
            return second?.lowercased() == "load_extension" ? SQLITE_DENY : SQLITE_OK
        case SQLITE_READ:
            // A view itself, which lives in temp: the store has a table named like one
            // (run_hosts), which `main.run_hosts` would otherwise read.
            if let table, schema == "temp", RunViews.names.contains(table) { return SQLITE_OK }
            if let inner, RunViews.names.contains(inner) { return SQLITE_OK }
            // A view's LEFT JOIN of the verdicts that the query reads no column of is dropped
            // by the planner and authorized as a read of no column outside the view.
            if table == RunViews.verdictTable, second == "" { return SQLITE_OK }
            // The query's own table expressions (`WITH r AS (…) SELECT count(*) FROM r`):
            // SQLite names no schema for a read of no column, so the name tells them apart.
            if let table, second == "", !tables.contains(table.lowercased()) { return SQLITE_OK }
            return SQLITE_DENY
        default:
            return SQLITE_DENY
        }
    }
}

/// The deadline of the running query, read by SQLite's progress handler on the same thread.
private final class Deadline {
    private var end: ContinuousClock.Instant?
    private var limit: Duration = .zero

    func start(_ limit: Duration) {
        self.limit = limit
        end = ContinuousClock.now.advanced(by: limit)
    }

    func stop() { end = nil }

    var passed: Bool { end.map { ContinuousClock.now >= $0 } ?? false }

    var limitText: String {
        let seconds = Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18
        return seconds == seconds.rounded() ? "\(Int(seconds)) s limit" : "\(seconds) s limit"
    }
}

/// SQL split into words as SQLite's tokenizer would: identifiers and strings (unquoted),
/// keywords and punctuation, with comments left out.
struct SQLTokens {
    var words: [String] = []

    init(_ sql: String) {
        let characters = Array(sql.unicodeScalars)
        var index = 0
        func at(_ offset: Int) -> Unicode.Scalar? { index + offset < characters.count ? characters[index + offset] : nil }
        func isWord(_ c: Unicode.Scalar) -> Bool { c == "_" || c == "$" || c.properties.isAlphabetic || ("0"..."9").contains(c) || c.value > 127 }
        while index < characters.count {
            let c = characters[index]
            if c.properties.isWhitespace {
                index += 1
            } else if c == "-", at(1) == "-" {
                while index < characters.count, characters[index] != "\n" { index += 1 }
            } else if c == "/", at(1) == "*" {
                index += 2
                while index < characters.count, !(characters[index] == "*" && at(1) == "/") { index += 1 }
                index += 2
            } else if c == "'" || c == "\"" || c == "`" || c == "[" {
                let close: Unicode.Scalar = c == "[" ? "]" : c
                var text = ""
                index += 1
                while index < characters.count {
                    if characters[index] == close {
                        // A doubled quote is one quote inside ('it''s', "a""b").
                        if close != "]", at(1) == close { text.unicodeScalars.append(close); index += 2; continue }
                        break
                    }
                    text.unicodeScalars.append(characters[index])
                    index += 1
                }
                index += 1
                // A string in a place only a name fits is read as that name ('run_trials').
                words.append(text)
            } else if isWord(c) {
                var text = ""
                while index < characters.count, isWord(characters[index]) {
                    text.unicodeScalars.append(characters[index])
                    index += 1
                }
                words.append(text)
            } else {
                words.append(String(c))
                index += 1
            }
        }
    }
}
