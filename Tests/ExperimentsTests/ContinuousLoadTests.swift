import Foundation
import TestFixtures
import Testing
@testable import Definition
@testable import Runner
@testable import Store
@testable import Supervision

extension RealServers {
/// A server slower than its load, measured with a warm-up: one slot, 100 ms a request, served
/// first come first served, 16 connections. Little's law allows 10 requests/s. A warm-up run
/// of its own leaves its 16 requests queued in the server when it stops, and the window waits
/// 1.6 s behind them; one continuous run per trial measures the 10/s.
@Suite("one continuous load per trial", .serialized, .timeLimit(.minutes(5)))
struct ContinuousLoadTests {
    /// One slot: a request waits for the lock, holds it 100 ms, then answers. A request whose
    /// client went away is still served, as gunicorn's are: nothing reads the socket meanwhile.
    static let oneSlot = PythonServers.asyncio(
        prelude: "lock = asyncio.Lock()",
        beforeAnswer: """
            async with lock:
                await asyncio.sleep(0.1)
            """)

    struct Measured {
        var requests: Int64
        var durationUs: Int64
        var rate: Double { Double(requests) / (Double(durationUs) / 1e6) }
    }

    /// Runs the one-slot server's single trial and returns the store and what the window counted.
    func measure(_ generator: String, separateWarmup: Bool, in root: URL) async throws -> (ResultStore, Measured) {
        let folder = try CommandExperiment.folder("one-slot", in: root)
        try """
            \(CommandExperiment.head(title: "one slot, 100 ms", generator: generator))
            connections = 16
            threads = 1
            warmup = "1s"
            duration = "4s"
            timeout = "10s"
            [[variants]]
            name = "one-slot"
            command = ["python3", "-c", \(Self.oneSlot.tomlQuoted), "{port}"]
            """.write(to: folder.appendingPathComponent("experiment.toml"), atomically: true, encoding: .utf8)
        let definition = try DefinitionLoader.load(experiment: "one-slot", projectRoot: root)
        let store = try ResultStore(path: root.appendingPathComponent("\(generator)-\(separateWarmup ? "separate" : "continuous").sqlite"))
        var options = try TestPaths.runnerOptions()
        options.separateWarmup = separateWarmup
        let runner = ExperimentRunner(
            definition: definition, overrides: RunOverrides(), store: store, projectRoot: root, interrupt: Interrupt(),
            options: options, events: { _ in })
        let outcome = try await runner.run()
        #expect(outcome.failedVariants.isEmpty, "\(outcome.failedVariants)")
        let row = try #require(try store.database.firstRow("SELECT requests, duration_us FROM trials") { row in
            Measured(requests: row.int64(at: 0), durationUs: row.int64(at: 1))
        })
        return (store, row)
    }

    @Test(
        "a server slower than its load meets Little's law within 10% with a warm-up; the timeline sums to the window and the edges are stored",
        arguments: ["builtin", "wrk"])
    func littlesLaw(generator: String) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-continuous-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }

        let (store, continuous) = try await measure(generator, separateWarmup: false, in: root)
        #expect(continuous.durationUs == 4_000_000)
        #expect(abs(continuous.rate - 10) <= 1, "one slot of 100 ms serves 10 requests/s; measured \(continuous.rate)")
        let latency = try store.database.firstRow("SELECT sum(count) FROM latency_samples") { $0.int64(at: 0) }
        #expect(latency == continuous.requests)

        if generator == "builtin" {
            // Every request the window counted is a row; some were sent in the warm-up.
            let rows = try store.database.firstRow(
                "SELECT count(*), sum(start_us < 0), min(start_us + latency_us), max(start_us + latency_us) FROM requests"
            ) { ($0.int64(at: 0), $0.int64(at: 1), $0.int64(at: 2), $0.int64(at: 3)) }
            #expect(rows?.0 == continuous.requests)
            #expect((rows?.1 ?? 0) > 0, "requests sent in the warm-up and answered in the window count in it")
            #expect((rows?.2 ?? -1) >= 0 && (rows?.3 ?? .max) < 4_000_000)
        }

        // The timeline: a warm-up interval, four window intervals that sum to the trial's count.
        let timeline = try #require(try store.database.firstRow(
            "SELECT warmup_us, interval_us, in_flight_start, in_flight_end FROM trial_timelines"
        ) { ($0.int64(at: 0), $0.int64(at: 1), $0.optionalInt64(at: 2), $0.optionalInt64(at: 3)) })
        #expect(timeline.0 == 1_000_000 && timeline.1 == 1_000_000)
        if generator == "builtin" {
            #expect(timeline.2 == 16 && timeline.3 == 16, "16 connections, each waiting at both edges: \(timeline)")
        } else {
            #expect(timeline.2 == nil && timeline.3 == nil, "wrk cannot say what is in flight: \(timeline)")
        }
        let intervals = try store.database.rows(
            "SELECT start_us, length_us, requests, p50_us, p99_us FROM trial_intervals ORDER BY start_us"
        ) { (start: $0.int64(at: 0), length: $0.int64(at: 1), requests: $0.int64(at: 2), p50: $0.int64(at: 3), p99: $0.int64(at: 4)) }
        #expect(intervals.map(\.start) == [-1_000_000, 0, 1_000_000, 2_000_000, 3_000_000])
        #expect(intervals.filter { $0.start >= 0 }.map(\.requests).reduce(0, +) == continuous.requests)
        for interval in intervals where interval.start >= 0 {
            #expect((9...11).contains(interval.requests), "\(interval)")
            // Each waits behind the 15 others: about 1.6 s.
            #expect((1_300_000...2_200_000).contains(interval.p50), "\(interval)")
        }

        // The same server, the warm-up a run of its own: the window serves the warm-up's
        // abandoned queue first, and the law is missed by far.
        let (_, separate) = try await measure(generator, separateWarmup: true, in: root)
        print("\(generator), one slot of 100 ms, 16 connections: \(continuous.rate) requests/s in one run, \(separate.rate) with the warm-up apart")
        #expect(separate.rate < 8, "a separate warm-up costs the window about 1.6 s of 4; measured \(separate.rate)/s")
    }
}
}
