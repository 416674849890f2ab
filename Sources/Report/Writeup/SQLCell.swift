import Core
import Definition
import Foundation
import Store

/// The questions a write-up asks in SQL, over the run's views (`RunViews`), on one
/// connection opened at the first question (`RunQueries`): the store is only read.
final class WriteupQueries {
    private let path: String
    private let shown: String
    private let runID: Int64
    private let verdicts: [TrialVerdict]
    private var connection: RunQueries?

    /// `path` is the file the run is read from, `shown` how messages name it.
    init(path: String, shown: String, runID: Int64, verdicts: [TrialVerdict]) {
        (self.path, self.shown, self.runID, self.verdicts) = (path, shown, runID, verdicts)
    }

    /// The result of `sql`, or a located error with SQLite's message.
    func run(_ sql: String, maxRows: Int, timeLimit: Duration = RunQueries.defaultTimeLimit, at location: SourceLocation) throws -> QueryResult {
        if connection == nil {
            connection = try RunQueries(path: path, shown: shown, runID: runID, verdicts: verdicts)
        }
        do {
            return try connection!.query(sql, maxRows: maxRows, timeLimit: timeLimit)
        } catch let refusal as QueryRefusal {
            throw ReportgenError(.badDefinition, "the query failed: \(refusal.message)", at: location, hint: SQLCell.viewsHint)
        }
    }

    /// `{{ sql: SELECT … }}`: the one value of a query of one row and one column.
    func value(_ sql: String, at location: SourceLocation) throws -> String {
        let result = try run(sql, maxRows: 1, at: location)
        guard result.columns.count == 1, result.rows.count == 1, !result.truncated else {
            let rows = result.truncated ? "more than one row" : result.rows.isEmpty ? "no row" : "one row"
            throw ReportgenError(
                .badDefinition, "an inline {{ sql: … }} value needs one row of one column; this query returned \(rows), of \(result.columns.count) column\(result.columns.count == 1 ? "" : "s")",
                at: location, hint: "aggregate or filter to one value, e.g. {{ sql: SELECT sum(requests) FROM run_trials WHERE counted }}")
        }
        return SQLCell.text(result.rows[0][0])
    }
}

/// A ```` ```sql ```` cell of a write-up: the query is its body; its info string says how
/// the result is shown. Without `chart=` a table (column names as headers, at most
/// `maxRows` rows, a note when there were more); with `chart=bar|line|scatter x=COL y=COL`
/// (and optionally `series=COL`, `title="…"`, `logy`) a chart drawn like the built-in ones.
/// `timeout=30s` gives a slow query longer than `RunQueries.defaultTimeLimit`.
struct SQLCell {
    enum ChartKind: String, CaseIterable, Sendable { case bar, line, scatter }

    static let maxRows = 1_000
    static let viewsHint = "a query reads the run's views: run_trials, run_latency, run_timeline, run_resources, run_cells, run_machine, run_hosts (README, “Asking your own questions”)"

    var query: String
    var chart: ChartKind?
    var x: String?
    var y: String?
    var series: String?
    var title: String?
    var logY = false
    var timeLimit = RunQueries.defaultTimeLimit
    /// Where the cell opens, and where its query's first line is.
    var location: SourceLocation
    var queryLocation: SourceLocation

