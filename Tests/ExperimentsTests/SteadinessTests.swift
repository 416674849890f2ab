import Foundation
import Synchronization
import TestFixtures
import Testing
@testable import Definition
@testable import Records
@testable import Report
@testable import Runner
@testable import Store
@testable import Supervision

extension RealServers {
/// Steadiness judged on real runs, both generators: a server that holds every answer for
/// 2.5 s in the middle of the window stalls, at the right time; the same server without the
/// hold is steady.
@Suite("steady-state verdicts on real servers", .serialized, .timeLimit(.minutes(5)))
struct SteadinessTests {
    /// Answers at once, except between 2.8 s and 5.3 s after the load's first request
    /// (the one after the readiness probe), when every answer waits for 5.3 s: with a 1 s
    /// warm-up, the window's seconds 2 and 3 get no answer.
    static func server(holding: Bool) -> String {
        PythonServers.asyncio(beforeAnswer: """
            if \(holding ? "True" : "False") and len(seen) > 1:
                start = seen[1]
                if start + 2.8 <= now < start + 5.3:
                    await asyncio.sleep(start + 5.3 - now)
            """)
    }

    /// What a run gave: each variant's timeline, and the report's files rendered from it.
    struct Outcome {
        var timelines: [String: Timeline] = [:]
        var markdown = ""
        var timelineCSV = ""
        var timelineSVG = ""
        var json = ""
    }

