import Foundation
import TestFixtures
import Testing

import LoadGen
@testable import Report
@testable import Core
@testable import Definition
@testable import Records
@testable import Store
@testable import Supervision

/// A fixture store (real SQLite) with a small, fully known run, rendered through a template
/// with every cell kind; compared with a golden file.
///
/// Regenerate the golden file after an intended change with:
/// `REPORTGEN_UPDATE_GOLDEN=1 swift test --filter ReportBuilderTests`
@Suite("report rendering from a fixture store", .serialized)
struct ReportBuilderTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Golden/fixture-report.md")

    static let definitionText = """
        title = "Fixture experiment"
        trials = 2

        [upstream]
        root = "upstream"

        [app]
        server = "gunicorn"
        module = "apps.flask_app:app"
        workers = 2
        requirements = "requirements.lock"

        [load]
        generator = "wrk"
        path = "/remote"
        connections = 400
        threads = 10
        duration = "20s"
        timeout = "10s"
        warmup = "2s"

        [[variants]]
        name = "aiohttp"
        module = "apps.aiohttp_app:app"
        worker_class = "aiohttp.GunicornUVLoopWebWorker"

        [[variants]]
        name = "flask:{threads}"
        worker_class = "gthread"
        threads = [10]
        """

    static let template = """
        # Fixture report

        aiohttp served {{ requests aiohttp }} requests per window, {{ ratio requests aiohttp flask:10 }} as many as flask:10.
        The fastest median was {{ best p50 }}; {{ run.trials }} trials of {{ run.duration }} on {{ machine.cores }} cores.

        ```table
        ```

        ```chart requests
        Each dot is one trial.
        ```

        ```python
        print("{{ this stays as written }}")
        ```

        ```method
        python: 3.6
        trials: 1
        ```

        ```environment
        ```

        ```failures
        ```
        """

    /// A temporary experiment folder and a store holding one complete run of it.
    /// With `openLoop`, the run used the built-in generator at 100 requests/s and kept every
    /// request: each trial's distribution spread evenly over its window.
    static func fixture(openLoop: Bool = false) throws -> (folder: URL, experiment: ExperimentDefinition, store: ResultStore) {
        let (folder, experiment) = try experimentFolder(definition: definitionText, writeup: template)

        let store = try ResultStore(path: folder.appendingPathComponent("results.sqlite"))
        let machine = MachineInfo(
            fingerprint: "fixture", hostname: "fixture-host", cpuModel: "Example CPU", cpuCores: 2,
            memoryBytes: 8 << 30, kernel: "6.1.0 x86_64", os: "Debian GNU/Linux 12 (bookworm)", cpuGovernor: nil)
        let machineID = try store.machineID(for: machine)
        let software = SoftwareVersions(
            reportgen: "0.1.0", projectCommit: "0123456789abcdef", python: "Python 3.11.7",
            pipFreeze: ["aiohttp==3.14.5", "Flask==3.1.3"], nginx: "nginx/1.22.1", wrk: "wrk 4.1.0", gunicorn: "gunicorn (version 27.0.1)")
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let (run, variants) = try store.createRun(
            NewRun(
                experiment: "fixture", definitionHash: "fixture-hash", definitionText: definitionText,
                machineID: machineID, startedAt: start, toolVersion: "0.1.0", projectCommit: "0123456789abcdef",
                shuffleSeed: 42, overrides: openLoop ? RunOverrides(generator: .builtin, rate: 100) : RunOverrides(),
                software: software, upstreamCommandLine: "nginx -p /tmp/x -c /tmp/x/nginx.conf", writeupText: template),
            variants: experiment.variants.map {
                NewVariant(cell: $0.cell, position: $0.position, config: VariantConfig(workerClass: $0.workerClass, threads: $0.threads))
            })
        // aiohttp: 1000 and 1200 requests; flask:10: 200 and 260. Latencies in µs.
        let trials: [(String, Int, Int64, [LatencyBucket])] = [
            ("aiohttp", 1, 1000, [LatencyBucket(latencyUs: 2_000, count: 500), LatencyBucket(latencyUs: 3_000, count: 490), LatencyBucket(latencyUs: 50_000, count: 10)]),
            ("aiohttp", 2, 1200, [LatencyBucket(latencyUs: 2_500, count: 1190), LatencyBucket(latencyUs: 40_000, count: 10)]),
            ("flask:10", 1, 200, [LatencyBucket(latencyUs: 20_000, count: 150), LatencyBucket(latencyUs: 90_000, count: 50)]),
            ("flask:10", 2, 260, [LatencyBucket(latencyUs: 25_000, count: 250), LatencyBucket(latencyUs: 120_000, count: 10)]),
        ]
        for (order, trial) in trials.enumerated() {
            let variant = try #require(variants.first { $0.name == trial.0 })
            try store.recordTrial(.fixture(
                variantID: variant.id, trialIndex: trial.1, runOrder: order + 1,
                startedAt: start.addingTimeInterval(Double(order) * 25), endedAt: start.addingTimeInterval(Double(order) * 25 + 24),
                durationUs: 20_000_000, requests: trial.2, bytes: trial.2 * 700,
                errors: ErrorCounts(status: trial.0 == "flask:10" ? 3 : 0),
                latency: trial.3, generatorPercentiles: [50: 2_000],
                commandLine: openLoop
                    ? "/usr/local/bin/reportgen load --connections 400 --threads 10 --duration 20s --timeout 10s --rate 100 --samples /tmp/t.samples http://127.0.0.1:8000/remote"
                    : "wrk --duration 20s --connections 400 --threads 10 --timeout 10s http://127.0.0.1:8000/remote",
                serverCommandLine: "gunicorn \(trial.0 == "aiohttp" ? "apps.aiohttp_app:app" : "apps.flask_app:app") --workers 2",
                runnerCPUUs: 40_000, loadAverage: 0.5, memoryAvailableBytes: 4 << 30,
                resources: [
                    ResourceSample(tMs: -100, phase: .before, role: .app, cpuUserMs: 100, cpuSystemMs: 50, rssBytes: 50 << 20),
                    ResourceSample(tMs: 0, role: .app, cpuUserMs: 150, cpuSystemMs: 50, rssBytes: 55 << 20),
                    ResourceSample(tMs: 20_000, role: .app, cpuUserMs: 9_100, cpuSystemMs: 1_050, rssBytes: 60 << 20),
                ], requestLog: openLoop ? spread(trial.3, overUs: 20_000_000) : nil))
        }
        try store.setRunStatus(run.id, .complete, finishedAt: start.addingTimeInterval(100))
        return (folder, experiment, store)
    }

    /// A temporary project with the experiment "fixture": its definition, write-up, stand-in
    /// apps, lock and upstream folder.
    static func experimentFolder(definition: String, writeup: String) throws -> (folder: URL, experiment: ExperimentDefinition) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-fixture-\(UUID().uuidString)")
        let experimentFolder = folder.appendingPathComponent("experiments/fixture")
        try FileManager.default.createDirectory(at: experimentFolder.appendingPathComponent("upstream"), withIntermediateDirectories: true)
        try "flask==3.1.3\n".write(to: experimentFolder.appendingPathComponent("requirements.lock"), atomically: true, encoding: .utf8)
        try AppStandIns.write(into: experimentFolder)
        try definition.write(to: experimentFolder.appendingPathComponent("experiment.toml"), atomically: true, encoding: .utf8)
        try writeup.write(to: experimentFolder.appendingPathComponent("report.md"), atomically: true, encoding: .utf8)
        return (folder, try DefinitionLoader.load(experiment: "fixture", projectRoot: folder))
    }

    /// Requests with the latencies of `buckets`, sent evenly over a window of `windowUs`.
    static func spread(_ buckets: [LatencyBucket], overUs windowUs: Int64) -> ContiguousArray<RequestSample> {
        let latencies = buckets.flatMap { Array(repeating: $0.latencyUs, count: Int($0.count)) }
        let step = windowUs / Int64(latencies.count)
        return ContiguousArray(latencies.enumerated().map { index, latency in
            RequestSample(
                startUs: UInt32(Int64(index) * step), latencyUs: UInt32(latency), bytes: 700, status: 200,
                connection: UInt16(index % 400))
        })
    }

    @Test("a run that kept every request gets throughput over time and says it measured an open loop")
    func openLoopReport() throws {
        let (folder, experiment, store) = try Self.fixture(openLoop: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = try ReportBuilder.render(store: store, runID: nil, experiment: experiment, outputRoot: folder.appendingPathComponent("output"))
        let markdown = try String(contentsOf: files.markdown, encoding: .utf8)
        #expect(markdown.contains("## Throughput over time"))
        #expect(markdown.contains("![Throughput over time (answered requests per 100 ms, each trial)](throughput.png)"))
        #expect(markdown.contains("It ran an open loop at 100 requests/s over all connections"))
        #expect(markdown.contains("| load generator         | reportgen's built-in generator, open loop at 100 requests/s |"))
        // The binary's path on the machine that ran it is no part of the method.
        #expect(markdown.contains("\nreportgen load --connections 400 --threads 10"))
        #expect(!markdown.contains("/usr/local/bin/reportgen"))
        let latencySVG = try #require(files.charts.first { $0.svg.lastPathComponent == "latency-percentiles.svg" })
        #expect(try String(contentsOf: latencySVG.svg, encoding: .utf8).contains("<title>Latency by percentile (open loop: from each scheduled send time)</title>"))
        #expect(files.charts.contains { $0.png.lastPathComponent == "throughput.png" })
        let text = try Self.pdfText(try #require(files.pdf))
        #expect(text.contains("Throughput over time"))

        // The same write-up over a wrk run explains why there is no throughput chart.
        let (wrkFolder, wrkExperiment, wrkStore) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: wrkFolder) }
        try "# T\n\n```chart throughput\n```\n".write(
            to: wrkExperiment.directory.appendingPathComponent("report.md"), atomically: true, encoding: .utf8)
        let wrkFiles = try ReportBuilder.render(
            store: wrkStore, runID: nil, experiment: wrkExperiment, outputRoot: wrkFolder.appendingPathComponent("output"))
        let wrkMarkdown = try String(contentsOf: wrkFiles.markdown, encoding: .utf8)
        #expect(wrkMarkdown.contains("only the built-in generator keeps (`generator = \"builtin\"`); this run used wrk."))
        #expect(!wrkFiles.charts.contains { $0.png.lastPathComponent == "throughput.png" })
    }

    @Test("the rendered Markdown matches the golden file, and every output is written")
    func goldenMarkdown() throws {
        let (folder, experiment, store) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = try ReportBuilder.render(store: store, runID: nil, experiment: experiment, outputRoot: folder.appendingPathComponent("output"))
        // The fixture's run gets a new uid (and so a new content digest) each time: the footer
        // names them, so they are replaced, after checking they are the provenance's.
        let written = try String(contentsOf: files.markdown, encoding: .utf8)
        let provenance = try #require(files.provenance)
        let named = "run `\(provenance.run.uid)` (data SHA-256 `\(provenance.run.contentSHA256)`)"
        #expect(written.contains(named))
        let markdown = written.replacingOccurrences(of: named, with: "run `UID` (data SHA-256 `HASH`)")
        if ProcessInfo.processInfo.environment["REPORTGEN_UPDATE_GOLDEN"] == "1" {
            try markdown.write(to: Self.golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: Self.golden, encoding: .utf8)
        #expect(markdown == expected, "regenerate with REPORTGEN_UPDATE_GOLDEN=1 if the change is intended")
        for file in [try #require(files.pdf), try #require(files.html), files.csv, files.json] + files.charts.flatMap({ [$0.png, $0.svg, $0.pdf] }) {
            #expect(FileManager.default.fileExists(atPath: file.path), "\(file.lastPathComponent) written")
        }
        // The PDF carries the table's numbers as text.
        let text = try Self.pdfText(try #require(files.pdf))
        #expect(text.contains("aiohttp") && text.contains("flask:10"))
        #expect(text.contains("1,100"))
    }

    @Test("--format hugo writes a page bundle: index.md with front matter and the report's body, the charts beside it, no report.md, .html or .pdf")
    func hugoBundle() throws {
        let (folder, experiment, store) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let standard = try ReportBuilder.render(store: store, runID: nil, experiment: experiment, outputRoot: folder.appendingPathComponent("standard"))
        let files = try ReportBuilder.render(
            store: store, runID: nil, experiment: experiment, outputRoot: folder.appendingPathComponent("site"), format: .hugo)
        #expect(files.markdown.lastPathComponent == "index.md")
        #expect(files.pdf == nil && files.html == nil)
        let bundle = files.folder
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: bundle.path))
        #expect(names.isSuperset(of: ["index.md", "requests.png", "requests.svg", "results.csv", "results.json"]), "\(names)")
        #expect(names.isDisjoint(with: ["report.md", "report.html", "report.pdf"]), "\(names)")
        let page = try String(contentsOf: files.markdown, encoding: .utf8)
        #expect(page.hasPrefix("---\ntitle: \"Fixture report\"\ndate: 2027-01-15T08:00:00Z\nsummary: \"aiohttp served 1,100 requests per window"), "\(page.prefix(300))")
        #expect(page.contains("\ntags: [\"benchmark\", \"reportgen\", \"fixture\"]\n"))
        let body = try String(contentsOf: standard.markdown, encoding: .utf8)
        #expect(page.hasSuffix(SitePage.inertTemplates(SitePage.withoutTitle(body))), "the body is the report's, without its title")
        #expect(page.contains("![Requests served per variant](requests.png)"))
    }

    @Test("an exported run renders in another folder with no experiment folder: the same Markdown, CSV and charts, from the definition and write-up stored with it")
    func portableRender() throws {
        let (folder, experiment, store) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let here = try ReportBuilder.render(store: store, runID: nil, experiment: experiment, outputRoot: folder.appendingPathComponent("output"))
        let export = folder.appendingPathComponent("run.sqlite")
        _ = try store.exportRun(id: 1, to: export)

        let elsewhere = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-elsewhere-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let other = try ResultStore(path: elsewhere.appendingPathComponent("results.sqlite"))
        _ = try other.importRuns(from: export)
        let run = try #require(try other.latestRun(experiment: "fixture"))
        #expect(!FileManager.default.fileExists(atPath: elsewhere.appendingPathComponent("experiments").path))
        let stored = try DefinitionLoader.stored(text: try other.loadRun(id: run.id).definitionText, name: "fixture", projectRoot: elsewhere)
        let there = try ReportBuilder.render(store: other, runID: run.id, experiment: stored, outputRoot: elsewhere.appendingPathComponent("output"))

        #expect(try String(contentsOf: there.markdown, encoding: .utf8) == String(contentsOf: here.markdown, encoding: .utf8))
        #expect(try String(contentsOf: there.csv, encoding: .utf8) == String(contentsOf: here.csv, encoding: .utf8))
        #expect(there.charts.map(\.png.lastPathComponent) == here.charts.map(\.png.lastPathComponent))
    }

    @Test("render reads the store through a read-only connection: the file is byte for byte the same afterwards, and a write through it is refused")
    func renderWritesNothing() throws {
        let (folder, experiment, store) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        try store.database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        let before = try Data(contentsOf: store.path)
        let reader = try ResultStore.openForReading(path: store.path)
        let files = try ReportBuilder.render(store: reader, runID: nil, experiment: experiment, outputRoot: folder.appendingPathComponent("output"))
        #expect(FileManager.default.fileExists(atPath: files.markdown.path))
        #expect(try Data(contentsOf: store.path) == before)
        #expect(throws: ReportgenError.self) { try reader.setRunStatus(1, .failed, finishedAt: nil) }
        #expect(try store.run(id: 1)?.status == .complete)
    }

    @Test("an unknown cell, chart or value is an error that names it and its line")
    func unknownCells() throws {
        let (folder, experiment, store) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = experiment.directory.appendingPathComponent("report.md")
        let cases: [(String, String, Int)] = [
            ("# T\n\n```chart nosuch\n```\n", "unknown chart 'nosuch'", 3),
            ("# T\n\nline two\n{{ p50 nosuch }}\n", "unknown variant 'nosuch'", 4),
            ("# T\n\n{{ speed aiohttp }}\n", "no metric 'speed'", 3),
            ("# T\n\n{{ run.colour }}\n", "no field 'colour'", 3),
            ("# T\n\n```method\nflavour: vanilla\n```\n", "unknown setting 'flavour'", 4),
            ("# T\n\n```table\n", "never closed", 3),
        ]
        for (template, message, line) in cases {
            try template.write(to: report, atomically: true, encoding: .utf8)
            let error = #expect(throws: ReportgenError.self) {
                try ReportBuilder.render(store: store, runID: nil, experiment: experiment, outputRoot: folder.appendingPathComponent("output"))
            }
            #expect(error?.message.contains(message) == true, "\(message): got \(error?.message ?? "nothing")")
            #expect(error?.location?.line == line, "\(message) at line \(line)")
            #expect(error?.location?.file.hasSuffix("report.md") == true)
        }
    }

    @Test("cells are the fenced blocks cmark-gfm finds: not a fence inside an indented block, and ~~~ fences too")
    func templateFences() throws {
        let text = """
            # T

                ```table
                an indented code block, shown as it is
                ```

            ~~~ chart requests
            caption
            ~~~

            ````python
            ```table
            ````
            """
        let template = try Template(text: text, file: "report.md")
        let cells = template.parts.compactMap { part -> (CellKind, [String], [String], Int)? in
            guard case .cell(let kind, let arguments, let body, let line) = part else { return nil }
            return (kind, arguments, body, line)
        }
        #expect(cells.count == 1)
        #expect(cells.first?.0 == .chart && cells.first?.1 == ["requests"] && cells.first?.2 == ["caption"] && cells.first?.3 == 7)
        #expect(template.parts.contains(.verbatim("````python\n```table\n````")))
        #expect(template.parts.contains { if case .markdown(let prose, 1) = $0 { return prose.contains("    ```table") } else { return false } })
    }

    @Test("a quick run is labelled as such at the top")
    func quickBanner() throws {
        let (folder, experiment, store) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        try store.database.execute("UPDATE runs SET quick = 1")
        let files = try ReportBuilder.render(store: store, runID: nil, experiment: experiment, outputRoot: folder.appendingPathComponent("output"))
        let markdown = try String(contentsOf: files.markdown, encoding: .utf8)
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.prefix(6).contains { $0.contains("**Quick run.**") })
    }

    @Test("a run that added trials until the answer was clear states the target, the precision each variant reached and who fell short")
    func precisionReached() throws {
        let (folder, experiment, store) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let fixed = try ReportBuilder.render(store: store, runID: nil, experiment: experiment, outputRoot: folder.appendingPathComponent("fixed"))
        let fixedText = try String(contentsOf: fixed.markdown, encoding: .utf8)
        #expect(fixedText.contains("**Trials.** Every variant had 2 interleaved trials, a fixed number"))
        try store.database.execute("UPDATE runs SET precision_target = 0.05, max_trials = 8, time_budget_us = 1800000000")
        let files = try ReportBuilder.render(store: store, runID: nil, experiment: experiment, outputRoot: folder.appendingPathComponent("auto"))
        let markdown = try String(contentsOf: files.markdown, encoding: .utf8)
        // Requests/s of the two trials: 1000 and 1200 over 20 s; 200 and 260.
        let reached = { (rates: [Double]) in
            "±" + ReportNumber.decimal(StudentT.relativePrecision(rates)! * 100, places: 1, grouped: false) + "%"
        }
        let aiohttp = reached([50, 60])
        let flask = reached([10, 13])
        #expect(markdown.contains("wider than ±5% of its mean got one more trial, up to 8 trials, and no round started that would have taken the run's trials past 30 minutes."))
        #expect(markdown.contains("Reached: aiohttp \(aiohttp) in 2 trials, flask:10 \(flask) in 2 trials."))
        #expect(markdown.contains("**Short of the target:** aiohttp, flask:10;"))
        // The resources table gives the same figure beside requests/s.
        let row = try #require(markdown.split(separator: "\n").first { $0.hasPrefix("| aiohttp") && $0.contains("(2)") })
        #expect(row.contains("\(aiohttp) (2)"))
        let csv = try String(contentsOf: folder.appendingPathComponent("auto/fixture/results.csv"), encoding: .utf8)
        let header = try #require(csv.split(separator: "\n").first).split(separator: ",")
        let values = try #require(csv.split(separator: "\n").dropFirst().first { $0.hasPrefix("aiohttp,") }).split(separator: ",", omittingEmptySubsequences: false)
        let column = try #require(header.firstIndex(of: "requests_per_s_precision"))
        #expect(abs(Double(values[column])! - StudentT.relativePrecision([50, 60])!) < 1e-4)
    }

    static func pdfText(_ url: URL) throws -> String {
        let output = try CommandOutput.run("pdftotext", ["-layout", url.path, "-"])
        return output.text
    }
}
