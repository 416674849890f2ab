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

extension RealServers {
/// Command servers against real processes: an experiment of no Python at all, whose upstream
/// folder has no index page, with a server that works, one that dies before it is ready, one
/// that ignores SIGTERM, one that leaves a child behind when its shell exits, and one whose
/// child leaves the process group with setsid.
@Suite("command servers against real processes", .serialized)
struct CommandServerTests {
    /// A word no other process carries, to find this test's processes by their command line.
    let marker = "rg\(UInt32.random(in: 100_000...999_999))"

    /// A server that answers its first request (the readiness probe) with 200 and every
    /// later one with 502, as an app whose upstream went away would.
    static let turnsBad = """
        import http.server, sys
        seen = [0]
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def do_GET(self):
                seen[0] += 1
                status, body = (200, b"ok") if seen[0] == 1 else (502, b"bad gateway")
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
        """

    func experiment() throws -> (root: URL, definition: String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-cmd-\(UUID().uuidString)")
        let folder = root.appendingPathComponent("experiments/commands")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("upstream"), withIntermediateDirectories: true)
        // No index.html: the upstream must count as up all the same.
        try #"{"page": 1}"#.write(to: folder.appendingPathComponent("upstream/data.json"), atomically: true, encoding: .utf8)
        let serve = "exec python3 -m http.server \"$0\" --bind 127.0.0.1 --directory \"$1\""
        let text = """
            \(CommandExperiment.head(title: "command servers"))
            connections = 4
            threads = 1
            duration = "1s"
            timeout = "2s"

            [[variants]]
            name = "serves"
            command = ["sh", "-c", \(serve.tomlQuoted), "{port}", "{dir}/upstream", "\(marker)"]

            [[variants]]
            name = "dies"
            command = ["sh", "-c", "echo 'cannot start: \(marker)' >&2; exit 3", "{port}"]

            [[variants]]
            name = "stubborn"
            command = ["sh", "-c", \(("trap '' TERM; " + serve).tomlQuoted), "{port}", "{dir}/upstream", "\(marker)"]
            ready_path = "/not-here"
            ready_timeout = "1s"

            [[variants]]
            name = "turns-bad"
            command = ["python3", "-c", \(Self.turnsBad.tomlQuoted), "{port}", "\(marker)"]

            [[variants]]
            name = "orphan"
            command = ["sh", "-c", \(("(sh -c 'sleep 3600' \(marker)-orphan &); " + serve).tomlQuoted), "{port}", "{dir}/upstream", "\(marker)"]

            [[variants]]
            name = "escapes"
            command = ["sh", "-c", \(("setsid sh -c 'sleep 3600' \(marker)-escaped & " + serve).tomlQuoted), "{port}", "{dir}/upstream", "\(marker)"]
            """
        try text.write(to: folder.appendingPathComponent("experiment.toml"), atomically: true, encoding: .utf8)
        return (root, text)
    }