    /// One trial of each variant, rendered.
    func run(_ generator: String) async throws -> Outcome {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-steady-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = try CommandExperiment.folder("steadiness", in: root)
        try """
            \(CommandExperiment.head(title: "steadiness", generator: generator))
            connections = 8
            threads = 1
            warmup = "1s"
            duration = "7s"
            timeout = "10s"
            [[variants]]
            name = "holds"
            command = ["python3", "-c", \(Self.server(holding: true).tomlQuoted), "{port}"]
            [[variants]]
            name = "steady"
            command = ["python3", "-c", \(Self.server(holding: false).tomlQuoted), "{port}"]
            """.write(to: folder.appendingPathComponent("experiment.toml"), atomically: true, encoding: .utf8)
        try """
            # Steadiness

            Unsteady trials: holds {{ unsteady holds }}, steady {{ unsteady steady }}.

            ```table
            ```
            """.write(to: folder.appendingPathComponent("report.md"), atomically: true, encoding: .utf8)
        let definition = try DefinitionLoader.load(experiment: "steadiness", projectRoot: root)
        let store = try ResultStore(path: root.appendingPathComponent("results.sqlite"))
        let runner = ExperimentRunner(
            definition: definition, overrides: RunOverrides(), store: store, projectRoot: root, interrupt: Interrupt(),
            options: try TestPaths.runnerOptions(), events: { _ in })
        let measured = try await runner.run()
        #expect(measured.failedVariants.isEmpty, "\(measured.failedVariants)")
        let data = try store.loadRun(id: try #require(try store.latestRun(experiment: "steadiness")).id)
        var outcome = Outcome()
        for variant in data.variants {
            let trial = try #require(data.trials(of: variant).first)
            outcome.timelines[variant.name] = try #require(trial.measurement.timeline)
            // The window's intervals sum to the trial's count.
            #expect(trial.measurement.timeline?.window.map(\.requests).reduce(0, +) == trial.measurement.requests)
        }
        let files = try ReportBuilder.render(store: store, runID: nil, experiment: definition, outputRoot: root.appendingPathComponent("out"))
        let read = { (name: String) in try String(contentsOf: files.folder.appendingPathComponent(name), encoding: .utf8) }
        outcome.markdown = try read("report.md")
        outcome.timelineCSV = try read("timeline.csv")
        outcome.timelineSVG = try read("timeline.svg")
        outcome.json = try read("results.json")
        return outcome
    }

    @Test("a 2.5 s hold in the window is a stall found at 2 s; without it the window is steady", arguments: ["builtin", "wrk"])
    func stall(generator: String) async throws {
        let outcome = try await run(generator)
        let timelines = outcome.timelines
        let held = try #require(timelines["holds"])
        let answers = held.window.map(\.requests)
        #expect(answers[2] == 0 && answers[3] == 0, "seconds 2 and 3 of the window answer nothing: \(answers)")
        let verdict = SteadyState.judge(held)
        #expect(verdict.findings.first?.reason == .stall, "\(verdict.findings)")
        #expect(verdict.findings.first?.atSeconds == 2, "\(verdict.findings)")
        let steady = SteadyState.judge(try #require(timelines["steady"]))
        #expect(steady.isSteady && steady.judged, "\(steady.findings)")

        // The report: the unsteady trial listed and left out, the over-time charts with the
        // stall marked (the one red stroke), timeline.csv and results.json.
        #expect(outcome.markdown.contains("Unsteady trials: holds 1 trial, steady 0 trials."), "\(outcome.markdown)")
        #expect(outcome.markdown.contains("## Trials that did not hold steady"))
        #expect(outcome.markdown.contains("- **holds**, trial 1: stall at 2 s: no answer for 2 s"), "\(outcome.markdown)")
        #expect(outcome.markdown.contains("1 of the 2 trials judged did not hold steady"))
        #expect(outcome.markdown.contains("![Answered requests per second, per 1 s interval"))
        let stallStroke = "stroke:rgb(77.647059%,15.686275%,15.686275%)"
        #expect(outcome.timelineSVG.components(separatedBy: stallStroke).count - 1 == 1, "one stall mark in timeline.svg")
        let rows = outcome.timelineCSV.split(separator: "\n")
        #expect(rows.first == "variant,trial,t_s,length_s,requests,errors,p50_ms,p99_ms")
        #expect(rows.count == 1 + 2 * 8, "a warm-up and 7 window intervals per trial: \(rows.count - 1) rows")
        #expect(rows.contains { $0.hasPrefix("holds,1,2,1,0,0,,") }, "the stalled interval: \(rows)")
        #expect(outcome.json.contains("\"steady\" : false") && outcome.json.contains("\"unsteady_reason\" : \"stall at 2 s: no answer for 2 s\""))
    }

    /// One slot whose service time grows with the time since the load's first request: 10 ms
    /// at the window's start (1 s in), 40 ms at its end: answers per second fall by three
    /// quarters, steadily.
    static let slowsDown = PythonServers.asyncio(
        prelude: "lock = asyncio.Lock()",
        beforeAnswer: """
            async with lock:
                await asyncio.sleep(0.005 + 0.005 * (time.monotonic() - seen[min(1, len(seen) - 1)]))
            """)

    @Test("a server that slows down steadily through the window is flagged for its trend, its intervals summing to the trial's requests", arguments: ["builtin", "wrk"])
    func trend(generator: String) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-trend-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = try CommandExperiment.folder("trend", in: root)
        try """
            \(CommandExperiment.head(title: "slows down", generator: generator))
            connections = 4
            threads = 1
            warmup = "1s"
            duration = "6s"
            interval = "500ms"
            timeout = "10s"
            [[variants]]
            name = "slows"
            command = ["python3", "-c", \(Self.slowsDown.tomlQuoted), "{port}"]
            """.write(to: folder.appendingPathComponent("experiment.toml"), atomically: true, encoding: .utf8)
        let definition = try DefinitionLoader.load(experiment: "trend", projectRoot: root)
        let store = try ResultStore(path: root.appendingPathComponent("results.sqlite"))
        let runner = ExperimentRunner(
            definition: definition, overrides: RunOverrides(), store: store, projectRoot: root, interrupt: Interrupt(),
            options: try TestPaths.runnerOptions(), events: { _ in })
        let outcome = try await runner.run()
        #expect(outcome.failedVariants.isEmpty, "\(outcome.failedVariants)")
        let data = try store.loadRun(id: outcome.runID)
        let trial = try #require(data.trials.first)
        let timeline = try #require(trial.measurement.timeline)
        let window = timeline.window.map(\.requests)
        #expect(window.count == 12, "\(window)")
        #expect(window.reduce(0, +) == trial.measurement.requests, "the intervals sum to the trial: \(window)")
        #expect(trial.measurement.errors.total == 0, "\(trial.measurement.errors)")
        #expect(window.first ?? 0 > 2 * (window.last ?? 0), "answers fall through the window: \(window)")
        let verdict = try #require(trial.steadiness)
        let found = try #require(verdict.findings.first { $0.reason == .trend }, "\(verdict.findings)")
        #expect(found.detail.hasPrefix("answers per second fall"), "\(found.detail)")
    }

    /// Holds every answer from 1.5 s to 3 s after the load's first request, on its first start
    /// only (the marker file tells later starts apart).
    static let stallsOnce = PythonServers.asyncio(
        prelude: """
            first = not os.path.exists(sys.argv[2])
            if first:
                open(sys.argv[2], "w").close()
            """,
        beforeAnswer: """
            if first and len(seen) > 1 and seen[1] + 1.5 <= now < seen[1] + 3.0:
                await asyncio.sleep(seen[1] + 3.0 - now)
            """)

    @Test("trials = \"auto\": a trial that stalled does not count toward the precision target, and a replacement is measured")
    func autoReplacesUnsteadyTrials() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-auto-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("experiments/auto")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("upstream"), withIntermediateDirectories: true)
        try "ok".write(to: folder.appendingPathComponent("upstream/index.html"), atomically: true, encoding: .utf8)
        let marker = root.appendingPathComponent("started-once").path
        try """
            title = "replaced"
            trials = "auto"
            precision = "25%"
            max_trials = 6
            [upstream]
            root = "upstream"
            [app]
            server = "command"
            ready_timeout = "20s"
            [load]
            generator = "builtin"
            path = "/"
            connections = 8
            threads = 1
            warmup = "500ms"
            duration = "4s"
            interval = "500ms"
            timeout = "10s"
            [[variants]]
            name = "stalls-once"
            command = ["python3", "-c", \(Self.stallsOnce.tomlQuoted), "{port}", "\(marker)"]
            """.write(to: folder.appendingPathComponent("experiment.toml"), atomically: true, encoding: .utf8)
        let definition = try DefinitionLoader.load(experiment: "auto", projectRoot: root)
        let store = try ResultStore(path: root.appendingPathComponent("results.sqlite"))
        let progress = Mutex<[PrecisionProgress]>([])
        let runner = ExperimentRunner(
            definition: definition, overrides: RunOverrides(), store: store, projectRoot: root, interrupt: Interrupt(),
            options: try TestPaths.runnerOptions(),
            events: { event in if case .precision(let step) = event { progress.withLock { $0.append(step) } } })
        let outcome = try await runner.run()
        #expect(outcome.failedVariants.isEmpty, "\(outcome.failedVariants)")