    init(arguments: [String], body: [String], at location: SourceLocation) throws {
        self.location = location
        queryLocation = SourceLocation(file: location.file, line: (location.line ?? 0) + 1)
        query = body.joined(separator: "\n")
        guard !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ReportgenError(.badDefinition, "the sql cell holds no query", at: location, hint: "write the query between the fences, e.g. SELECT cell, sum(requests) FROM run_trials GROUP BY cell")
        }
        for (key, value) in try Self.options(arguments.joined(separator: " "), at: location) {
            func needed() throws -> String {
                guard let value, !value.isEmpty else {
                    throw ReportgenError(.badDefinition, "the sql cell's \(key) needs a value", at: location, hint: "write \(key)=…")
                }
                return value
            }
            switch key {
            case "chart":
                let kind = try needed()
                guard let chart = ChartKind(rawValue: kind) else {
                    throw ReportgenError(
                        .badDefinition, "unknown chart '\(kind)' in the sql cell", at: location,
                        hint: "chart= is one of: \(ChartKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                self.chart = chart
            case "x": x = try needed()
            case "y": y = try needed()
            case "series": series = try needed()
            case "title": title = try needed()
            case "logy":
                guard value == nil else {
                    throw ReportgenError(.badDefinition, "logy takes no value", at: location, hint: "write logy on its own")
                }
                logY = true
            case "timeout":
                let text = try needed()
                guard let limit = DurationSyntax.parse(text), limit > .zero, limit <= RunQueries.longestTimeLimit else {
                    throw ReportgenError(
                        .badDefinition, "the sql cell's timeout '\(text)' is not a duration up to \(Int(RunQueries.longestTimeLimit.seconds)) s",
                        at: location, hint: "write e.g. timeout=30s")
                }
                timeLimit = limit
            default:
                throw ReportgenError(
                    .badDefinition, "unknown option '\(key)' in the sql cell", at: location,
                    hint: "options: chart=bar|line|scatter, x=COLUMN, y=COLUMN, series=COLUMN, title=\"…\", logy, timeout=30s")
            }
        }
        if chart != nil, x == nil || y == nil {
            throw ReportgenError(
                .badDefinition, "a sql chart needs x= and y=, the columns it draws", at: location,
                hint: "write e.g. ```sql chart=bar x=cell y=share")
        }
        if chart == nil, let stray = [("x", x), ("y", y), ("series", series)].first(where: { $0.1 != nil })?.0 ?? (logY ? "logy" : nil) {
            throw ReportgenError(
                .badDefinition, "\(stray) is an option of a sql chart, and this cell has no chart=", at: location,
                hint: "add chart=bar, chart=line or chart=scatter, or remove \(stray)")
        }
    }

    /// `key=value` pairs and bare words of an info string; a value may be "quoted, with spaces".
    static func options(_ text: String, at location: SourceLocation) throws -> [(key: String, value: String?)] {
        var result: [(String, String?)] = []
        var rest = Substring(text)
        while true {
            rest = rest.drop { $0 == " " || $0 == "\t" }
            guard !rest.isEmpty else { return result }
            let key = rest.prefix { $0 != "=" && $0 != " " && $0 != "\t" }
            rest = rest.dropFirst(key.count)
            guard rest.first == "=" else {
                result.append((key.lowercased(), nil))
                continue
            }
            rest = rest.dropFirst()
            if rest.first == "\"" {
                guard let close = rest.dropFirst().firstIndex(of: "\"") else {
                    throw ReportgenError(.badDefinition, "the sql cell's \(key)= opens a quote it never closes", at: location, hint: "write \(key)=\"…\"")
                }
                result.append((key.lowercased(), String(rest[rest.index(after: rest.startIndex)..<close])))
                rest = rest[rest.index(after: close)...]
            } else {
                let value = rest.prefix { $0 != " " && $0 != "\t" }
                result.append((key.lowercased(), String(value)))
                rest = rest.dropFirst(value.count)
            }
        }
    }

    /// The cell's result as Markdown: a table of every row (up to `maxRows`).
    func table(_ queries: WriteupQueries) throws -> String {
        let result = try queries.run(query, maxRows: Self.maxRows, timeLimit: timeLimit, at: queryLocation)
        return (title.map { "**\(MarkdownText.escaped($0))**\n\n" } ?? "") + QueryTable.render(result, format: .markdown)
    }

    /// The chart the cell draws, from its query's result.
    func chart(_ queries: WriteupQueries, fileName: String, context: ReportContext) throws -> ReportChart {
        guard let kind = chart, let x, let y else {
            throw ReportgenError(.badDefinition, "the sql cell draws no chart", at: location, hint: "add chart=bar, x= and y=")
        }
        let result = try queries.run(query, maxRows: Self.maxRows * 10, timeLimit: timeLimit, at: queryLocation)
        func column(_ name: String, _ option: String) throws -> Int {
            guard let index = result.columns.firstIndex(of: name) ?? result.columns.firstIndex(where: { $0.lowercased() == name.lowercased() }) else {
                throw ReportgenError(
                    .badDefinition, "the sql cell's \(option)=\(name) names no column of the query's result", at: location,
                    hint: "its columns: \(result.columns.joined(separator: ", "))")
            }
            return index
        }
        let (xi, yi) = (try column(x, "x"), try column(y, "y"))
        let si = try series.map { try column($0, "series") }
        func number(_ value: QueryValue, _ option: String, row: Int) throws -> Double? {
            if value == .null { return nil }
            guard let number = value.number else {
                throw ReportgenError(
                    .badDefinition, "the sql chart's \(option) column '\(result.columns[option == "x" ? xi : yi])' holds \(Self.text(value)) in row \(row + 1), not a number",
                    at: location, hint: option == "x" ? "use chart=bar for categories, or CAST the column to a number" : "CAST the column to a number")
            }
            return number
        }
        // Groups in the order the query returned them, told apart by their values as SQLite
        // returned them (1.231 and 1.234 are two groups, though both show as 1.23).
        var groups: [QueryValue] = []
        var rows: [(group: Int, x: QueryValue, y: Double, row: Int)] = []
        for (index, row) in result.rows.enumerated() {
            guard let value = try number(row[yi], "y", row: index) else { continue }
            let group = si.map { row[$0] } ?? .text(y)
            if !groups.contains(group) { groups.append(group) }
            rows.append((groups.firstIndex(of: group)!, row[xi], value, index))
        }
        let groupNames = groups.map(Self.text)
        let title = self.title ?? (series.map { "\(y) by \(x) and \($0)" } ?? "\(y) by \(x)")
        let drawn: any Chart & Sendable
        switch kind {
        case .bar:
            var categories: [QueryValue] = []
            var values: [[Double?]] = []
            for row in rows {
                let category: Int
                if let known = categories.firstIndex(of: row.x) {
                    category = known
                } else {
                    categories.append(row.x)
                    values.append(Array(repeating: nil, count: groups.count))
                    category = categories.count - 1
                }
                guard values[category][row.group] == nil else {
                    throw ReportgenError(
                        .badDefinition, "the sql bar chart has two values for '\(Self.text(row.x))'\(si == nil ? "" : " in '\(groupNames[row.group])'") (row \(row.row + 1))", at: location,
                        hint: si == nil ? "GROUP BY the x column, or add series=COLUMN" : "GROUP BY the x and series columns")
                }
                values[category][row.group] = row.y
            }
            drawn = GroupedBarChart(
                title: title, yLabel: y,
                groups: zip(categories, values).map { GroupedBarChart.Group(name: Self.text($0), values: $1) }, sources: groupNames)
        case .line, .scatter:
            let points = try rows.map { row in
                (row.group, try number(row.x, "x", row: row.row).map { XYChart.Point(x: $0, y: row.y) })
            }
            let styles = Self.styles(for: groupNames, context: context)
            drawn = XYChart(
                title: title, xLabel: x, yLabel: logY ? "\(y) (log scale)" : y,
                series: groupNames.enumerated().map { index, name in
                    XYChart.Series(name: name, points: points.filter { $0.0 == index }.compactMap(\.1), style: styles[index])
                },
                mark: kind == .line ? .line : .scatter, logY: logY)
        }
        return ReportChart(name: Self.chartKey(location), fileName: fileName, chart: drawn)
    }

    /// Series named like the run's variants or cells take their concurrency model's style,
    /// as in the built-in charts; other series the palette's.
    static func styles(for groups: [String], context: ReportContext) -> [SeriesStyle] {
        let models = groups.map { group in
            context.statistics.first { $0.name == group || $0.cell.variant == group }.map { $0.model?.rawValue ?? "process" }
        }
        guard models.allSatisfy({ $0 != nil }) else { return ChartStyle.paletteStyles(count: groups.count) }
        return ChartStyle.seriesStyles(forModels: models.compactMap { $0 })
    }

    /// The query of an inline `{{ sql: SELECT … }}`, or nil for another inline value.
    static func inlineQuery(_ expression: String) -> String? {
        guard expression.lowercased().hasPrefix("sql:") else { return nil }
        return String(expression.dropFirst(4)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The key a cell's chart is kept under until the cell is written.
    static func chartKey(_ location: SourceLocation) -> String { "sql:\(location.line ?? 0)" }

    static func text(_ value: QueryValue) -> String { QueryTable.text(value) }

    /// Every sql cell of `template` that draws a chart, drawn: `query-1`, `query-2`, … in
    /// the order they appear.
    static func charts(in template: Template, queries: WriteupQueries, context: ReportContext) throws -> [ReportChart] {
        var charts: [ReportChart] = []
        for part in template.parts {
            guard case .cell(.sql, let arguments, let body, let line) = part else { continue }
            let cell = try SQLCell(arguments: arguments, body: body, at: SourceLocation(file: template.file, line: line))
            guard cell.chart != nil else { continue }
            charts.append(try cell.chart(queries, fileName: "query-\(charts.count + 1)", context: context))
        }
        return charts
    }
}

/// A query's result as a table: column names as headers, numbers as the report writes them
/// and right-aligned, a note when rows were cut.
public enum QueryTable {
    public static func render(_ result: QueryResult, format: TableFormat) -> String {
        let note = { (text: String) in format == .markdown ? "*\(text)*\n" : text + "\n" }
        guard !result.columns.isEmpty else { return note("The query returned no columns.") }
        guard !result.rows.isEmpty else { return note("The query returned no rows.") }
        let numeric = Set(result.columns.indices.filter { column in
            let values = result.rows.map { $0[column] }.filter { $0 != .null }
            return !values.isEmpty && values.allSatisfy { $0.number != nil }
        })
        var table = ResultsTable.grid(header: result.columns, rows: result.rows.map { $0.map(Self.text) }, rightAligned: numeric, format: format)
        if result.truncated {
            table += "\n" + note("The first \(ReportNumber.integer(Int64(result.rows.count), grouped: true)) rows; the query returned more.")
        }
        return table
    }

    /// The result as CSV: a header of column names, then every row with each value as
    /// SQLite returned it (NULL empty, numbers in full).
    public static func csv(_ result: QueryResult) -> String {
        let raw = { (value: QueryValue) -> String in
            switch value {
            case .null: ""
            case .integer(let number): String(number)
            case .real(let number): String(number)
            case .text(let text): text
            case .blob(let bytes): "(\(bytes) bytes)"
            }
        }
        return ([CSV.line(result.columns)] + result.rows.map { CSV.line($0.map(raw)) }).joined()
    }

    /// A value as the report writes numbers: integers grouped, other numbers with two
    /// decimals (three significant digits below 1), text as it is, "—" for NULL.
    public static func text(_ value: QueryValue) -> String {
        switch value {
        case .null: return ReportNumber.missing
        case .integer(let number): return ReportNumber.integer(number, grouped: true)
        case .real(let number):
            let magnitude = abs(number)
            guard magnitude < 1, magnitude > 0, magnitude.isFinite else { return ReportNumber.decimal(number, places: 2, grouped: true) }
            return ReportNumber.decimal(number, places: min(9, 2 - Int(log10(magnitude).rounded(.down))), grouped: true)
        case .text(let text): return text
        case .blob(let bytes): return "(\(bytes) bytes)"
        }
    }
}
