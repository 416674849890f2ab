import CSQLite
import Core
import Foundation
import Synchronization

/// The checks a results file from elsewhere (an export to import, render or compare with)
/// passes before reportgen copies, migrates or reads a byte of it for a report, on a
/// connection opened `.untrusted`: it is a reportgen file of a schema this build knows; its
/// schema is exactly the one reportgen writes at that version, so no table, view, trigger or
/// index of anyone else's rides along into the copy that is migrated; SQLite finds its pages
/// sound; and every number in it has the type and range reportgen could have written, so
/// what reads it later may do arithmetic without a check per row. Any failure is a
/// `ReportgenError` with code `.refusedFile` naming what is wrong and where.
struct StoreAudit {
    let database: SQLiteDatabase
    let location: SourceLocation

    /// Changes when the checks get stricter, so cached copies checked by an earlier build
    /// are checked again (`SnapshotCache`).
    static let revision = 1

    /// What to say after every refusal: the file was only read.
    static let untouched = "The file was left untouched, and nothing was copied from it."

    /// Whose file it is, its version and its schema: the checks that must pass before
    /// anything copies the file. Returns the schema version.
    func checkShape() throws -> Int {
        let version = try checkVersion()
        try checkSchema(version: version)
        return version
    }

    /// Its pages and every value in it, once its shape passed: a scan of the whole file,
    /// which may run beside the copy (nothing reads the copy before this returns).
    func checkContents(version: Int) throws {
        try checkPages()
        try checkNumbers(version: version)
    }

    /// The schema check alone: what a cached copy, already checked, is checked for again
    /// each time it is opened (a few rows, so it costs nothing).
    func checkSchemaOnly(version expected: Int) throws {
        guard try checkVersion() == expected else { throw refusal("is at another schema version than its cache name says") }
        try checkSchema(version: expected)
    }

    private func checkVersion() throws -> Int {
        let facts = try StoreFileFacts(database)
        guard facts.isReportgen, facts.tables > 0 else {
            let what = facts.tables == 0 ? "an empty SQLite database" : "an SQLite database of another program"
            throw refusal("not a reportgen results file: \(what)", hint: "pass a file written by 'reportgen export'. \(Self.untouched)")
        }
        try facts.refuseNewer(at: location, hint: "upgrade reportgen to read it. \(Self.untouched)", code: .refusedFile)
        guard facts.version >= 1 else {
            throw refusal("not a reportgen results file: it says it is at schema \(facts.version), which no reportgen writes")
        }
        return Int(facts.version)
    }

    private func checkSchema(version: Int) throws {
        let expected = try StoreAudit.expectedSchema(version: version)
        let found = try SchemaObject.all(in: database)
        for object in found.values.sorted(by: { $0.key < $1.key }) {
            guard let wanted = expected[object.key] else {
                throw refusal(
                    "holds \(object.described) that reportgen does not write: \(object.excerpt)",
                    hint: "someone added it to the file; reportgen reads only files whose schema is its own. \(Self.untouched)")
            }
            guard wanted == object else {
                throw refusal(
                    "\(object.described) is defined otherwise than reportgen \(version >= StoreSchema.currentVersion ? "" : "at schema \(version) ")writes it: \(object.excerpt)",
                    hint: "someone changed the file's schema; export the run again from the store it came from. \(Self.untouched)")
            }
        }
        for object in expected.values.sorted(by: { $0.key < $1.key }) where found[object.key] == nil {
            // An xz export leaves out the sample indexes; the copy builds them.
            guard !StoreSchema.sampleIndexNames.contains(object.name) else { continue }
            throw refusal("lacks \(object.described), which reportgen writes at schema \(version)")
        }
    }

    private func checkPages() throws {
        let problems = try database.rows("PRAGMA quick_check(5)") { $0.string(at: 0) ?? "" }
        guard problems == ["ok"] else {
            throw refusal(
                "is damaged: SQLite's quick_check says \(problems.joined(separator: "; "))",
                hint: "copy the file again from where it came from, or export it again. \(Self.untouched)")
        }
    }

    /// One scan of each table: every column of the type its declaration says (no text where
    /// a number belongs), no NULL where the schema forbids one, every number finite and in
    /// its range, every rowid in 1…2^53.
    private func checkNumbers(version: Int) throws {
        for rule in try StoreAudit.tableRules(version: version) {
            guard let bad = try database.firstRow(rule.query, decode: { row in
                (rowid: row.int64(at: 0), column: try row.requiredString(at: 1), value: try row.requiredString(at: 2))
            }) else { continue }
            let expected = rule.expectations[bad.column] ?? "a row id in 1…\(ValueRange.maximumRowID)"
            throw refusal(
                "\(rule.table) row \(bad.rowid) holds \(bad.value) in \(bad.column), where reportgen writes \(expected)",
                keyPath: "\(rule.table).\(bad.column)",
                hint: "the file was changed outside reportgen or is damaged; export the run again from the store it came from. \(Self.untouched)")
        }
    }

