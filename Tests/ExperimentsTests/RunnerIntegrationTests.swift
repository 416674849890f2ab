import Foundation
import Synchronization
import TestFixtures
import Testing
@testable import Core
@testable import Definition
@testable import Runner
@testable import Store
@testable import Supervision


#if canImport(Glibc)
import Glibc
#endif

/// Short real runs: one trial, 2 s windows after a 1 s warm-up, 50 connections.
enum RunIntegrationDefaults {
    static var short: RunOverrides {
        var overrides = RunOverrides()
        overrides.trials = 1
        overrides.duration = .seconds(2)
        overrides.warmup = .seconds(1)
        overrides.connections = 50
        return overrides
    }
}

/// Every suite that starts real servers lives in here: they run one at a time, so a check
/// that nothing is left running sees only its own test's processes.
@Suite("real servers", .serialized, .timeLimit(.minutes(10)))
struct RealServers {
    static let projectRoot = TestPaths.projectRoot

    /// Every process still alive that this test process started or that descends from one:
    /// any member of any group it started (not only the leaders) and the descendants that
    /// had left their group, as "pid command line". Every suite that starts processes with
    /// `ChildProcess` runs inside this serialized parent, so what is found is a leftover.
    static func serversLeft() -> [String] {
        ChildRegistry.shared.leftovers()
    }

    static func reportgenBinary() throws -> URL { try TestPaths.reportgenBinary() }

    /// What each stored trial counted, by kind, in run order.
    struct TrialCounts: CustomStringConvertible {
        var variant: String
        var index: Int
        var status: String
        var requests, status5xx, connect, read, write, timeout: Int64

        /// No request failed: no non-2xx answer, no connect, read or write error.
        var answeredEverything: Bool { status5xx == 0 && connect == 0 && read == 0 && write == 0 }
        var description: String {
            "\(variant)#\(index) \(status): \(requests) requests, non-2xx \(status5xx), connect \(connect), read \(read), write \(write), timeouts \(timeout)"
        }
    }

    static func trialCounts(_ store: ResultStore) throws -> [TrialCounts] {
        try store.database.rows("""
            SELECT v.name, t.trial_index, t.status, t.requests, t.errors_status, t.errors_connect,
                   t.errors_read, t.errors_write, t.errors_timeout
            FROM trials t JOIN variants v ON v.id = t.variant_id ORDER BY t.run_order
            """) { row in
            TrialCounts(
                variant: try row.requiredString("name"), index: try row.int("trial_index"),
                status: try row.requiredString("status"), requests: try row.int64("requests"),
                status5xx: try row.int64("errors_status"), connect: try row.int64("errors_connect"),
                read: try row.int64("errors_read"), write: try row.int64("errors_write"),
                timeout: try row.int64("errors_timeout"))
        }
    }

    /// Every ok trial in `store` served more than `minimum` requests and none failed.
    static func expectAnswered(_ store: ResultStore, minimum: Int64, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let counts = try trialCounts(store)
        #expect(!counts.isEmpty, "trials were stored", sourceLocation: sourceLocation)
        for trial in counts where trial.status == "ok" {
            #expect(trial.requests > minimum, "\(trial)", sourceLocation: sourceLocation)
            #expect(trial.answeredEverything, "\(trial)", sourceLocation: sourceLocation)
        }
    }

    /// A runner over `overrides` applied to `experiment` (the shipped default one unless
    /// given: a name or a path), storing into `db`.
    static func runner(
        db: URL, overrides: RunOverrides, experiment: String = "aiohttp-vs-flask", interrupt: Interrupt = Interrupt(),
        events: @escaping @Sendable (RunEvent) -> Void = { _ in }
    ) throws -> (ExperimentRunner, ResultStore) {
        let definition = try DefinitionLoader.load(experiment: experiment, projectRoot: projectRoot)
            .applying(overrides)
        let store = try ResultStore(path: db)
        let options = try TestPaths.runnerOptions()
        let runner = ExperimentRunner(
            definition: definition, overrides: overrides, store: store, projectRoot: projectRoot,
            interrupt: interrupt, options: options, events: events)
        return (runner, store)
    }
}

