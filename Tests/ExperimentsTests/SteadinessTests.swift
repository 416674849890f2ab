import Foundation
import TestFixtures
import Testing
@testable import Definition
@testable import Records
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
        """
        import asyncio, sys, time
        seen = []
        async def handle(reader, writer):
            try:
                while True:
                    line = await reader.readline()
                    if not line:
                        break
                    while (await reader.readline()) not in (b"\\r\\n", b"\\n", b""):
                        pass
                    now = time.monotonic()
                    seen.append(now)
                    if \(holding ? "True" : "False") and len(seen) > 1:
                        start = seen[1]
                        if start + 2.8 <= now < start + 5.3:
                            await asyncio.sleep(start + 5.3 - now)
                    writer.write(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok")
                    await writer.drain()
            except Exception:
                pass
            finally:
                writer.close()
        async def main():
            server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]), backlog=256)
            async with server:
                await server.serve_forever()
        asyncio.run(main())
        """
    }

    /// One trial of each variant; the stored trials' timelines, by variant name.
    func run(_ generator: String) async throws -> [String: Timeline] {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-steady-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("experiments/steadiness")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("upstream"), withIntermediateDirectories: true)
        try "ok".write(to: folder.appendingPathComponent("upstream/index.html"), atomically: true, encoding: .utf8)
        try """
            title = "steadiness"
            trials = 1
            [upstream]
            root = "upstream"
            [app]
            server = "command"
            ready_timeout = "20s"
            [load]
            generator = "\(generator)"
            path = "/"
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
        let definition = try DefinitionLoader.load(experiment: "steadiness", projectRoot: root)
        let store = try ResultStore(path: root.appendingPathComponent("results.sqlite"))
        let runner = ExperimentRunner(
            definition: definition, overrides: RunOverrides(), store: store, projectRoot: root, interrupt: Interrupt(),
            options: try TestPaths.runnerOptions(), events: { _ in })
        let outcome = try await runner.run()
        #expect(outcome.failedVariants.isEmpty, "\(outcome.failedVariants)")
        let data = try store.loadRun(id: try #require(try store.latestRun(experiment: "steadiness")).id)
        var timelines: [String: Timeline] = [:]
        for variant in data.variants {
            let trial = try #require(data.trials(of: variant).first)
            timelines[variant.name] = try #require(trial.measurement.timeline)
            // The window's intervals sum to the trial's count.
            #expect(trial.measurement.timeline?.window.map(\.requests).reduce(0, +) == trial.measurement.requests)
        }
        return timelines
    }

    @Test("a 2.5 s hold in the window is a stall found at 2 s; without it the window is steady", arguments: ["builtin", "wrk"])
    func stall(generator: String) async throws {
        let timelines = try await run(generator)
        let held = try #require(timelines["holds"])
        let answers = held.window.map(\.requests)
        #expect(answers[2] == 0 && answers[3] == 0, "seconds 2 and 3 of the window answer nothing: \(answers)")
        let verdict = SteadyState.judge(held)
        #expect(verdict.findings.first?.reason == .stall, "\(verdict.findings)")
        #expect(verdict.findings.first?.atSeconds == 2, "\(verdict.findings)")
        let steady = SteadyState.judge(try #require(timelines["steady"]))
        #expect(steady.isSteady && steady.judged, "\(steady.findings)")
    }
}
}