    private func refusal(_ message: String, keyPath: String? = nil, hint: String? = nil) -> ReportgenError {
        var place = location
        place.keyPath = keyPath
        return ReportgenError(
            .refusedFile, message, at: place,
            hint: hint ?? "pass a file written by 'reportgen export' and not changed since. \(Self.untouched)")
    }
}

/// One entry of `sqlite_master`, its SQL with runs of white space made one space.
struct SchemaObject: Equatable {
    var type: String
    var name: String
    var table: String
    var sql: String?

    var key: String { type + " " + name }

    var described: String {
        type == "table" || name == table ? "the \(type) '\(name)'" : "the \(type) '\(name)' on '\(table)'"
    }

    var excerpt: String {
        guard let sql else { return "(made by SQLite)" }
        return sql.count > 160 ? String(sql.prefix(160)) + "…" : sql
    }

    static func all(in database: SQLiteDatabase) throws -> [String: SchemaObject] {
        let objects = try database.rows("SELECT type, name, tbl_name, sql FROM sqlite_master") { row in
            SchemaObject(
                type: try row.requiredString(at: 0), name: try row.requiredString(at: 1),
                table: try row.requiredString(at: 2), sql: row.string(at: 3).map(normalised))
        }
        return Dictionary(objects.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
    }

    private static func normalised(_ sql: String) -> String {
        sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}

/// The range a stored number may take, and how a refusal words it.
struct ValueRange {
    var lower: Double
    var upper: Double
    var words: String

    /// Row ids, and ids that name rows: what SQLite assigns counting up from 1, far from
    /// the end of Int64 so no sum or difference of two of them can overflow.
    static let maximumRowID: Int64 = 1 << 53
    /// A day in microseconds: no measured window, latency or clock offset is longer.
    static let dayUs = 86_400_000_000.0
    /// What one window can count (requests, errors, one latency's requests): a day at more
    /// than ten million requests a second. A run's totals stay below 2^63 with a million
    /// trials of that.
    static let windowCount = 1e12

    static let counts = ValueRange(lower: 0, upper: windowCount, words: "a count of at most 10^12")
    static let durations = ValueRange(lower: 0, upper: dayUs, words: "a duration in µs of at most a day")
    static let signedOffsets = ValueRange(lower: -dayUs, upper: dayUs, words: "an offset in µs within a day either way")
    static let flags = ValueRange(lower: 0, upper: 1, words: "0 or 1")
    static let unsigned = ValueRange(lower: 0, upper: Double(maximumRowID), words: "an integer in 0…2^53")
    static let nonNegative = ValueRange(lower: 0, upper: 1e15, words: "a finite number in 0…10^15")

    /// Ranges of the columns that need a narrower one than their type's default
    /// (`unsigned` for INTEGER, `nonNegative` for REAL); `nil` takes any 64-bit value.
    static let columns: [String: ValueRange?] = [
        "runs.shuffle_seed": nil,
        "runs.quick": flags,
        "runs.max_error_rate": ValueRange(lower: 0, upper: 1, words: "a share in 0…1"),
        "trials.duration_us": durations,
        "trials.requests": counts,
        "trials.errors_connect": counts, "trials.errors_read": counts, "trials.errors_write": counts,
        "trials.errors_status": counts, "trials.errors_timeout": counts,
        "trials.busy": flags,
        "latency_samples.latency_us": durations,
        "latency_samples.count": counts,
        "latency_histograms.buckets": counts,
        "generator_percentiles.percentile": ValueRange(lower: 0, upper: 100, words: "a percentile in 0…100"),
        "generator_percentiles.latency_us": durations,
        "resource_samples.t_ms": ValueRange(lower: -dayUs / 1000, upper: dayUs / 1000, words: "a time in ms within a day either way"),
        "requests.start_us": signedOffsets,
        "requests.latency_us": durations,
        "requests.status": ValueRange(lower: 0, upper: 999, words: "an HTTP status in 0…999"),
        "trial_timelines.warmup_us": durations,
        "trial_timelines.interval_us": ValueRange(lower: 1, upper: dayUs, words: "an interval of 1 µs to a day in µs"),
        "trial_timelines.in_flight_start": counts, "trial_timelines.in_flight_end": counts,
        "trial_intervals.start_us": signedOffsets,
        "trial_intervals.length_us": durations,
        "trial_intervals.requests": counts,
        "trial_intervals.errors_connect": counts, "trial_intervals.errors_read": counts, "trial_intervals.errors_write": counts,
        "trial_intervals.errors_status": counts, "trial_intervals.errors_timeout": counts,
        "trial_intervals.p50_us": durations, "trial_intervals.p99_us": durations,
        "capacity_probes.offered_rps": ValueRange(lower: 1e-9, upper: 1e9, words: "a rate above 0 and at most 10^9 requests/s"),
        "capacity_probes.held": flags,
        "capacity_searches.generator_limit_rps": ValueRange(lower: 1e-9, upper: 1e9, words: "a rate above 0 and at most 10^9 requests/s"),
        "published_results.requests": counts,
        "run_hosts.clock_offset_us": signedOffsets,
        "run_hosts.clock_probe_rtt_us": durations,
        "run_hosts.load_rtt_min_us": durations,
        "run_hosts.load_rtt_avg_us": durations,
    ]
}

extension StoreAudit {
    /// The check of one table: a query whose first row, if any, names a bad row, its
    /// column and value; and what each column should hold, in words.
    struct TableRule {
        var table: String
        var query: String
        var expectations: [String: String]
    }

    /// What reportgen itself writes at `version`: its own migrations 1…version run on an
    /// empty database in memory, so a new migration is checked for with no change here.
    /// Memoised per version; built once per process.
    static func expectedSchema(version: Int) throws -> [String: SchemaObject] {
        try reference(version: version).schema
    }

    static func tableRules(version: Int) throws -> [TableRule] {
        try reference(version: version).rules
    }

    private struct Reference {
        var schema: [String: SchemaObject]
        var rules: [TableRule]
    }

    private static let references = Mutex<[Int: Reference]>([:])

    private static func reference(version: Int) throws -> Reference {
        if let known = references.withLock({ $0[version] }) { return known }
        let database = try SQLiteDatabase(path: ":memory:")
        try StoreSchema.migrate(database, upTo: version)
        let schema = try SchemaObject.all(in: database)
        var rules: [TableRule] = []
        for table in schema.values.filter({ $0.type == "table" }).map(\.name).sorted() {
            let columns = try database.rows("SELECT name, type, \"notnull\" FROM pragma_table_info(?)", table) {
                (name: try $0.requiredString(at: 0), type: try $0.requiredString(at: 1).uppercased(), notNull: $0.int64(at: 2) != 0)
            }
            rules.append(rule(table: table, columns: columns))
        }
        let built = Reference(schema: schema, rules: rules)
        references.withLock { $0[version] = built }
        return built
    }

    /// The one-scan query for `table`: a CASE that names the first bad column of a row.
    private static func rule(table: String, columns: [(name: String, type: String, notNull: Bool)]) -> TableRule {
        var cases = ["WHEN NOT (rowid BETWEEN 1 AND \(ValueRange.maximumRowID)) THEN 'rowid'"]
        var values = ["WHEN 'rowid' THEN rowid"]
        var expectations: [String: String] = [:]
        for column in columns {
            let quoted = "\"" + column.name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            let types: [String]
            var range: ValueRange?
            switch column.type {
            case "INTEGER":
                types = ["integer"]
                range = ValueRange.columns["\(table).\(column.name)"] ?? .unsigned
            case "REAL":
                types = ["real", "integer"]
                range = ValueRange.columns["\(table).\(column.name)"] ?? .nonNegative
            case "BLOB":
                types = ["blob"]
            default:
                types = ["text"]
            }
            let allowed = (types + (column.notNull ? [] : ["null"])).map { "'\($0)'" }.joined(separator: ", ")
            let typeWords = column.type == "TEXT" || column.type == "BLOB" ? column.type.lowercased() : (range?.words ?? "an integer")
            expectations[column.name] = typeWords + (column.notNull ? "" : " or NULL")
            cases.append("WHEN typeof(\(quoted)) NOT IN (\(allowed)) THEN '\(column.name)'")
            if let range {
                cases.append("WHEN \(quoted) IS NOT NULL AND NOT (\(quoted) BETWEEN \(literal(range.lower)) AND \(literal(range.upper))) THEN '\(column.name)'")
            }
            values.append("WHEN '\(column.name)' THEN \(quoted)")
        }
        let query = """
            SELECT rowid, bad, substr(quote(CASE bad \(values.joined(separator: " ")) END), 1, 60) FROM (
                SELECT rowid, \(columns.map { "\"" + $0.name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ", ")),
                       CASE \(cases.joined(separator: " ")) END AS bad
                FROM "\(table)"
            ) WHERE bad IS NOT NULL LIMIT 1
            """
        return TableRule(table: table, query: query, expectations: expectations)
    }

    /// An SQL literal of a bound: an integer when it is one, so INTEGER columns compare exactly.
    private static func literal(_ value: Double) -> String {
        if let integer = Int64(exactly: value) { return String(integer) }
        return "\(value)"
    }
}