extension RealServers {
/// Runs the default experiment for real (nginx, gunicorn, wrk on loopback) with two
/// variants, one trial and short windows, and checks what a user would look at in the store.
@Suite("runner against real servers", .serialized)
struct RunnerIntegrationTests {
    static let projectRoot = RealServers.projectRoot

    func makeRunner(db: URL, overrides: RunOverrides, interrupt: Interrupt = Interrupt()) throws -> (ExperimentRunner, ResultStore) {
        try RealServers.runner(db: db, overrides: overrides, interrupt: interrupt)
    }

    static var shortRun: RunOverrides {
        var overrides = RunIntegrationDefaults.short
        overrides.variants = ["aiohttp", "flask:10"]
        return overrides
    }

    @Test("a 2-variant, 1-trial run stores complete, consistent trials and leaves nothing running")
    func shortRealRun() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-it-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("results.sqlite")
        let (runner, store) = try makeRunner(db: db, overrides: Self.shortRun)
        let outcome = try await runner.run()
        #expect(outcome.trialsRun == 2)
        #expect(outcome.trialsFailed == 0)

        let database = store.database
        let statuses = try database.rows("SELECT status FROM trials") { $0.string(at: 0) }
        #expect(statuses == ["ok", "ok"])
        let runStatus = try database.firstRow("SELECT status FROM runs WHERE id = \(outcome.runID)") { $0.string(at: 0) }
        #expect(runStatus == "complete")

        // The raw distribution holds exactly the requests that completed within the timeout.
        let rows = try database.rows("""
            SELECT t.requests, t.errors_timeout, t.duration_us,
                   (SELECT SUM(count) FROM latency_samples s WHERE s.trial_id = t.id)
            FROM trials t
            """) { ($0.int64(at: 0), $0.int64(at: 1), $0.int64(at: 2), $0.int64(at: 3)) }
        for (requests, timeouts, durationUs, sum) in rows {
            #expect(requests > 100, "a 2 s window against a local server serves far more than 100 requests")
            #expect(sum == requests - timeouts)
            #expect(durationUs >= 1_900_000 && durationUs < 3_000_000)
        }
        // Every request answered 200: an app that answered 502 after readiness would fail here.
        try RealServers.expectAnswered(store, minimum: 100)

        // wrk's own (corrected) percentiles are kept beside the raw samples.
        let percentiles = try database.firstRow("SELECT COUNT(*) FROM generator_percentiles") { $0.int64(at: 0) }
        #expect((percentiles ?? 0) >= 2 * 6)

        // Resource samples cover the app, the upstream and the load generator.
        let roles = try database.rows("SELECT DISTINCT role FROM resource_samples ORDER BY role") { $0.string(at: 0) }
        #expect(roles == ["app", "loadgen", "upstream"])
        let peakRSS = try database.firstRow("SELECT MAX(rss_bytes) FROM resource_samples WHERE role = 'app'") { $0.int64(at: 0) }
        #expect((peakRSS ?? 0) > 10_000_000, "two Python workers and a master use more than 10 MB")
        // Samples before the window (start-up, warm-up) have negative times; the window's run
        // from its opening at 0 to its closing, so the app's CPU over it is present and plausible.
        let phases = try database.rows(
            "SELECT phase, MIN(t_ms), MAX(t_ms) FROM resource_samples WHERE role = 'app' GROUP BY phase ORDER BY phase"
        ) { "\(try $0.requiredString(at: 0)) \($0.int64(at: 1)) \($0.int64(at: 2))" }
        #expect(phases.count == 2 && phases[0].hasPrefix("before -") && phases[1].hasPrefix("window 0 "), "\(phases)")
        let cpu = try database.rows("""
            SELECT t.duration_us, (SELECT MAX(cpu_user_ms + cpu_system_ms) - MIN(cpu_user_ms + cpu_system_ms)
                FROM resource_samples r WHERE r.trial_id = t.id AND r.role = 'app' AND r.phase = 'window')
            FROM trials t
            """) { ($0.int64(at: 0), $0.int64(at: 1)) }
        let cores = Int64(ProcessInfo.processInfo.activeProcessorCount)
        for (durationUs, usedMs) in cpu {
            #expect(usedMs > 0 && usedMs <= cores * durationUs / 1000, "app CPU \(usedMs) ms over \(durationUs) µs")
        }

