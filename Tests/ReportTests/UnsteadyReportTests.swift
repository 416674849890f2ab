import Foundation
import TestFixtures
import Testing

@testable import Core
@testable import Definition
@testable import Records
@testable import Report
@testable import Store

/// How a report shows trials that did not hold steady, from a fixture store whose timelines
/// are known: the table's mark and its note, the method's warm-up verdict naming the variant,
/// and one variant's own over-time chart.
@Suite("unsteady trials in the report")
struct UnsteadyReportTests {
    static let writeup = """
        # Steadiness

        ```table
        ```

        ```chart timeline flask:10
        Flask alone, on its own scale.
        ```

        ```method
        ```
        """

    /// A 2 s warm-up and a 20 s window of 1 s intervals answering `rates[k]` in interval k
    /// (the warm-up at the first rate).
    static func timeline(_ rates: [Int64]) -> Timeline {
        let intervals = (-2..<rates.count).map { k in
            let rate = rates[max(k, 0)]
            return TrialInterval(
                startUs: Int64(k) * 1_000_000, lengthUs: 1_000_000, requests: rate, errors: ErrorCounts(),
                p50Us: rate > 0 ? 2_000 : nil, p99Us: rate > 0 ? 9_000 : nil)
        }
        return Timeline(warmupUs: 2_000_000, intervalUs: 1_000_000, inFlightAtStart: 4, inFlightAtEnd: 5, intervals: intervals)
    }

    /// 20 intervals around `level`, ±2%.
    static func steady(_ level: Int64) -> [Int64] {
        (0..<20).map { level + level * [0, 2, -1, 1, -2, 0, 1, -1, 2, 0, -2, 1, 0, -1, 2, -2, 1, 0, -1, 1][$0] / 100 }
    }

    /// aiohttp: three steady trials. flask:10: one steady, one stalled at 8 s for 2 s, one
    /// whose first 2 s ran at half its rate.
    static func fixture() throws -> (folder: URL, experiment: ExperimentDefinition, store: ResultStore) {
        let definition = ReportBuilderTests.definitionText.replacingOccurrences(of: "trials = 2", with: "trials = 3")
        let (folder, experiment) = try ReportBuilderTests.experimentFolder(definition: definition, writeup: writeup)
        let store = try ResultStore(path: folder.appendingPathComponent("results.sqlite"))
        let machine = MachineInfo(
            fingerprint: "fixture", hostname: "fixture-host", cpuModel: "Example CPU", cpuCores: 2,
            memoryBytes: 8 << 30, kernel: "6.1.0 x86_64", os: "Debian GNU/Linux 12 (bookworm)", cpuGovernor: nil)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let (run, variants) = try store.createRun(
            NewRun(
                experiment: "fixture", definitionHash: "fixture-hash", definitionText: definition,
                machineID: try store.machineID(for: machine), startedAt: start, toolVersion: "0.1.0", projectCommit: nil,
                shuffleSeed: 1, overrides: RunOverrides(), software: SoftwareVersions(reportgen: "0.1.0"),
                upstreamCommandLine: "nginx", writeupText: writeup),
            variants: experiment.variants.map {
                NewVariant(cell: $0.cell, position: $0.position, config: VariantConfig(workerClass: $0.workerClass, threads: $0.threads))
            })
        var stalled = steady(200)
        stalled[8] = 0
        stalled[9] = 0
        var slowStart = steady(200)
        slowStart[0] = 100
        slowStart[1] = 100
        let trials: [(String, Int, [Int64])] = [
            ("aiohttp", 1, steady(1000)), ("aiohttp", 2, steady(1010)), ("aiohttp", 3, steady(990)),
            ("flask:10", 1, steady(200)), ("flask:10", 2, stalled), ("flask:10", 3, slowStart),
        ]
        for (order, trial) in trials.enumerated() {
            let variant = try #require(variants.first { $0.name == trial.0 })
            let requests = trial.2.reduce(0, +)
            var record = TrialRecord.fixture(
                variantID: variant.id, trialIndex: trial.1, runOrder: order + 1,
                startedAt: start.addingTimeInterval(Double(order) * 25), durationUs: 20_000_000, requests: requests,
                latency: [LatencyBucket(latencyUs: 2_000, count: requests)])
            record.measurement.timeline = timeline(trial.2)
            try store.recordTrial(record)
        }
        try store.setRunStatus(run.id, .complete, finishedAt: start.addingTimeInterval(200))
        return (folder, experiment, store)
    }

