import Foundation
import Synchronization
import TestFixtures
import Testing
@testable import Core
@testable import Definition
@testable import Runner
@testable import Store


extension RealServers {
/// A grid for real: the seed's apps behind an nginx that holds its answers 0 or 50 ms.
@Suite("a swept experiment against real servers", .serialized)
struct SweepIntegrationTests {
    /// A two-variant experiment sweeping the upstream delay, using the seed's apps, page and
    /// lock (so the Python environment is the one the other tests build).
    static func writeExperiment(in folder: URL) throws -> URL {
        let seed = RealServers.projectRoot.appendingPathComponent("experiments/aiohttp-vs-flask")
        let directory = folder.appendingPathComponent("io-grid")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            at: directory.appendingPathComponent("apps"), withDestinationURL: seed.appendingPathComponent("apps"))
        let toml = """
            title = "a small grid"
            trials = 1

            [upstream]
            root = "\(seed.path)/upstream"
            delay = ["0ms", "50ms"]

            [app]
            module = "apps.flask_app:app"
            workers = 1
            requirements = "\(seed.path)/requirements.lock"

            [load]
            path = "/remote"
            connections = 20
            threads = 2
            duration = "2s"
            timeout = "5s"
            warmup = "1s"

            [[variants]]
            name = "aiohttp"
            module = "apps.aiohttp_app:app"
            worker_class = "aiohttp.GunicornUVLoopWebWorker"

            [[variants]]
            name = "flask:2"
            worker_class = "gthread"
            threads = 2

            """
        try toml.write(to: directory.appendingPathComponent("experiment.toml"), atomically: true, encoding: .utf8)
        return directory
    }

    /// Requests/s of each stored cell's trials, by cell name.
    static func rates(_ store: ResultStore) throws -> [String: Double] {
        Dictionary(uniqueKeysWithValues: try store.database.rows("""
            SELECT v.name, t.requests * 1e6 / t.duration_us FROM trials t JOIN variants v ON v.id = t.variant_id
            WHERE t.status = 'ok'
            """) { (try $0.requiredString(at: 0), $0.double(at: 1)) })
    }

    @Test("every variant runs at every delay through one nginx; the cells, their levels and Little's law show in the store; a resumed run measures only the missing cell")
    func gridRunAndResume() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-sweep-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let experiment = try Self.writeExperiment(in: folder)
        let db = folder.appendingPathComponent("results.sqlite")
        let events = EventLog()
        let (runner, store) = try RealServers.runner(
            db: db, overrides: RunOverrides(), experiment: experiment.path, events: events.append)
        let outcome = try await runner.run()
        #expect(outcome.trialsRun == 4)
        #expect(outcome.trialsFailed == 0)
        try RealServers.expectAnswered(store, minimum: 20)
        #expect(RealServers.serversLeft().isEmpty)
        // One nginx for the whole grid, holding answers on the 50 ms path.
        #expect(events.notes.filter { $0.hasPrefix("upstream: nginx on") }.count == 1)
        #expect(events.notes.contains { $0.hasPrefix("upstream: nginx on") && $0.hasSuffix("holding each response 0ms / 50ms") }, "\(events.notes)")
        #expect(events.notes.contains { $0.contains("4 cells (2 variants × 2 levels of upstream.delay) × 1 trials") }, "\(events.notes)")

        let variants = try store.variants(runID: outcome.runID)
        #expect(variants.map(\.name) == ["aiohttp @ delay=0ms", "aiohttp @ delay=50ms", "flask:2 @ delay=0ms", "flask:2 @ delay=50ms"])
        #expect(variants.map(\.cell.variant) == ["aiohttp", "aiohttp", "flask:2", "flask:2"])
        #expect(variants.map { $0.cell.levels.map(\.value) } == [[0], [0.05], [0], [0.05]])
        let levels = try store.database.rows("SELECT setting, label FROM cell_levels ORDER BY variant_id") {
            "\(try $0.requiredString(at: 0)) \(try $0.requiredString(at: 1))"
        }
        #expect(levels == ["upstream.delay 0ms", "upstream.delay 50ms", "upstream.delay 0ms", "upstream.delay 50ms"])

        // At 50 ms no request comes back sooner, and a pool of 2 threads cannot serve more
        // than 2 / 50 ms = 40 requests/s (Little's law), while the event loop keeps all 20
        // connections waiting at once.
        let fastest = try store.database.rows("""
            SELECT v.name, MIN(s.latency_us) FROM latency_samples s JOIN trials t ON t.id = s.trial_id
            JOIN variants v ON v.id = t.variant_id GROUP BY v.name ORDER BY v.name
            """) { (try $0.requiredString(at: 0), $0.int64(at: 1)) }
        // (nginx sleeps 1 ms short of the delay, its timers firing about that late.)
        for (name, latency) in fastest where name.hasSuffix("delay=50ms") {
            #expect(latency >= 48_000, "\(name): fastest request \(latency) µs")
        }
        let rates = try Self.rates(store)
        let pool = try #require(rates["flask:2 @ delay=50ms"])
        let loop = try #require(rates["aiohttp @ delay=50ms"])
        #expect(pool <= 40 * 1.05, "flask:2 at 50 ms: \(pool) requests/s")
        #expect(loop > 3 * pool, "aiohttp \(loop) against flask:2 \(pool) requests/s at 50 ms")

        // Interrupted after three cells: the next invocation measures only the fourth.
        let missing = "flask:2 @ delay=0ms"
        try store.database.run("DELETE FROM trials WHERE variant_id = (SELECT id FROM variants WHERE name = ?)", missing)
        try store.setRunStatus(outcome.runID, .interrupted, finishedAt: nil)
        let resumedEvents = EventLog()
        let (again, _) = try RealServers.runner(
            db: db, overrides: RunOverrides(), experiment: experiment.path, events: resumedEvents.append)
        let resumed = try await again.run()
        #expect(resumed.runID == outcome.runID)
        #expect(resumed.trialsRun == 1)
        #expect(resumedEvents.finished == [missing])
        #expect(try store.run(id: outcome.runID)?.status == .complete)
        #expect(RealServers.serversLeft().isEmpty)
    }
}
}

/// What a run reported, for assertions.
final class EventLog: Sendable {
    private let events = Mutex<[RunEvent]>([])

    func append(_ event: RunEvent) {
        events.withLock { $0.append(event) }
    }

    var notes: [String] {
        events.withLock { $0.compactMap { if case .note(let text) = $0 { return text } else { return nil } } }
    }

    /// The cells whose trials finished, as shown, in order.
    var finished: [String] {
        events.withLock {
            $0.compactMap { if case .trialFinished(let planned, _) = $0 { return planned.cell.description } else { return nil } }
        }
    }
}