        // The exact command lines are stored.
        let commands = try database.rows("SELECT command_line, server_command_line FROM trials") {
            ($0.string(at: 0) ?? "", $0.string(at: 1) ?? "")
        }
        for (load, server) in commands {
            // One run: 1 s of warm-up, the 2 s window and a second for the last edge to be read,
            // with the timeline's edges.
            #expect(load.hasPrefix("wrk --duration 4s --connections 50"), "\(load)")
            #expect(load.hasSuffix(" timeline 10000000 1000000,2000000,3000000"), "\(load)")
            #expect(server.contains("gunicorn apps.") && server.contains("--workers 2"))
        }

        // Nothing the run started is left.
        #expect(RealServers.serversLeft().isEmpty)

        // The same definition again: complete, so nothing is measured.
        let (again, _) = try makeRunner(db: db, overrides: Self.shortRun)
        let second = try await again.run()
        #expect(second.alreadyComplete)
        #expect(second.runID == outcome.runID)
    }

    @Test("the built-in generator stores every request, and its distribution sums to exactly that many")
    func builtinGeneratorRun() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-it-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var overrides = RunIntegrationDefaults.short
        overrides.variants = ["aiohttp", "flask:meinheld"]
        overrides.generator = .builtin
        // Not whole seconds: only wrk needs them.
        overrides.duration = .milliseconds(2500)
        let (runner, store) = try makeRunner(db: folder.appendingPathComponent("results.sqlite"), overrides: overrides)
        let outcome = try await runner.run()
        #expect(outcome.trialsRun == 2)
        #expect(outcome.trialsFailed == 0)
        try RealServers.expectAnswered(store, minimum: 100)
        #expect(try store.database.firstRow("SELECT COUNT(*) FROM requests WHERE status <> 200") { $0.int64(at: 0) } == 0, "every stored request was a 200")

        struct Row {
            var requests, durationUs, stored, distributed, lastEnd, connections: Int64
            var command: String
        }
        let rows = try store.database.rows("""
            SELECT t.requests, t.duration_us,
                   (SELECT COUNT(*) FROM requests r WHERE r.trial_id = t.id),
                   (SELECT SUM(count) FROM latency_samples s WHERE s.trial_id = t.id),
                   (SELECT MAX(start_us + latency_us) FROM requests r WHERE r.trial_id = t.id),
                   (SELECT COUNT(DISTINCT connection) FROM requests r WHERE r.trial_id = t.id),
                   t.command_line
            FROM trials t
            """) { row in
            Row(requests: row.int64(at: 0), durationUs: row.int64(at: 1), stored: row.int64(at: 2),
                distributed: row.int64(at: 3), lastEnd: row.int64(at: 4), connections: row.int64(at: 5),
                command: row.string(at: 6) ?? "")
        }
        #expect(rows.count == 2)
        for row in rows {
            #expect(row.requests > 100, "2.5 s against a local server serves far more than 100 requests")
            #expect(row.stored == row.requests, "every request is stored")
            #expect(row.distributed == row.requests, "the distribution is derived from every request")
            #expect(row.durationUs == 2_500_000)
            #expect(row.lastEnd <= row.durationUs, "only requests that finished inside the window count")
            #expect(row.connections == 50, "all 50 connections carried requests")
            #expect(row.command.contains("reportgen load --connections 50 --threads"))
            #expect(row.command.contains("--duration 2500ms"))
        }
        let note = try store.database.firstRow("SELECT DISTINCT note FROM generator_percentiles") { $0.string(at: 0) } ?? nil
        #expect(note == "reportgen load, every request, closed loop")