    @Test("the table marks the variant with unsteady trials and says what the mark means; the method names the variant whose warm-up was too short")
    func tableAndMethod() throws {
        let (folder, experiment, store) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = try ReportBuilder.render(store: store, runID: nil, experiment: experiment, outputRoot: folder.appendingPathComponent("out"))
        let markdown = try String(contentsOf: files.markdown, encoding: .utf8)
        let rows = markdown.split(separator: "\n").filter { $0.hasPrefix("| ") }
        let flask = try #require(rows.first { $0.hasPrefix("| flask:10 ") })
        let aiohttp = try #require(rows.first { $0.hasPrefix("| aiohttp ") })
        #expect(flask.hasSuffix("1 (+2 unsteady) |"), "\(flask)")
        #expect(aiohttp.hasSuffix(" 3 |"), "\(aiohttp)")
        #expect(markdown.contains("*Trials: “+N unsteady”: trials whose window did not hold steady, left out of the row's numbers."))
        // The row's requests are the one steady trial's.
        let steadyRequests = ReportNumber.count(Double(Self.steady(200).reduce(0, +)))
        #expect(flask.contains(" \(steadyRequests) |") && flask.contains(" n=1 |"), "\(flask)")
        #expect(markdown.contains("The 2 s warm-up was too short for flask:10 (1 of 3 trials)"), "\(markdown)")
        // The banner counts every trial measured, and says how many were left out.
        #expect(markdown.contains(" × 3 trials; generated by"), "\(markdown.prefix(400))")
        #expect(markdown.contains("> **Unsteady trials:** 2 trials of 1 variant did not hold steady through the window"))

        // Counted in: the mark says so, and the row holds all three.
        var including = experiment
        including.includeUnsteady = true
        let counted = try ReportBuilder.render(store: store, runID: nil, experiment: including, outputRoot: folder.appendingPathComponent("in"))
        let text = try String(contentsOf: counted.markdown, encoding: .utf8)
        #expect(text.contains(" 3 (2 unsteady) |"), "\(text)")
        #expect(text.contains("“N unsteady”: trials whose window did not hold steady, counted in the row's numbers"))
    }

    @Test("chart timeline VARIANT draws that variant alone into its own files, the stall marked once; an unknown variant is a located error")
    func oneVariantsTimeline() throws {
        let (folder, experiment, store) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = try ReportBuilder.render(store: store, runID: nil, experiment: experiment, outputRoot: folder.appendingPathComponent("out"))
        let markdown = try String(contentsOf: files.markdown, encoding: .utf8)
        #expect(markdown.contains("![Answered requests per second of flask:10, per 1 s interval (each trial; warm-up shaded, stalls marked)](timeline-flask-10.png)"), "\(markdown)")
        #expect(markdown.contains("*Flask alone, on its own scale.*"))
        let names = files.charts.map(\.svg.lastPathComponent)
        #expect(names.contains("timeline-flask-10.svg") && names.contains("timeline-p99-flask-10.svg") && names.contains("timeline.svg"), "\(names)")
        let own = try String(contentsOf: files.folder.appendingPathComponent("timeline-flask-10.svg"), encoding: .utf8)
        let all = try String(contentsOf: files.folder.appendingPathComponent("timeline.svg"), encoding: .utf8)
        let stallStroke = "stroke:rgb(77.647059%,15.686275%,15.686275%)"
        #expect(own.components(separatedBy: stallStroke).count - 1 == 1, "one stall mark on flask:10's own chart")
        #expect(all.components(separatedBy: stallStroke).count - 1 == 1, "and once on the chart of every variant")
        #expect(own.count < all.count, "one panel, not two")

        let report = experiment.directory.appendingPathComponent("report.md")
        try "# T\n\n```chart timeline nosuch\n```\n".write(to: report, atomically: true, encoding: .utf8)
        let error = #expect(throws: ReportgenError.self) {
            try ReportBuilder.render(store: store, runID: nil, experiment: experiment, outputRoot: folder.appendingPathComponent("out"))
        }
        #expect(error?.message == "no variant of this run is named 'nosuch'")
        #expect(error?.hint == "name one of: aiohttp, flask:10")
        #expect(error?.location?.line == 3)
        try "# T\n\n```chart requests aiohttp\n```\n".write(to: report, atomically: true, encoding: .utf8)
        let two = #expect(throws: ReportgenError.self) {
            try ReportBuilder.render(store: store, runID: nil, experiment: experiment, outputRoot: folder.appendingPathComponent("out"))
        }
        #expect(two?.message.contains("a chart cell names one chart") == true, "\(two?.message ?? "")")
    }

    @Test("the warm-up gets x ticks below 0: the window's steps that fit, or its start")
    func warmupTicks() {
        let axis = Axis.linear(through: 20, targetTicks: 4)
        #expect(axis.ticks.map(\.value) == [0, 5, 10, 15, 20])
        #expect(ThroughputChart.warmupTicks(axis, start: -2).map(\.label) == ["−2"])
        #expect(ThroughputChart.warmupTicks(axis, start: -10).map(\.label) == ["−10", "−5"])
        #expect(ThroughputChart.warmupTicks(axis, start: -0.5).map(\.label) == ["−0.5"])
        #expect(ThroughputChart.warmupTicks(axis, start: 0).isEmpty)
    }
}
