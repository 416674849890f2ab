import Core
import Definition
import Foundation
import Records

/// The published-results CSV (`experiments/NAME/baseline/*.csv`), as the seed's
/// `published-2017.csv` writes it: a header naming the columns, then one row per variant.
///
/// Columns (any order, each exactly once): `variant`, `min_ms`, `p50_ms`, `p99_ms`,
/// `p99_9_ms`, `max_ms`, `mean_ms` (latency in milliseconds), `duration_s` (the measured
/// window in seconds) and `requests` (requests completed in that window). `variant` and
/// `requests` must be filled; an empty numeric cell means the table did not give it. Fields
/// follow RFC 4180 (a quoted field may hold commas, quotes and line breaks), as `results.csv`
/// writes them; blank lines are skipped.
public enum PublishedCSV {
    /// Every column, in the seed's order.
    public static let columns = [
        "variant", "min_ms", "p50_ms", "p99_ms", "p99_9_ms", "max_ms", "mean_ms", "duration_s", "requests",
    ]

    /// Parses `text`; `file` names it in errors, which also carry the line.
    public static func parse(_ text: String, file: String) throws -> [PublishedRow] {
        let records: [CSV.Record]
        do {
            records = try CSV.records(text)
        } catch let error as CSV.SyntaxError {
            throw ReportgenError(
                .badDefinition, error.message, at: SourceLocation(file: file, line: error.line),
                hint: "quote a field that holds a comma, and double the quotes inside it: \"a \"\"b\"\", c\"")
        }
        guard let headerRecord = records.first else {
            throw ReportgenError(
                .badDefinition, "the published results table is empty", at: SourceLocation(file: file),
                hint: "the first line names the columns: \(columns.joined(separator: ","))")
        }
        let header = headerRecord.fields
        let headerLine = headerRecord.line
        var position: [String: Int] = [:]
        for (offset, name) in header.enumerated() {
            guard columns.contains(name) else {
                let near = KeySuggestion.nearest(to: name, in: columns).map { "did you mean '\($0)'? " } ?? ""
                throw ReportgenError(
                    .badDefinition, "unknown column '\(name)' in the published results header",
                    at: SourceLocation(file: file, line: headerLine),
                    hint: "\(near)columns: \(columns.joined(separator: ","))")
            }
            guard position[name] == nil else {
                throw ReportgenError(
                    .badDefinition, "column '\(name)' appears twice in the header",
                    at: SourceLocation(file: file, line: headerLine), hint: "name each column once")
            }
            position[name] = offset
        }
        if let missing = columns.first(where: { position[$0] == nil }) {
            throw ReportgenError(
                .badDefinition, "the header has no '\(missing)' column", at: SourceLocation(file: file, line: headerLine),
                hint: "columns: \(columns.joined(separator: ",")); leave a cell empty for a value the table does not give")
        }

        var rows: [PublishedRow] = []
        for record in records.dropFirst() {
            let location = SourceLocation(file: file, line: record.line)
            let cells = record.fields
            guard cells.count == header.count else {
                throw ReportgenError(
                    .badDefinition, "this row has \(cells.count) fields, the header \(header.count)", at: location,
                    hint: "write one value per column, separated by commas: \(header.joined(separator: ","))")
            }
            func cell(_ name: String) -> String { position[name].map { cells[$0] } ?? "" }
            func number(_ name: String) throws -> Double? {
                let text = cell(name)
                if text.isEmpty { return nil }
                guard let value = Double(text), value.isFinite, value >= 0 else {
                    throw ReportgenError(
                        .badDefinition, "\(name) '\(text)' is not a non-negative number", at: location,
                        hint: "write e.g. 247.72, with '.' as the decimal mark and no unit")
                }
                return value
            }
            let variant = cell("variant")
            guard !variant.isEmpty else {
                throw ReportgenError(.badDefinition, "a row without a variant name", at: location, hint: "the variant column names the variant, e.g. flask:gevent")
            }
            guard !rows.contains(where: { $0.variant == variant }) else {
                throw ReportgenError(.badDefinition, "variant '\(variant)' appears twice", at: location, hint: "give each variant one row")
            }
            guard let requests = Int64(cell("requests")), requests >= 0 else {
                throw ReportgenError(
                    .badDefinition, "requests '\(cell("requests"))' is not a whole number of requests", at: location,
                    hint: "write the count without separators, e.g. 30702")
            }
            rows.append(PublishedRow(
                variant: variant, minMs: try number("min_ms"), p50Ms: try number("p50_ms"),
                p99Ms: try number("p99_ms"), p999Ms: try number("p99_9_ms"), maxMs: try number("max_ms"),
                meanMs: try number("mean_ms"), durationS: try number("duration_s"), requests: requests))
        }
        guard !rows.isEmpty else {
            throw ReportgenError(
                .badDefinition, "the published results table has a header but no rows",
                at: SourceLocation(file: file, line: headerLine), hint: "add one row per variant")
        }
        return rows
    }