        // Reading the run back gives throughput over time from the stored requests.
        let data = try store.loadRun(id: outcome.runID)
        for trial in data.trials {
            let bins = try #require(trial.throughput)
            #expect(bins.count == 25)
            let measured = trial.measurement
            #expect(bins.reduce(0, +) == measured.requests - measured.errors.read - measured.errors.write - measured.errors.timeout)
        }
        // The generator ran as its own process, sampled like wrk.
        let roles = try store.database.rows("SELECT DISTINCT role FROM resource_samples ORDER BY role") { $0.string(at: 0) }
        #expect(roles == ["app", "loadgen", "upstream"])
        #expect(RealServers.serversLeft().isEmpty)
    }

    @Test("an open-loop run at a fixed rate sends the scheduled number of requests, ± 1%")
    func builtinOpenLoop() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-it-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var overrides = RunIntegrationDefaults.short
        overrides.variants = ["aiohttp"]
        overrides.generator = .builtin
        overrides.rate = 400
        let (runner, store) = try makeRunner(db: folder.appendingPathComponent("results.sqlite"), overrides: overrides)
        let outcome = try await runner.run()
        #expect(outcome.trialsFailed == 0)
        let counts = try store.database.firstRow(
            "SELECT t.requests, (SELECT COUNT(*) FROM requests), t.command_line FROM trials t"
        ) { ($0.int64(at: 0), $0.int64(at: 1), $0.string(at: 2) ?? "") }
        let (requests, stored, command) = try #require(counts)
        // 400 requests/s for 2 s: 800 scheduled; a few may still be in flight at the end.
        #expect(abs(Double(requests) - 800) <= 8)
        #expect(stored == requests)
        try RealServers.expectAnswered(store, minimum: 700)
        #expect(command.contains("--rate 400"))
        let note = try store.database.firstRow("SELECT DISTINCT note FROM generator_percentiles") { $0.string(at: 0) } ?? nil
        #expect(note?.contains("open loop") == true)
        #expect(RealServers.serversLeft().isEmpty)
    }

    @Test("an interrupt during a built-in window stores nothing and leaves no generator running")
    func builtinInterrupted() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-it-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let interrupt = Interrupt()
        var overrides = RunIntegrationDefaults.short
        overrides.variants = ["aiohttp"]
        overrides.generator = .builtin
        overrides.duration = .seconds(20)
        let (runner, store) = try RealServers.runner(
            db: folder.appendingPathComponent("results.sqlite"), overrides: overrides, interrupt: interrupt
        ) { event in
            if case .trialPhase(_, .measuring, _) = event {
                Task {
                    try await Task.sleep(for: .milliseconds(500))
                    interrupt.request()
                }
            }
        }
        let began = ContinuousClock.now
        await #expect(throws: ReportgenError.self) { try await runner.run() }
        #expect(ContinuousClock.now - began < .seconds(15), "the 20 s window was abandoned, not waited out")
        #expect(RealServers.serversLeft().isEmpty)
        let stored = try store.database.firstRow("SELECT COUNT(*) FROM trials") { $0.int64(at: 0) }
        #expect(stored == 0)
    }

    @Test("an interrupted run keeps its finished trials and the next run continues it")
    func interruptAndResume() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-it-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("results.sqlite")
        let interrupt = Interrupt()
        let finished = Atomic(0)
        let (runner, store) = try RealServers.runner(db: db, overrides: Self.shortRun, interrupt: interrupt) { event in
            // Stop during the second trial's measured window.
            if case .trialFinished = event { finished.add(1, ordering: .sequentiallyConsistent) }
            if case .trialPhase(_, .measuring, _) = event, finished.load(ordering: .sequentiallyConsistent) == 1 {
                interrupt.request()
            }
        }
        await #expect(throws: ReportgenError.self) { try await runner.run() }
        #expect(RealServers.serversLeft().isEmpty)
        let stored = try store.database.firstRow("SELECT COUNT(*) FROM trials") { $0.int64(at: 0) }
        #expect(stored == 1)
        let status = try store.database.firstRow("SELECT status FROM runs WHERE kind = 'measured'") { $0.string(at: 0) }
        #expect(status == "interrupted")

        let (resumed, _) = try makeRunner(db: db, overrides: Self.shortRun)
        let outcome = try await resumed.run()
        #expect(outcome.resumed)
        #expect(outcome.trialsRun == 1)
        let keys = try store.database.rows("SELECT v.name, t.trial_index FROM trials t JOIN variants v ON v.id = t.variant_id ORDER BY v.name") {
            "\($0.string(at: 0) ?? "")#\($0.int64(at: 1))"
        }
        #expect(keys == ["aiohttp#1", "flask:10#1"])
        try RealServers.expectAnswered(store, minimum: 100)
        #expect(RealServers.serversLeft().isEmpty)
    }
}
}