        let results = try store.trialResults(runID: outcome.runID)
        #expect(results.allSatisfy { $0.key.status == .ok }, "\(results)")
        #expect(results.first?.steady == false, "the first start stalled: \(results)")
        #expect(results.dropFirst().filter { $0.steady == true }.count >= 3, "three steady trials count: \(results)")
        #expect(results.count >= 4, "the stalled trial was replaced: \(results.count) trials")
        let data = try store.loadRun(id: outcome.runID)
        let first = try #require(data.trials.first { $0.key.trialIndex == 1 })
        // The stall, and with it the window's first 2 s running slow: a short warm-up too.
        #expect(first.steadiness?.findings.contains { $0.reason == .stall } == true, "\(String(describing: first.steadiness))")
        let seen = progress.withLock { $0 }
        let afterRounds = try #require(seen.first?.standings.first)
        #expect(afterRounds.trials == 3 && afterRounds.unsteadyTrials == 1 && afterRounds.okTrials == 2, "\(afterRounds)")
        #expect(afterRounds.state == .open)
        #expect(seen.last?.stop == .met || seen.last?.stop == .exhausted, "\(String(describing: seen.last))")
        // The report leaves the stalled trial out of the statistics it states.
        let statistics = RunStatistics.compute(data)
        let unsteady = results.filter { $0.steady == false }.count
        #expect(statistics.first?.unsteadyLeftOut == unsteady && statistics.first?.trialsOK == results.count - unsteady,
                "\(String(describing: statistics.first.map { ($0.unsteadyLeftOut, $0.trialsOK) }))")
    }
}
}