    /// The text of the table `file`.
    public static func read(_ file: URL) throws -> String {
        do {
            return try String(contentsOf: file, encoding: .utf8)
        } catch {
            throw ReportgenError(
                .io, "cannot read the published results table", at: SourceLocation(file: DisplayPath.of(file)),
                hint: "check that the file exists and is UTF-8 text", underlying: error)
        }
    }

    /// How a report names a baseline file: "published-2017.csv" → "published 2017".
    public static func label(for file: URL) -> String {
        file.deletingPathExtension().lastPathComponent.replacingOccurrences(of: "-", with: " ")
            .replacingOccurrences(of: "_", with: " ")
    }

}

extension ResultStore {
    /// Imports the published results table `file` as a run of kind `published` of
    /// `experiment`: a machine of its own ("<label>, hardware not described"), one variant per
    /// row and the rows in `published_results`; no trials, no samples. Importing the same
    /// content again (for the same experiment) returns the run already stored, so a report can
    /// call this every time it renders. A malformed table is an error naming file and line.
    @discardableResult
    public func importPublished(csv file: URL, experiment: String) throws -> StoredRun {
        let display = DisplayPath.of(file)
        let text = try PublishedCSV.read(file)
        let rows = try PublishedCSV.parse(text, file: display)
        let label = PublishedCSV.label(for: file)
        let hash = SHA256.hex(text)
        // The identity is the content, not the path: a moved or renamed copy is the same baseline.
        let uid = "published-\(experiment)-\(hash.prefix(16))"
        if let existing = try run(uid: uid) {
            try requireSameTable(existing, text: text, rows: rows, file: display)
            return existing
        }

        let machine = MachineInfo.published(label: label)
        // Nothing is known of the software a published table was measured with.
        let software = try StoreJSON.encode(SoftwareVersions(reportgen: ReportgenVersion.current, source: display))
        let variantConfig = try StoreJSON.encode(VariantConfig(source: RunKind.published.rawValue))
        return try guarded("import the published results \(display)") {
            try database.transaction {
                // Never refresh a known machine's facts from a CSV: the row is ours to label.
                try database.run(
                    """
                    INSERT INTO machines (fingerprint, hostname, cpu_model, cpu_cores, memory_bytes, kernel, os, cpu_governor)
                    VALUES (?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (fingerprint) DO NOTHING
                    """,
                    machine.fingerprint, machine.hostname, machine.cpuModel, machine.cpuCores,
                    machine.memoryBytes, machine.kernel, machine.os)
                guard let machineID = try database.firstRow(
                    "SELECT id FROM machines WHERE fingerprint = ?", machine.fingerprint, decode: { $0.int64(at: 0) })
                else {
                    throw ReportgenError(.io, "the published table's machine could not be read back after it was stored", at: SourceLocation(file: path.path(percentEncoded: false)))
                }
                let now = Date()
                try database.run(
                    """
                    INSERT INTO runs (experiment, definition_hash, definition_text, machine_id, started_at,
                        finished_at, status, kind, tool_version, project_commit, shuffle_seed, overrides_json,
                        quick, software_json, upstream_command_line, uid, store_uid)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, ?, 0, ?, '', ?, (SELECT uid FROM store_identity))
                    """,
                    experiment, hash, text, machineID, now, now, RunStatus.complete.rawValue, RunKind.published.rawValue,
                    ReportgenVersion.current, try StoreJSON.encode(RunOverrides()), software, uid)
                let runID = database.lastInsertedRowID
                let variant = try database.prepare(
                    "INSERT INTO variants (run_id, name, position, config_json, variant) VALUES (?, ?, ?, ?, ?)")
                let result = try database.prepare(
                    """
                    INSERT INTO published_results (run_id, variant_id, min_ms, p50_ms, p99_ms, p99_9_ms,
                        max_ms, mean_ms, duration_s, requests)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for (position, row) in rows.enumerated() {
                    try variant.bind([runID, row.variant, position, variantConfig, row.variant])
                    try variant.run()
                    let variantID = database.lastInsertedRowID
                    try result.bind([
                        runID, variantID, row.minMs, row.p50Ms, row.p99Ms, row.p999Ms, row.maxMs, row.meanMs,
                        row.durationS, row.requests,
                    ])
                    try result.run()
                }
                guard let stored = try database.firstRow(
                    "SELECT \(StoredRun.columns) FROM runs WHERE id = ?", runID, decode: StoredRun.init(row:))
                else {
                    throw ReportgenError(.io, "run \(runID) could not be read back after it was stored", at: SourceLocation(file: path.path(percentEncoded: false)))
                }
                return stored
            }
        }
    }

    /// Refuses a stored run that has the identity of the table `file` (its text's hash) but
    /// not its content: an imported file that planted other numbers under the identity of a
    /// public table must not stand in for it.
    private func requireSameTable(_ existing: StoredRun, text: String, rows: [PublishedRow], file: String) throws {
        let stored = try publishedRows(runID: existing.id)
        var difference: String?
        if existing.kind != .published {
            difference = "it is a \(existing.kind.rawValue) run, not a published table"
        } else if try definitionText(ofRun: existing.id) != text {
            difference = "its stored table text differs from the file's"
        } else if let row = rows.first(where: { !stored.contains($0) }) {
            let theirs = stored.first { $0.variant == row.variant }
            difference = theirs.map { "variant '\(row.variant)': \(Self.differences(stored: $0, file: row))" }
                ?? "variant '\(row.variant)' is missing in the store"
        } else if stored != rows {
            difference = stored.count != rows.count
                ? "the store holds \(stored.count) rows, the file \(rows.count)" : "the store holds the rows in another order"
        }
        guard let difference else { return }
        throw ReportgenError(
            .badDefinition,
            """
            conflict: run \(existing.id) of \(path.path(percentEncoded: false)) (\(try origin(ofRun: existing.id))) has this \
            published table's identity but not its content: \(difference)
            """,
            at: SourceLocation(file: file),
            hint: """
                the stored copy was altered, or is another table reusing the identity; nothing was changed. Use a store \
                without run \(existing.id) (--db OTHER.sqlite), or import the file that brought it into another store to look at it apart
                """)
    }

    /// "requests 35702 in the store, 30702 in the file": the columns where two rows differ.
    private static func differences(stored: PublishedRow, file: PublishedRow) -> String {
        func columns(_ row: PublishedRow) -> [String] {
            [row.minMs, row.p50Ms, row.p99Ms, row.p999Ms, row.maxMs, row.meanMs, row.durationS].map { $0.map { "\($0)" } ?? "empty" }
                + ["\(row.requests)"]
        }
        return zip(PublishedCSV.columns.dropFirst(), zip(columns(stored), columns(file)))
            .filter { $1.0 != $1.1 }
            .map { "\($0) \($1.0) in the store, \($1.1) in the file" }.joined(separator: "; ")
    }

    /// The published rows of run `runID`, in the table's order; empty for a measured run.
    public func publishedRows(runID: Int64) throws -> [PublishedRow] {
        try guarded("read the published results of run \(runID)") {
            try database.rows(
                """
                SELECT v.name, p.min_ms, p.p50_ms, p.p99_ms, p.p99_9_ms, p.max_ms, p.mean_ms, p.duration_s, p.requests
                FROM published_results p JOIN variants v ON v.id = p.variant_id
                WHERE p.run_id = ? ORDER BY v.position, v.id
                """, runID
            ) { row in
                PublishedRow(
                    variant: try row.requiredString("name"), minMs: try row.optionalDouble("min_ms"),
                    p50Ms: try row.optionalDouble("p50_ms"), p99Ms: try row.optionalDouble("p99_ms"),
                    p999Ms: try row.optionalDouble("p99_9_ms"), maxMs: try row.optionalDouble("max_ms"),
                    meanMs: try row.optionalDouble("mean_ms"), durationS: try row.optionalDouble("duration_s"),
                    requests: try row.int64("requests"))
            }
        }
    }

    /// The run whose stable identity is `uid`, if this store holds it.
    public func run(uid: String) throws -> StoredRun? {
        try guarded("look up run \(uid)") {
            try database.firstRow(
                "SELECT \(StoredRun.columns) FROM runs WHERE uid = ?", uid, decode: StoredRun.init(row:))
        }
    }

    /// The stable identity of run `id` (`runs.uid`), if the store has the run.
    public func uid(ofRun id: Int64) throws -> String? {
        try guarded("read the identity of run \(id)") {
            try database.firstRow("SELECT uid FROM runs WHERE id = ?", id) { $0.string(at: 0) } ?? nil
        }
    }

    /// The kind of run `id`, if the store has the run.
    public func kind(ofRun id: Int64) throws -> RunKind? {
        try guarded("read the kind of run \(id)") {
            try database.firstRow("SELECT kind FROM runs WHERE id = ?", id) { try $0.decoded(RunKind.self, at: 0) }
        }
    }
}
