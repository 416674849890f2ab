import Foundation
import TestFixtures
import Testing

@testable import Core
@testable import Definition
@testable import Records
@testable import Report
@testable import Store

/// A write-up's own questions in SQL over the run's views: tables, charts and inline values
/// against real stores, what is refused and where, and the store left as it was.
@Suite("sql cells over the run's views")
struct SQLCellTests {
    static let writeup = """
        # Questions

        Trials counted: {{ sql: SELECT count(*) FROM run_trials WHERE counted }}; left out as unsteady: {{ sql: SELECT count(*) FROM run_trials WHERE steady = 0 AND NOT counted }}.

        ```sql title="Every trial"
        SELECT cell, trial, status, requests, steady, counted FROM run_trials ORDER BY position, trial
        ```

        ```sql chart=bar x=cell y=requests title="Requests counted, per variant"
        SELECT cell, sum(requests) AS requests FROM run_trials WHERE counted GROUP BY cell ORDER BY min(position)
        ```

        ```sql chart=line x=t_s y=rps series=trial
        SELECT t_s, rps, 'trial ' || trial AS trial FROM run_timeline WHERE cell = 'flask:10' ORDER BY trial, t_s
        ```
        """

    /// The store file and its write-ahead log, as bytes.
    static func bytes(of store: ResultStore) throws -> [Data] {
        let path = store.path.path
        return try [path, path + "-wal"].filter { FileManager.default.fileExists(atPath: $0) }.map {
            try Data(contentsOf: URL(fileURLWithPath: $0))
        }
    }

