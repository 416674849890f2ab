import Foundation
import TestFixtures
import Testing
@testable import Core
@testable import Supervision


#if canImport(Glibc)
import Glibc
#endif

extension RealServers {
/// A real SIGINT or SIGTERM sent to the built `reportgen` in the middle of a measured
/// window, as Ctrl-C or a service manager sends it: the documented exit code, every process
/// it started gone, the finished trial kept, and the same command finishing the run.
@Suite("reportgen interrupted by a real signal", .serialized, .timeLimit(.minutes(5)))
struct SignalCLITests {
    struct Case: Sendable, CustomTestStringConvertible {
        var signal: Int32
        var name: String
        var code: Int32
        var testDescription: String { name }
    }

    @Test(
        "a signal in the second trial's window exits with its code, leaves nothing running, keeps the first trial, and the same command completes the run",
        arguments: [Case(signal: SIGINT, name: "SIGINT", code: 130), Case(signal: SIGTERM, name: "SIGTERM", code: 143)])
    func signalInWindow(_ signal: Case) async throws {
        let project = try TinyProject()
        defer { project.remove() }
        // 5 s windows: long enough to land in one even when other suites load both cores.
        let arguments = ["run", "tiny", "--duration", "5s", "--db", "out/results.sqlite"]
        let run = try project.cli.start(arguments)
        var watch = ReportgenWatch(store: project.url("out/results.sqlite"))

        // The first trial finished (its line is printed once it is stored), and the second
        // trial's load generator runs: the second window is open.
        var earlier: Set<pid_t> = []
        var window: pid_t?
        let reached = await eventually(within: .seconds(90)) {
            if run.process.exitStatus != nil { return true }
            guard run.stdout.contains("[1/2] ") && run.stdout.contains(" requests, ") else {
                if let wrk = watch.live("wrk") { earlier.insert(wrk) }
                return false
            }
            window = watch.live("wrk", excluding: earlier)
            return window != nil
        }
        try #require(reached && window != nil, "the second trial reached its window\n\(run.stdout)\(run.stderr)")
        try await Task.sleep(for: .milliseconds(300))
        #expect(window.map(ProcessTable.isAlive) == true, "still in the window when the signal is sent")
        _ = watch.poll()
        let sent = ContinuousClock.now
        kill(run.process.pid, signal.signal)
        let result = await run.finish(within: .seconds(60))
        let stopping = ContinuousClock.now - sent

        #expect(result.code == signal.code, "\(result)")
        #expect(result.stderr.contains("error: interrupted by \(signal.name); finished trials are stored"), "\(result)")
        #expect(result.stderr.contains("hint: run the same command again to continue where it stopped"), "\(result)")
        #expect(!result.crashed, "\(result)")
        // Stopping takes well under a second; three times a generous bound on a slow machine.
        #expect(stopping < .seconds(15), "stopped \(stopping) after the signal")
        #expect(watch.seen.values.contains { $0.contains("nginx") } && watch.seen.values.contains { $0.contains("http.server") },
                "the watch saw the upstream and an app server: \(watch.seen)")
        let left = await watch.groupsLeft()
        #expect(left.isEmpty, "every recorded process group is gone: \(left)")
        #expect(watch.pidFilesLeft.isEmpty, "reportgen removed its pid files: \(watch.pidFilesLeft)")
        #expect(project.processesLeft().isEmpty, "\(project.processesLeft())")
        let stored = try project.query("out/results.sqlite", "SELECT status FROM runs WHERE kind = 'measured'") { $0.string(at: 0) }
        #expect(stored == ["interrupted"])
        let kept = try project.query("out/results.sqlite", "SELECT status FROM trials") { $0.string(at: 0) }
        #expect(kept == ["ok"], "the finished trial is kept, the interrupted one is not")

        let again = try await project.cli.run(arguments, timeout: .seconds(120))
        #expect(again.code == 0, "\(again)")
        let id = try #require(try project.measuredRuns("out/results.sqlite").first)
        #expect(again.stdout.contains("continuing run \(id): 1 trials already stored"), "\(again)")
        #expect(again.stdout.contains("run \(id): 1 trials measured"), "\(again)")
        let status = try project.query("out/results.sqlite", "SELECT status FROM runs WHERE kind = 'measured'") { $0.string(at: 0) }
        #expect(status == ["complete"])
        let trials = try project.query("out/results.sqlite", """
            SELECT v.name, t.status FROM trials t JOIN variants v ON v.id = t.variant_id ORDER BY v.name
            """) { "\($0.string(at: 0) ?? "")=\($0.string(at: 1) ?? "")" }
        #expect(trials == ["a=ok", "b=ok"])
        #expect(project.processesLeft().isEmpty, "\(project.processesLeft())")
    }
}
}