    /// Processes whose command line holds `marker`, whoever started them.
    func markedProcesses() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            guard let pid = pid_t(entry), pid != getpid(), let bytes = ProcessTable.readSmallFile("/proc/\(pid)/cmdline") else { return nil }
            let text = String(decoding: bytes.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return text.contains(marker) && ProcessTable.isAlive(pid) ? text : nil
        }
    }

    @Test("command servers start, are found ready and measured; one dying, one never ready and one ignoring SIGTERM fail their trials, and so does one answering 502 after it was ready; nothing is left")
    func commandServers() async throws {
        let (root, _) = try experiment()
        defer { try? FileManager.default.removeItem(at: root) }
        let definition = try DefinitionLoader.load(experiment: "commands", projectRoot: root)
        #expect(definition.app.requirements == nil)
        let store = try ResultStore(path: root.appendingPathComponent("results.sqlite"))
        let runner = ExperimentRunner(
            definition: definition, overrides: RunOverrides(), store: store, projectRoot: root, interrupt: Interrupt(),
            options: try TestPaths.runnerOptions(), events: { _ in })
        let outcome = try await runner.run()
        #expect(Set(outcome.failedVariants.map(\.variant)) == ["dies", "stubborn", "turns-bad"])

        struct Row { var name, status: String; var failure, log: String?; var requests, errors: Int64; var command: String; var seconds: Double }
        let rows = try store.database.rows("""
            SELECT v.name, t.status, t.failure, t.log_tail, t.requests,
                   t.errors_connect + t.errors_read + t.errors_write + t.errors_status + t.errors_timeout AS errors,
                   t.server_command_line, (julianday(t.ended_at) - julianday(t.started_at)) * 86400 AS seconds
            FROM trials t JOIN variants v ON v.id = t.variant_id
            """) { row in
            Row(name: try row.requiredString("name"), status: try row.requiredString("status"), failure: try row.string("failure"),
                log: try row.string("log_tail"), requests: try row.int64("requests"), errors: try row.int64("errors"),
                command: try row.requiredString("server_command_line"), seconds: try row.double("seconds"))
        }
        let byName = Dictionary(uniqueKeysWithValues: rows.map { ($0.name, $0) })
        for name in ["serves", "orphan", "escapes"] {
            let row = try #require(byName[name])
            #expect(row.status == "ok", "\(name): \(row.failure ?? "")")
            #expect(row.requests > 10, "\(name) served requests")
            #expect(row.errors == 0, "\(name) answered every request")
            #expect(row.command.contains("http.server") && !row.command.contains("{port}"), "the stored command line is the one that ran")
        }
        let dies = try #require(byName["dies"])
        #expect(dies.failure?.contains("exited with status 3 before it answered") == true)
        #expect(dies.log?.contains("cannot start: \(marker)") == true, "the server's own output is kept")
        // Ready, then nothing but 502: measured and kept, but not a trial that counts.
        let turnsBad = try #require(byName["turns-bad"])
        #expect(turnsBad.status == "failed")
        #expect(turnsBad.requests > 10, "the window's requests are kept")
        #expect(turnsBad.errors >= turnsBad.requests - 1, "every answer after the first was a 502")
        #expect(turnsBad.failure?.contains("of requests failed (non-2xx ") == true, "\(turnsBad.failure ?? "")")
        #expect(turnsBad.failure?.contains("more than the 1.00% a trial may lose") == true)
        let stubborn = try #require(byName["stubborn"])
        #expect(stubborn.failure?.contains("answered 404 on /not-here") == true)
        #expect(stubborn.seconds >= 5, "a server that ignores SIGTERM is killed only after the grace")
        // The stored configuration shows the command with placeholders, not this machine's values.
        let config = try store.database.firstRow(
            "SELECT config_json FROM variants WHERE name = 'serves'") { try $0.requiredString(at: 0) }
        #expect(config?.contains("{port}") == true && config?.contains("{dir}") == true)
        #expect(markedProcesses().isEmpty, "left running: \(markedProcesses())")
        #expect(RealServers.serversLeft().isEmpty)
    }

    /// A server that is fast on odd starts and serves 20 requests/s on even ones, counting
    /// its starts in the file named by its second argument: its trials never agree.
    static let alternating = """
        import http.server, os, sys, threading, time
        path = sys.argv[2]
        starts = int(open(path).read()) if os.path.exists(path) else 0
        open(path, "w").write(str(starts + 1))
        slow, lock = starts % 2 == 1, threading.Lock()
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def do_GET(self):
                if slow:
                    with lock:
                        time.sleep(0.05)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            def log_message(self, *args):
                pass
        http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
        """

    @Test("trials = \"auto\": after three rounds only the variant whose trials disagree gets more, up to max_trials; a failing one gets none; a resumed run finishes the round from the store")
    func precisionRounds() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-precision-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("experiments/precision")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("upstream"), withIntermediateDirectories: true)
        try "ok".write(to: folder.appendingPathComponent("upstream/index.html"), atomically: true, encoding: .utf8)
        let serve = "exec python3 -m http.server \"$0\" --bind 127.0.0.1 --directory \"$1\""
        // An open loop at a fixed rate: a server that keeps up completes the same number of
        // requests every trial, so its interval is narrow whatever the machine is doing.
        try """
            title = "precision"
            trials = "auto"
            precision = "20%"
            max_trials = 4
            [upstream]
            root = "upstream"
            [app]
            server = "command"
            ready_timeout = "20s"
            [load]
            generator = "builtin"
            rate = 100
            path = "/"
            connections = 4
            threads = 1
            duration = "1s"
            warmup = "0s"
            timeout = "2s"

            [[variants]]
            name = "steady"
            command = ["sh", "-c", \(serve.tomlQuoted), "{port}", "{dir}/upstream", "\(marker)"]

            [[variants]]
            name = "alternating"
            command = ["python3", "-c", \(Self.alternating.tomlQuoted), "{port}", "{dir}/starts", "\(marker)"]

            [[variants]]
            name = "dies"
            command = ["sh", "-c", "exit 3", "{port}", "\(marker)"]
            """.write(to: folder.appendingPathComponent("experiment.toml"), atomically: true, encoding: .utf8)
        let definition = try DefinitionLoader.load(experiment: "precision", projectRoot: root)
        #expect(definition.precision == PrecisionTarget(target: 0.2, maxTrials: 4))
        let store = try ResultStore(path: root.appendingPathComponent("results.sqlite"))
        let events = Mutex<[PrecisionProgress]>([])
        func runner() throws -> ExperimentRunner {
            let options = try TestPaths.runnerOptions()
            return ExperimentRunner(
                definition: definition, overrides: RunOverrides(), store: store, projectRoot: root, interrupt: Interrupt(),
                options: options,
                events: { event in if case .precision(let progress) = event { events.withLock { $0.append(progress) } } })
        }
        let outcome = try await runner().run()
        #expect(outcome.trialsRun == 10)
        #expect(outcome.failedVariants == [CellID(variant: "dies")])

        struct Row: Equatable { var name: String; var index: Int; var order: Int; var status: String; var requests, errors: Int64 }
        func rows() throws -> [Row] {
            try store.database.rows("""
                SELECT v.name, t.trial_index, t.run_order, t.status, t.requests,
                       t.errors_connect + t.errors_read + t.errors_write + t.errors_status AS errors
                FROM trials t JOIN variants v ON v.id = t.variant_id ORDER BY t.run_order
                """) { row in
                Row(name: try row.requiredString("name"), index: try row.int("trial_index"), order: try row.int("run_order"),
                    status: try row.requiredString("status"), requests: try row.int64("requests"), errors: try row.int64("errors"))
            }
        }
        let stored = try rows()
        #expect(stored.filter { $0.name == "steady" }.count == 3, "within ±20% after the first three rounds")
        #expect(stored.filter { $0.name == "dies" }.count == 3, "failing trials get no more")
        #expect(stored.filter { $0.name == "alternating" }.map(\.index) == [1, 2, 3, 4])
        #expect(stored.last?.name == "alternating" && stored.last?.order == 10, "the added trial comes after the rounds")
        for row in stored where row.name == "steady" {
            #expect(row.status == "ok" && row.requests >= 80 && row.errors == 0, "\(row)")
        }
        let alternating = stored.filter { $0.name == "alternating" }.map(\.requests)
        #expect(alternating.count == 4 && alternating[0] > 2 * alternating[1], "odd starts are fast, even ones slow: \(alternating)")

        let seen = events.withLock { $0 }
        #expect(seen.count == 2)
        let first = try #require(seen.first)
        #expect(first.stop == nil && first.roundSize == 1)
        #expect(first.widest?.cell == CellID(variant: "alternating"))
        #expect(first.standings.map(\.state) == [.met, .open, .failing])
        #expect(seen.last?.stop == .exhausted)
        #expect(seen.last?.standings.map(\.state) == [.met, .capped, .failing])

        let precision = try store.loadRun(id: outcome.runID).precision
        #expect(precision == PrecisionTarget(target: 0.2, maxTrials: 4))
        #expect(try store.run(id: outcome.runID)?.status == .complete)

        // Lose the added trial as an interrupted run would; the next invocation measures
        // exactly that one again, deciding from the stored trials.
        try store.database.run("DELETE FROM trials WHERE run_order = 10")
        try store.setRunStatus(outcome.runID, .interrupted, finishedAt: nil)
        events.withLock { $0 = [] }
        let resumed = try await runner().run()
        #expect(resumed.runID == outcome.runID && resumed.resumed)
        #expect(resumed.trialsRun == 1)
        #expect(try rows().last.map { [$0.name, String($0.index)] } == ["alternating", "4"])
        #expect(try store.run(id: outcome.runID)?.status == .complete)
        #expect(markedProcesses().isEmpty, "left running: \(markedProcesses())")
        #expect(RealServers.serversLeft().isEmpty)
    }
}
}

extension String {
    /// The text as a TOML basic string.
    var tomlQuoted: String { quoted }
}