    @Test("a table, an inline value and two charts from the fixture's store: the numbers the statistics count, the bars read back from the SVG")
    func cellsOfEveryKind() throws {
        let (folder, experiment, store) = try UnsteadyReportTests.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.writeup.write(to: experiment.writeupFile, atomically: true, encoding: .utf8)
        let files = try ReportBuilder.render(store: store, runID: nil, experiment: experiment, outputRoot: folder.appendingPathComponent("out"))
        let markdown = try String(contentsOf: files.markdown, encoding: .utf8)

        // aiohttp's three steady trials and flask:10's one steady trial; two left out.
        #expect(markdown.contains("Trials counted: 4; left out as unsteady: 2."), "\(markdown)")
        #expect(markdown.contains("**Every trial**"))
        let rows = markdown.split(separator: "\n").filter { $0.hasPrefix("| aiohttp ") || $0.hasPrefix("| flask:10 ") }
            .map { $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) } }
        #expect(rows.count == 6, "\(rows)")
        let stalled = try #require(rows.first { $0[0] == "flask:10" && $0[1] == "2" })
        var intervals = UnsteadyReportTests.steady(200)
        (intervals[8], intervals[9]) = (0, 0)
        let requests = ReportNumber.count(Double(intervals.reduce(0, +)))
        #expect(stalled == ["flask:10", "2", "ok", requests, "0", "0"], "\(stalled)")
        #expect(markdown.contains("| cell     | trial | status | requests | steady | counted |"), "column names head the table, numbers right-aligned")

        #expect(markdown.contains("![Requests counted, per variant](query-1.png)\n\n*Requests counted, per variant*"), "\(markdown)")
        #expect(markdown.contains("![rps by t_s and trial](query-2.png)"), "\(markdown)")
        let names = Set(files.charts.map(\.svg.lastPathComponent))
        #expect(names.isSuperset(of: ["query-1.svg", "query-2.svg"]), "\(names)")

        // The bars stand on one baseline, as tall as the counted requests.
        let svg = try SVGDrawing(contentsOf: files.folder.appendingPathComponent("query-1.svg"))
        let rectangles = svg.filled(ChartStyle.sourceStyle(0).color).compactMap(\.rectangle)
        let baseline = try #require(rectangles.map(\.maxY).max())
        let bars = rectangles.filter { abs($0.maxY - baseline) < 0.5 }.sorted { $0.x < $1.x }
        try #require(bars.count == 2, "two bars: \(rectangles)")
        let aiohttp = Double([1000, 1010, 990].map { UnsteadyReportTests.steady($0).reduce(0, +) }.reduce(0, +))
        let flask = Double(UnsteadyReportTests.steady(200).reduce(0, +))
        #expect(abs(bars[0].height / bars[1].height - aiohttp / flask) < 0.01 * aiohttp / flask, "\(bars)")
        let title = try String(contentsOf: files.folder.appendingPathComponent("query-1.svg"), encoding: .utf8)
        #expect(title.contains("<title>Requests counted, per variant</title>"))
        // One line per trial of flask:10, each across the plot (22 intervals, warm-up included).
        let lineSVG = try SVGDrawing(contentsOf: files.folder.appendingPathComponent("query-2.svg"))
        for color in ChartStyle.lineColors.prefix(3) {
            let lines = lineSVG.stroked(color).filter { $0.bounds.width > 300 }
            #expect(lines.count == 1, "one line per trial: \(lineSVG.stroked(color).map(\.bounds))")
        }
        #expect(lineSVG.stroked(ChartStyle.lineColors[3]).isEmpty, "three trials, three lines")
    }

    @Test("what a query may not do is refused at its line with SQLite's words, and the store's bytes stay as they were")
    func refusals() throws {
        let (folder, experiment, store) = try UnsteadyReportTests.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let before = try Self.bytes(of: store)
        let cases: [(query: String, info: String, message: String)] = [
            ("DELETE FROM run_trials", "", "a query starts with SELECT, WITH or VALUES, not DELETE"),
            ("ATTACH '\(folder.path)/x.sqlite' AS x", "", "not ATTACH"),
            ("SELECT * FROM trials", "", "prohibited"),
            ("SELECT count(*) FROM sqlite_master", "", "not authorized"),
            ("WITH run_trials AS (SELECT * FROM trials) SELECT * FROM run_trials", "", "'run_trials' is the name of a view"),
            ("SELECT 1; DELETE FROM trials", "", "one query"),
            ("SELECT load_extension('x')", "", "not authorized"),
            ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r", "timeout=1s", "ran longer than its 1 s limit"),
            ("WITH RECURSIVE r(s) AS (SELECT 'x' UNION ALL SELECT s || s FROM r) SELECT length(s) FROM r", "", "string or blob too big"),
            ("SELECT nosuch FROM run_trials", "", "no such column: nosuch"),
            // The store's own run_hosts table, named like the view.
            ("SELECT * FROM main.run_hosts", "", "prohibited"),
            // A function whose time grows with the square of its arguments gets short ones.
            ("SELECT instr(hex(zeroblob(200000)), 'b')", "", "string or blob too big"),
            ("SELECT weighted_percentile(column1, column2, 100) FROM (VALUES (1, 500000000000000000), (2, 8900000000000000000), (3, 8900000000000000000))", "", "weights add up to more than 2^63"),
            ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 200) SELECT printf('%.*c', 200000, 'x') FROM r", "", "more than 32 MB"),
        ]
        for (query, info, message) in cases {
            try "# Refused\n\nSome prose.\n\n```sql \(info)\n\(query)\n```\n".write(to: experiment.writeupFile, atomically: true, encoding: .utf8)
            let error = #expect(throws: ReportgenError.self, "\(query)") {
                try ReportBuilder.render(store: store, runID: nil, experiment: experiment, outputRoot: folder.appendingPathComponent("out"))
            }
            #expect(error?.code == .badDefinition, "\(query): \(String(describing: error))")
            #expect(error?.location?.line == 6, "the query's line: \(String(describing: error))")
            #expect(error?.location?.file.hasSuffix("report.md") == true)
            #expect(error?.message.contains(message) == true, "\(query): \(error?.message ?? "")")
        }
        // An inline value of more than one value.
        try "# Refused\n\n{{ sql: SELECT cell, requests FROM run_trials }}\n".write(to: experiment.writeupFile, atomically: true, encoding: .utf8)
        let inline = #expect(throws: ReportgenError.self) {
            try ReportBuilder.render(store: store, runID: nil, experiment: experiment, outputRoot: folder.appendingPathComponent("out"))
        }
        #expect(inline?.location?.line == 3 && inline?.message.contains("returned more than one row, of 2 columns") == true, "\(String(describing: inline))")
        // Options the cell does not know, and a chart's column that is not in the result.
        for (info, message) in [
            ("chart=pie x=a y=b", "unknown chart 'pie'"), ("colour=red", "unknown option 'colour'"), ("chart=bar x=cell", "needs x= and y="),
            ("x=cell", "has no chart="), ("chart=bar x=cell y=nosuch", "y=nosuch names no column"), ("timeout=1h", "up to 600 s"),
        ] {
            try "# Refused\n\n```sql \(info)\nSELECT cell, requests FROM run_trials\n```\n".write(to: experiment.writeupFile, atomically: true, encoding: .utf8)
            let error = #expect(throws: ReportgenError.self, "\(info)") {
                try ReportBuilder.render(store: store, runID: nil, experiment: experiment, outputRoot: folder.appendingPathComponent("out"))
            }
            #expect(error?.location?.line == 3 && error?.message.contains(message) == true, "\(info): \(String(describing: error))")
        }
        #expect(try Self.bytes(of: store) == before, "the store's bytes are as they were")
    }

    @Test("the percentiles a window function and weighted_percentile compute over run_latency are reportgen's own, for every variant of a real run")
    func percentilesInSQL() throws {
        let cache = SnapshotCache(cacheFolder: TestPaths.cache.appending(path: "sql-cells"))
        try ResultStore.withSnapshot(of: try ThinnedReference.file(), cache: cache) { snapshot in
            let store = snapshot.store
            let run = try #require(try store.listRuns().map(\.run).first { $0.kind == .measured })
            let data = try store.loadRun(id: run.id)
            let statistics = RunStatistics.compute(data)
            let queries = try RunQueries(path: store.readPath, shown: "reference", runID: run.id, verdicts: RunStatistics.verdicts(data, includeUnsteady: false))
            for (p, value) in [(50, \LatencyStatistics.p50Ms), (90, \.p90Ms), (99, \.p99Ms)] as [(Int, KeyPath<LatencyStatistics, Double?>)] {
                let result = try queries.query("""
                    WITH d AS (SELECT cell, latency_ms, sum(count) AS n FROM run_latency WHERE counted GROUP BY cell, latency_ms),
                         c AS (SELECT cell, latency_ms, sum(n) OVER (PARTITION BY cell ORDER BY latency_ms) AS below,
                                      sum(n) OVER (PARTITION BY cell) AS total FROM d)
                    SELECT cell, min(latency_ms) FROM c WHERE below >= (total * \(p) + 99) / 100 GROUP BY cell
                    """, maxRows: 100)
                #expect(result.rows.count == statistics.count)
                for stats in statistics {
                    let row = try #require(result.rows.first { $0[0] == .text(stats.name) }, "\(stats.name)")
                    #expect(row[1].number == stats.latency[keyPath: value], "p\(p) of \(stats.name): \(row[1]) against \(String(describing: stats.latency[keyPath: value]))")
                }
            }
            // The same from weighted_percentile, in one pass.
            for (p, value) in [(50, \LatencyStatistics.p50Ms), (90, \.p90Ms), (99.9, \.p999Ms)] as [(Double, KeyPath<LatencyStatistics, Double?>)] {
                let result = try queries.query(
                    "SELECT cell, weighted_percentile(latency_ms, count, \(p)) FROM run_latency WHERE counted GROUP BY cell", maxRows: 100)
                for stats in statistics {
                    let row = try #require(result.rows.first { $0[0] == .text(stats.name) }, "\(stats.name)")
                    #expect(row[1].number == stats.latency[keyPath: value], "p\(p) of \(stats.name): \(row[1])")
                }
            }
            #expect(throws: QueryRefusal(message: "weighted_percentile's p is a percentile from 0 to 100")) {
                try queries.query("SELECT weighted_percentile(latency_ms, count, 101) FROM run_latency", maxRows: 1)
            }
            #expect(throws: QueryRefusal(message: "weighted_percentile's weight is a count: a whole number, 0 or more")) {
                try queries.query("SELECT weighted_percentile(latency_ms, -1, 50) FROM run_latency", maxRows: 1)
            }
            #expect(try queries.query("SELECT weighted_percentile(latency_ms, count, 50) FROM run_latency WHERE 0", maxRows: 1).rows == [[.null]])

            // The counted trials are the ones the statistics count.
            let counted = try queries.query("SELECT cell, count(*) FROM run_trials WHERE counted GROUP BY cell", maxRows: 100)
            for stats in statistics {
                #expect(counted.rows.first { $0[0] == .text(stats.name) }?[1] == .integer(Int64(stats.trialsOK)), "\(stats.name)")
            }
            // The app's CPU per trial is the report's.
            let cpu = try queries.query("SELECT cell, avg(app_cpu_s) FROM run_trials WHERE counted GROUP BY cell", maxRows: 100)
            for stats in statistics {
                let seconds = try #require(cpu.rows.first { $0[0] == .text(stats.name) }?[1].number)
                #expect(abs(seconds - (stats.resources.appCPU?.seconds ?? .nan)) < 1e-9, "\(stats.name)")
            }
        }
    }

    @Test("charts of values a double cannot step through draw and end; categories are told apart by their values, not their shown text")
    func awkwardCharts() throws {
        let (folder, experiment, store) = try UnsteadyReportTests.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
            # Awkward

            ```sql chart=scatter x=x y=y title="Far  away"
            SELECT 1e300 AS x, 1 AS y UNION ALL SELECT 1e300, 2 UNION ALL SELECT -1e308, 1e308
            ```

            ```sql chart=bar x=x y=y
            SELECT 1.231 AS x, 1 AS y UNION ALL SELECT 1.234, 2
            ```
            """.write(to: experiment.writeupFile, atomically: true, encoding: .utf8)
        let files = try ReportBuilder.render(store: store, runID: nil, experiment: experiment, outputRoot: folder.appendingPathComponent("out"))
        let markdown = try String(contentsOf: files.markdown, encoding: .utf8)
        #expect(markdown.contains("![Far  away](query-1.png)"), "the title as written, two spaces and all: \(markdown)")
        let svg = try SVGDrawing(contentsOf: files.folder.appendingPathComponent("query-2.svg"))
        let bars = svg.filled(ChartStyle.sourceStyle(0).color).compactMap(\.rectangle)
        let baseline = try #require(bars.map(\.maxY).max())
        #expect(bars.filter { abs($0.maxY - baseline) < 0.5 }.count == 2, "1.231 and 1.234 are two bars: \(bars)")
    }

    @Test("the tokenizer sees names in quotes and skips comments; options take quoted values; numbers read like the report's")
    func parts() throws {
        #expect(SQLTokens("select \"a b\" -- c\n from [x] /* y */ `z` 'it''s'").words == ["select", "a b", "from", "x", "z", "it's"])
        #expect(throws: QueryRefusal.self) { try RunQueries.checkText("/* hi */ with \"run_latency\" as (select 1) select 1") }
        #expect(throws: QueryRefusal.self) { try RunQueries.checkText("WITH 'run_cells'(a) AS (SELECT 1) SELECT 1") }
        try RunQueries.checkText("SELECT * FROM run_trials AS t JOIN run_cells AS c USING (cell)")
        let options = try SQLCell.options(#"chart=bar  x=cell title="Over 1 s, per cell" logy"#, at: SourceLocation(file: "report.md", line: 1))
        #expect(options.map(\.key) == ["chart", "x", "title", "logy"] && options[2].value == "Over 1 s, per cell" && options[3].value == nil)
        #expect(SQLCell.text(.integer(30702)) == "30,702" && SQLCell.text(.real(1414.0849)) == "1,414.08")
        #expect(SQLCell.text(.real(0.012345)) == "0.0123" && SQLCell.text(.null) == "—" && SQLCell.text(.blob(bytes: 3)) == "(3 bytes)")
    }
}
