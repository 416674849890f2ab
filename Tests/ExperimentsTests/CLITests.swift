import Foundation
import TestFixtures
import Testing
@testable import Core
@testable import Definition
@testable import Hosts
@testable import Store
@testable import Supervision


#if canImport(Glibc)
import Glibc
#endif

/// How a reportgen that a test started ended, and what it printed on each stream.
struct CLIResult: CustomStringConvertible {
    /// nil: still running at its deadline (it was then stopped).
    var status: Supervision.ExitStatus?
    var stdout: String
    var stderr: String

    var code: Int32? {
        if case .exited(let code) = status { return code }
        return nil
    }

    /// What a failed expectation shows.
    var description: String {
        "\(status?.description ?? "still running at its deadline")\n--- stdout\n\(stdout)--- stderr\n\(stderr)"
    }

    /// A person sees an error, never a crash: no stack trace, no runtime trap, no raw
    /// Foundation error in place of a message.
    var crashed: Bool {
        if case .signalled = status { return true }
        let signs = ["Fatal error", "Stack dump", "Current stack trace", "Swift runtime failure", "Backtrace"]
        return signs.contains { stderr.contains($0) }
            || stderr.split(separator: "\n").contains { $0.hasPrefix("Error: Error Domain=") }
    }
}

/// The built reportgen, started as a person starts it: in a working folder of its own, with
/// the tests' cache, stdout and stderr captured apart.
struct ReportgenCLI {
    /// The working folder: where experiments/ is looked for and relative paths start.
    var folder: URL
    var environment = TestPaths.binaryEnvironment
    /// Where stdout and stderr of each invocation are kept.
    var logs: URL

    init(folder: URL, logs: URL) {
        self.folder = folder
        self.logs = logs
    }

    /// A started reportgen: its process (the pid is reportgen's own) and its two logs.
    struct Started {
        var process: ChildProcess
        var stdoutFile: URL
        var stderrFile: URL

        var stdout: String { (try? String(contentsOf: stdoutFile, encoding: .utf8)) ?? "" }
        var stderr: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }

        /// Waits up to `timeout` for it to end; one still running then is stopped (SIGTERM,
        /// then SIGKILL) and reported with a nil status.
        func finish(within timeout: Duration) async -> CLIResult {
            let status = await process.exit(within: timeout, clock: ContinuousClock())
            if status == nil { await process.stop(grace: .seconds(5)) }
            return CLIResult(status: status, stdout: stdout, stderr: stderr)
        }
    }

    func start(_ arguments: [String]) throws -> Started {
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        let name = UUID().uuidString.prefix(8)
        let stdoutFile = logs.appendingPathComponent("\(name).out")
        let stderrFile = logs.appendingPathComponent("\(name).err")
        // sh replaces itself with reportgen (same pid, so signals reach reportgen) after
        // sending its stderr to a file of its own.
        let process = try ChildProcess(
            executable: "/bin/sh",
            arguments: ["-c", "err=$1; shift; exec \"$@\" 2>\"$err\"", "sh", stderrFile.path, try TestPaths.reportgenBinary().path]
                + arguments,
            environment: environment, workingDirectory: folder, logFile: stdoutFile)
        return Started(process: process, stdoutFile: stdoutFile, stderrFile: stderrFile)
    }

    /// Runs reportgen to its end (at most `timeout`).
    func run(_ arguments: [String], timeout: Duration = .seconds(120)) async throws -> CLIResult {
        let started = try start(arguments)
        return await started.finish(within: timeout)
    }
}

/// A temporary project: `experiments/tiny` (two command servers, Python's http.server, no
/// venv; 1 s windows without warm-up; a published table in baseline/), the folder reportgen
/// runs in, removed by `remove()`.
struct TinyProject {
    let root: URL
    let cli: ReportgenCLI

    static let definition = """
        title = "tiny"
        trials = 1

        [upstream]
        root = "upstream"

        [app]
        server = "command"
        command = ["python3", "-m", "http.server", "{port}", "--bind", "{host}", "--directory", "{dir}/upstream"]
        ready_timeout = "20s"

        [load]
        path = "/"
        connections = 4
        threads = 1
        duration = "1s"
        warmup = "0s"
        timeout = "2s"

        [[variants]]
        name = "a"

        [[variants]]
        name = "b"

        """

    /// A published table for `a` and `b`: a answers 1000 requests in its second, b 500.
    static let published = """
        variant,min_ms,p50_ms,p99_ms,p99_9_ms,max_ms,mean_ms,duration_s,requests
        a,1,2,3,4,5,2,1,1000
        b,1,4,6,8,9,4,1,500

        """

    init(folderName: String = "reportgen-cli-\(UUID().uuidString)") throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent(folderName)
        cli = ReportgenCLI(folder: root, logs: root.appendingPathComponent("logs"))
        try write("tiny", definition: Self.definition)
        try Self.published.write(
            to: try folder("experiments/tiny/baseline").appendingPathComponent("published.csv"), atomically: true, encoding: .utf8)
    }

    /// Writes `experiments/<name>/experiment.toml` with an upstream folder holding a page.
    func write(_ name: String, definition: String) throws {
        let upstream = try folder("experiments/\(name)/upstream")
        try "<p>hello</p>\n".write(to: upstream.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        try definition.write(
            to: root.appendingPathComponent("experiments/\(name)/experiment.toml"), atomically: true, encoding: .utf8)
    }

    func folder(_ path: String) throws -> URL {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func url(_ path: String) -> URL { root.appendingPathComponent(path) }

    func remove() { try? FileManager.default.removeItem(at: root) }

    /// One value per row of `sql`, from a store reportgen wrote (one that is missing is an
    /// error, never created here).
    func query<T>(_ store: String, _ sql: String, _ decode: (SQLiteStatement) throws -> T) throws -> [T] {
        guard FileManager.default.fileExists(atPath: url(store).path) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: url(store).path])
        }
        let database = try SQLiteDatabase(path: url(store).path)
        return try database.rows(sql, decode: decode)
    }

    /// The ids of the measured runs in `store`, oldest first.
    func measuredRuns(_ store: String) throws -> [Int64] {
        try query(store, "SELECT id FROM runs WHERE kind = 'measured' ORDER BY id") { $0.int64(at: 0) }
    }

    /// Live processes whose command line names this project's folder: its servers.
    func processesLeft() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            guard let pid = pid_t(entry), pid != getpid(), ProcessTable.isAlive(pid) else { return nil }
            let line = ReportgenWatch.commandLine(pid)
            return line.contains(root.path) ? "\(pid) \(line)" : nil
        }
    }
}

/// Watches a running reportgen through the pid files it keeps beside its store
/// (`<db folder>/.reportgen/`): every process group it started, and what runs in each.
struct ReportgenWatch {
    let pidFolder: URL
    /// Every group seen recorded so far, with its command line when first seen.
    private(set) var seen: [pid_t: String] = [:]

    init(store: URL) {
        pidFolder = store.deletingLastPathComponent().appendingPathComponent(".reportgen")
    }

    /// Reads the pid files now; returns the groups recorded at this moment.
    mutating func poll() -> [pid_t] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: pidFolder.path)) ?? []
        let groups = names.compactMap { name -> pid_t? in
            guard name.hasSuffix(".pid"),
                let text = try? String(contentsOf: pidFolder.appendingPathComponent(name), encoding: .utf8)
            else { return nil }
            let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
            return fields.count == 4 ? pid_t(fields[2]) : nil
        }
        for group in groups where seen[group] == nil { seen[group] = Self.commandLine(group) }
        return groups
    }

    /// A recorded group, alive now, whose leader's command line starts with `program`.
    mutating func live(_ program: String, excluding: Set<pid_t> = []) -> pid_t? {
        poll().first { group in
            !excluding.contains(group) && ProcessTable.isAlive(group)
                && (Self.commandLine(group).hasPrefix(program + " ") || Self.commandLine(group).contains("/\(program) "))
        }
    }

    /// The groups seen that still have a live member, after giving them `grace` to go.
    func groupsLeft(grace: Duration = .seconds(5)) async -> [String] {
        let deadline = ContinuousClock.now + grace
        while true {
            let left = seen.filter { ProcessTable.liveMembers(ofGroup: $0.key) > 0 }.map { "\($0.key) \($0.value)" }
            if left.isEmpty || ContinuousClock.now >= deadline { return left }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The pid files left in the folder.
    var pidFilesLeft: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: pidFolder.path)) ?? []).filter { $0.hasSuffix(".pid") }
    }

    static func commandLine(_ pid: pid_t) -> String {
        let bytes = ProcessTable.readSmallFile("/proc/\(pid)/cmdline") ?? []
        return String(decoding: bytes.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
    }
}

/// Polls `condition` every 100 ms until it holds or `timeout` passes; says whether it held.
func eventually(within timeout: Duration, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
}

extension RealServers {
/// The built `reportgen` binary as a person or a script meets it: each documented exit code
/// provoked for real, with what the message says and where, and the commands that read and
/// move stores (list, export, import, compare, validate, doctor). Runs that measure use a
/// tiny experiment of two Python http.server command servers and 1 s windows.
@Suite("reportgen on the command line", .serialized, .timeLimit(.minutes(5)))
struct CLITests {
    @Test(
        "a bad command-line value exits 64, names the flag and stores nothing",
        arguments: [
            (["--trials", "0"], ["error: --trials must be between 1 and 1000, found 0"]),
            (["--duration", "fast"], ["The value 'fast' is invalid for '--duration <duration>'", "Usage: reportgen run"]),
            (["--variants", "a,nope"], ["error: unknown variant 'nope' in --variants", "hint: variants: a, b"]),
            (["--rate", "100"], ["error: --rate asks for an open loop, which only the built-in generator runs", "hint: add --generator builtin"]),
        ])
    func badFlag(flags: [String], expected: [String]) async throws {
        let project = try TinyProject()
        defer { project.remove() }
        let result = try await project.cli.run(["run", "tiny"] + flags + ["--db", "out/results.sqlite"], timeout: .seconds(60))
        #expect(result.code == 64, "\(result)")
        for text in expected {
            #expect(result.stderr.contains(text), "\(result)")
        }
        #expect(!result.crashed, "\(result)")
        #expect(!FileManager.default.fileExists(atPath: project.url("out/results.sqlite").path), "a refused flag touches no store")
    }

    @Test("a definition with a typo'd key exits 65 naming the file, line and key path, with the suggestion; validate and run agree")
    func typoInDefinition() async throws {
        let project = try TinyProject()
        defer { project.remove() }
        let broken = TinyProject.definition.replacingOccurrences(of: "connections = 4", with: "conections = 4")
        let line = try #require(broken.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix("conections") }) + 1
        try project.write("broken", definition: broken)

        let validate = try await project.cli.run(["validate", "broken"], timeout: .seconds(60))
        #expect(validate.code == 65, "\(validate)")
        #expect(validate.stderr.contains("error: experiments/broken/experiment.toml:\(line) (load.conections): unknown key"), "\(validate)")
        #expect(validate.stderr.contains("hint: did you mean 'load.connections'?"), "\(validate)")
        #expect(!validate.stdout.contains(": ok"), "\(validate)")
        #expect(!validate.crashed, "\(validate)")

        let run = try await project.cli.run(["run", "broken", "--db", "out/results.sqlite"], timeout: .seconds(60))
        #expect(run.code == 65, "\(run)")
        #expect(run.stderr.contains("experiments/broken/experiment.toml:\(line) (load.conections): unknown key"), "\(run)")
        #expect(!FileManager.default.fileExists(atPath: project.url("out/results.sqlite").path), "nothing is measured or stored")
    }

    @Test("validate says ok for every shipped experiment and lists the variants it expands to", arguments: DefinitionLoader.availableExperiments(projectRoot: TestPaths.projectRoot))
    func validateShipped(name: String) async throws {
        let definition = try DefinitionLoader.load(experiment: name, projectRoot: RealServers.projectRoot)
        let cli = ReportgenCLI(
            folder: RealServers.projectRoot,
            logs: FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-cli-logs-\(UUID().uuidString)"))
        defer { try? FileManager.default.removeItem(at: cli.logs) }
        let result = try await cli.run(["validate", name], timeout: .seconds(60))
        #expect(result.code == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasSuffix("experiments/\(name)/experiment.toml: ok") == true, "\(result)")
        #expect(result.stdout.contains("\(definition.variants.count) variants × \(definition.trials) trials"), "\(result)")
        for variant in definition.variants {
            #expect(lines.contains { $0.hasPrefix("  \(variant.name): ") }, "\(variant.name) is listed\n\(result)")
        }
        #expect(result.stderr.isEmpty, "\(result)")
    }

    @Test("a --db that is not SQLite exits 66 naming the file, and the file is left untouched; import refuses it alike")
    func storeNotSQLite() async throws {
        let project = try TinyProject()
        defer { project.remove() }
        let notes = project.url("notes.txt")
        let text = "not a database, just notes\n"
        try text.write(to: notes, atomically: true, encoding: .utf8)

        let list = try await project.cli.run(["list", "--db", "notes.txt"], timeout: .seconds(60))
        #expect(list.code == 66, "\(list)")
        #expect(list.stderr.contains("error: \(notes.path): not a reportgen results store: file is not a database"), "\(list)")
        #expect(list.stderr.contains("hint: pass --db a reportgen results store or a path that does not exist yet; this file was left untouched"), "\(list)")
        #expect(!list.crashed, "\(list)")

        let imported = try await project.cli.run(["import", "notes.txt", "--db", "out/results.sqlite"], timeout: .seconds(60))
        #expect(imported.code == 65, "\(imported)")
        #expect(imported.stderr.contains("notes.txt: not a reportgen results file: the file is not a database"), "\(imported)")
        #expect(imported.stderr.contains("hint: pass a file written by 'reportgen export'"), "\(imported)")
        #expect(!FileManager.default.fileExists(atPath: project.url("out/results.sqlite").path), "a refused file creates no store")

        #expect(try String(contentsOf: notes, encoding: .utf8) == text)
    }

    /// A folder with a `python3` first on PATH that runs but cannot do anything.
    func brokenPython(in project: TinyProject) throws -> [String: String] {
        let bin = try project.folder("fake-bin")
        let python = bin.appendingPathComponent("python3")
        try "#!/bin/sh\necho 'fake python3: this interpreter is broken' >&2\nexit 1\n"
            .write(to: python, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: python.path)
        var environment = TestPaths.binaryEnvironment
        environment["PATH"] = bin.path + ":" + (environment["PATH"] ?? "")
        return environment
    }

    @Test("doctor lists every requirement and exits 0 when all are present, 69 with the apt-get command when one is missing")
    func doctor() async throws {
        let project = try TinyProject()
        defer { project.remove() }
        let present = try await project.cli.run(["doctor"], timeout: .seconds(60))
        #expect(present.code == 0, "\(present)")
        for requirement in Requirement.all {
            #expect(present.stdout.contains("ok      \(requirement.name) — \(requirement.purpose)"), "\(present)")
        }
        #expect(present.stdout.contains("Everything reportgen needs to run is installed."), "\(present)")

        var cli = project.cli
        cli.environment = try brokenPython(in: project)
        let missing = try await cli.run(["doctor"], timeout: .seconds(60))
        #expect(missing.code == 69, "\(missing)")
        #expect(missing.stdout.contains("MISSING python3 venv — the pinned app environment"), "\(missing)")
        #expect(missing.stdout.contains("ok      nginx — the shared upstream server"), "\(missing)")
        #expect(missing.stdout.contains("Install what is missing with:"), "\(missing)")
        #expect(missing.stdout.contains("apt-get install -y python3-venv"), "\(missing)")
        #expect(!missing.crashed, "\(missing)")
    }

    @Test("a run whose Python cannot run exits 69 with what the interpreter said and how to install one; nothing is left running")
    func runWithBrokenPython() async throws {
        let project = try TinyProject()
        defer { project.remove() }
        var cli = project.cli
        cli.folder = RealServers.projectRoot
        cli.environment = try brokenPython(in: project)
        let store = project.url("out/results.sqlite")
        let result = try await cli.run(["run", "--quick", "--variants", "flask:10", "--db", store.path], timeout: .seconds(90))
        #expect(result.code == 69, "\(result)")
        #expect(result.stderr.contains("error: python3 does not run: fake python3: this interpreter is broken"), "\(result)")
        #expect(result.stderr.contains("hint: install Python 3 (apt-get install python3 python3-venv)"), "\(result)")
        #expect(!result.crashed, "\(result)")
        #expect(try project.measuredRuns("out/results.sqlite").isEmpty, "no run is started without its interpreter")
        #expect(ReportgenWatch(store: store).pidFilesLeft.isEmpty)
    }

    @Test("reportgen load against a port nobody listens on exits 70 with the URL and how to check it")
    func loadAgainstNothing() async throws {
        let project = try TinyProject()
        defer { project.remove() }
        let port = try LocalHost().freePort()
        let url = "http://127.0.0.1:\(port)/remote"
        let began = ContinuousClock.now
        let result = try await project.cli.run(["load", url, "-c", "2", "-t", "1", "-d", "1s"], timeout: .seconds(60))
        #expect(result.code == 70, "\(result)")
        #expect(result.stderr.contains("error: no request got a response from \(url) ("), "\(result)")
        #expect(result.stderr.contains("failed connection attempts)"), "\(result)")
        #expect(result.stderr.contains("hint: check that a server listens there, e.g. curl -i \(url)"), "\(result)")
        #expect(result.stdout.contains("0 answered"), "\(result)")
        #expect(ContinuousClock.now - began < .seconds(15), "a 1 s window ends in about a second")
        #expect(!result.crashed, "\(result)")
    }

    @Test("an upstream nginx that dies in a measured window exits 70 with the cause and the hint; the trial is stored failed, nothing is left, and the same command continues")
    func upstreamDies() async throws {
        let project = try TinyProject()
        defer { project.remove() }
        let arguments = ["run", "tiny", "--duration", "3s", "--db", "out/results.sqlite"]
        let run = try project.cli.start(arguments)
        var watch = ReportgenWatch(store: project.url("out/results.sqlite"))
        var wrk: pid_t?
        let inWindow = await eventually(within: .seconds(60)) {
            wrk = watch.live("wrk")
            return wrk != nil || run.process.exitStatus != nil
        }
        let nginx = watch.poll().first { ReportgenWatch.commandLine($0).contains("nginx -p") }
        try #require(inWindow && wrk != nil && nginx != nil, "a trial reached its window: \(run.stdout)\(run.stderr)")
        try await Task.sleep(for: .milliseconds(300))
        if let nginx { kill(-nginx, SIGKILL) }
        let result = await run.finish(within: .seconds(60))
        #expect(result.code == 70, "\(result)")
        #expect(result.stderr.contains("error: the upstream nginx stopped during the run"), "\(result)")
        #expect(result.stderr.contains("hint: the finished trials are stored; run again to continue"), "\(result)")
        #expect(result.stdout.contains("FAILED: the upstream nginx died during the trial"), "\(result)")
        #expect(!result.crashed, "\(result)")
        #expect(await watch.groupsLeft().isEmpty)
        #expect(project.processesLeft().isEmpty, "\(project.processesLeft())")
        let status = try project.query("out/results.sqlite", "SELECT status FROM runs WHERE kind = 'measured'") { $0.string(at: 0) }
        #expect(status == ["failed"])

        // The hint says to run again: the run ends complete, and its exit code tells the
        // truth about it (3 while a variant has a failed trial, 0 only when none has).
        let again = try await project.cli.run(arguments, timeout: .seconds(120))
        #expect(again.stdout.contains("continuing run"), "\(again)")
        let statuses = try project.query("out/results.sqlite", "SELECT status FROM runs WHERE kind = 'measured'") { $0.string(at: 0) }
        #expect(statuses == ["complete"])
        let failed = try project.query("out/results.sqlite", "SELECT COUNT(*) FROM trials WHERE status = 'failed'") { $0.int64(at: 0) }
        // The trial the upstream's death failed stays stored as failed: the finished run says so.
        #expect(again.code == 3 && failed == [1], "exit \(again.code.map(String.init) ?? "?") with \(failed) failed trials stored\n\(again)")
        #expect(again.stdout.contains("the run holds failed trials of") && again.stdout.contains("from before"), "\(again)")
        #expect(project.processesLeft().isEmpty, "\(project.processesLeft())")
    }

    @Test("a command server that exits at once fails its trial: the run completes and exits 3, naming the variant; the server's output is kept")
    func variantFails() async throws {
        let project = try TinyProject()
        defer { project.remove() }
        try project.write("dies", definition: TinyProject.definition.replacingOccurrences(of: """
            [[variants]]
            name = "b"
            """, with: """
            [[variants]]
            name = "dies"
            command = ["sh", "-c", "echo 'cannot bind port {port}: cursed' >&2; exit 3"]
            """))
        let result = try await project.cli.run(["run", "dies", "--db", "out/results.sqlite"], timeout: .seconds(120))
        #expect(result.code == 3, "\(result)")
        let line = result.stdout.split(separator: "\n").first { $0.contains("] dies trial 1/1") }
        #expect(line?.hasSuffix(": FAILED: the app server exited with status 3 before it answered") == true, "\(result)")
        #expect(result.stdout.contains("2 trials measured"), "\(result)")
        #expect(result.stdout.contains("1 failed (dies)"), "\(result)")
        #expect(!result.crashed, "\(result)")
        let trials = try project.query("out/results.sqlite", """
            SELECT v.name, t.status, t.log_tail FROM trials t JOIN variants v ON v.id = t.variant_id ORDER BY v.name
            """) { ($0.string(at: 0) ?? "", $0.string(at: 1) ?? "", $0.string(at: 2) ?? "") }
        #expect(trials.map(\.0) == ["a", "dies"])
        #expect(trials.map(\.1) == ["ok", "failed"])
        #expect(trials.last?.2.contains("cannot bind port") == true, "\(trials)")
        let status = try project.query("out/results.sqlite", "SELECT status FROM runs WHERE kind = 'measured'") { $0.string(at: 0) }
        #expect(status == ["complete"])
        #expect(project.processesLeft().isEmpty, "\(project.processesLeft())")
    }

    @Test("an experiment in a folder whose path holds a space runs")
    func pathWithSpace() async throws {
        let project = try TinyProject(folderName: "reportgen cli \(UUID().uuidString)")
        defer { project.remove() }
        let result = try await project.cli.run(["run", "tiny", "--quick", "--db", "out/results.sqlite"], timeout: .seconds(120))
        #expect(!result.crashed, "\(result)")
        #expect(result.code == 0, "\(result)")
        #expect(result.stdout.contains("2 trials measured"), "\(result)")
        #expect(project.processesLeft().isEmpty, "\(project.processesLeft())")
    }

    @Test("list shows the experiments, a quick run with its trials and machine, and the published table; a missing store is no error and is not created")
    func list() async throws {
        let project = try TinyProject()
        defer { project.remove() }
        let none = try await project.cli.run(["list", "--db", "out/none.sqlite"], timeout: .seconds(60))
        #expect(none.code == 0, "\(none)")
        #expect(none.stdout.contains("Experiments:\n  tiny\n"), "\(none)")
        #expect(none.stdout.contains("No runs yet (no store at out/none.sqlite)."), "\(none)")
        #expect(!FileManager.default.fileExists(atPath: project.url("out/none.sqlite").path))

        let run = try await project.cli.run(["run", "tiny", "--quick", "--db", "out/results.sqlite"], timeout: .seconds(120))
        #expect(run.code == 0, "\(run)")
        let measured = try #require(try project.measuredRuns("out/results.sqlite").first)
        let machine = try #require(try project.query(
            "out/results.sqlite", "SELECT hostname, cpu_cores FROM machines WHERE id = (SELECT machine_id FROM runs WHERE id = \(measured))"
        ) { ($0.string(at: 0) ?? "", $0.int64(at: 1)) }.first)
        let hostname = machine.0
        let published = try #require(try project.query("out/results.sqlite", "SELECT id FROM runs WHERE kind = 'published'") { $0.int64(at: 0) }.first)

        let list = try await project.cli.run(["list", "--db", "out/results.sqlite"], timeout: .seconds(60))
        #expect(list.code == 0, "\(list)")
        #expect(list.stdout.contains("Runs in out/results.sqlite:"), "\(list)")
        let rows = list.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(rows.contains("run experiment status started (UTC) variants trials ok failed machine"), "\(list)")
        let row = try #require(rows.first { $0.hasPrefix("\(measured) tiny (quick) ") }, "\(list)")
        #expect(row.hasPrefix("\(measured) tiny (quick) complete "), "\(row)")
        #expect(row.hasSuffix(" 2 2 0 \(hostname)"), "2 variants, 2 ok trials, none failed, on this machine: \(row)")
        #expect(rows.contains { $0.hasPrefix("\(published) tiny complete ") && $0.hasSuffix(" published") }, "the published table is listed as its own run\n\(list)")
        #expect(list.stdout.contains("Machines:\n"), "\(list)")
        #expect(list.stdout.contains(": \(hostname): ") && list.stdout.contains(", \(machine.1) cores, "), "the machine with its cores\n\(list)")
    }

    @Test("export writes one run into a file, import merges it into another store once, and list there shows it")
    func exportImport() async throws {
        let project = try TinyProject()
        defer { project.remove() }
        let run = try await project.cli.run(["run", "tiny", "--quick", "--db", "out/results.sqlite"], timeout: .seconds(120))
        #expect(run.code == 0, "\(run)")
        let id = try #require(try project.measuredRuns("out/results.sqlite").first)
        let uid = try #require(try project.query("out/results.sqlite", "SELECT uid FROM runs WHERE id = \(id)") { $0.string(at: 0) }.first ?? nil)

        let export = try await project.cli.run(["export", "\(id)", "-o", "moved/run.sqlite", "--db", "out/results.sqlite"], timeout: .seconds(60))
        #expect(export.code == 0, "\(export)")
        #expect(export.stdout.contains("exported run \(id) (measured run of tiny, complete; uid \(uid))"), "\(export)")
        #expect(export.stdout.contains("2 variants, 2 trials, "), "\(export)")
        #expect(export.stdout.contains("→ moved/run.sqlite"), "\(export)")
        #expect(export.stdout.contains("with published run "), "the experiment's published table travels with it\n\(export)")

        let again = try await project.cli.run(["export", "\(id)", "-o", "moved/run.sqlite", "--db", "out/results.sqlite"], timeout: .seconds(60))
        #expect(again.code == 64, "an export never replaces a file\n\(again)")
        #expect(again.stderr.contains("moved/run.sqlite: the file already exists"), "\(again)")

        let imported = try await project.cli.run(["import", "moved/run.sqlite", "--db", "other/results.sqlite"], timeout: .seconds(60))
        #expect(imported.code == 0, "\(imported)")
        #expect(imported.stdout.contains("imported run 1: published run of tiny, complete (uid published-tiny-"), "\(imported)")
        #expect(imported.stdout.contains("imported run 2: measured run of tiny, complete (uid \(uid))"), "\(imported)")
        #expect(imported.stdout.contains("2 imported, 0 already present, 2 new machines → other/results.sqlite"), "\(imported)")

        let twice = try await project.cli.run(["import", "moved/run.sqlite", "--db", "other/results.sqlite"], timeout: .seconds(60))
        #expect(twice.code == 0, "\(twice)")
        #expect(twice.stdout.contains("already present as run 2: measured run of tiny (uid \(uid)); left as it was"), "\(twice)")
        #expect(twice.stdout.contains("0 imported, 2 already present, 0 new machines"), "\(twice)")

        let list = try await project.cli.run(["list", "--db", "other/results.sqlite"], timeout: .seconds(60))
        #expect(list.code == 0, "\(list)")
        let rows = list.stdout.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        #expect(rows.contains { $0.hasPrefix("2 tiny (quick) complete ") && $0.contains(" 2 2 0 ") }, "\(list)")
        #expect(rows.filter { $0.contains(" tiny") }.count == 2, "one copy of each run after two imports\n\(list)")

        // Every latency sample travelled.
        let samples = """
            SELECT SUM(l.count) FROM latency_samples l JOIN trials t ON t.id = l.trial_id
            JOIN variants v ON v.id = t.variant_id JOIN runs r ON r.id = v.run_id WHERE r.uid = '\(uid)'
            """
        let here = try project.query("out/results.sqlite", samples) { $0.int64(at: 0) }
        let there = try project.query("other/results.sqlite", samples) { $0.int64(at: 0) }
        #expect(here == there && (here.first ?? 0) > 0, "\(here) vs \(there)")
    }

    @Test("file I/O that cannot happen exits 74 naming the path: a store, an export or a report under a file")
    func unwritablePaths() async throws {
        let project = try TinyProject()
        defer { project.remove() }
        try "a file, not a folder\n".write(to: project.url("blocker"), atomically: true, encoding: .utf8)

        let store = try await project.cli.run(["run", "tiny", "--quick", "--db", "blocker/results.sqlite"], timeout: .seconds(60))
        #expect(store.code == 74, "\(store)")
        #expect(store.stderr.contains("error: \(project.url("blocker/results.sqlite").path): cannot create the folder for the results store"), "\(store)")
        #expect(store.stderr.contains("hint: check that \(project.url("blocker").path)/ can be created, or pass another --db"), "\(store)")
        #expect(!store.crashed, "\(store)")

        let run = try await project.cli.run(["run", "tiny", "--quick", "--db", "out/results.sqlite"], timeout: .seconds(120))
        #expect(run.code == 0, "\(run)")
        let id = try #require(try project.measuredRuns("out/results.sqlite").first)

        let export = try await project.cli.run(["export", "\(id)", "-o", "blocker/run.sqlite", "--db", "out/results.sqlite"], timeout: .seconds(60))
        #expect(export.code == 74, "\(export)")
        #expect(export.stderr.contains("error: blocker/run.sqlite: cannot create the export file"), "\(export)")
        #expect(!export.crashed, "\(export)")

        let render = try await project.cli.run(["render", "tiny", "--db", "out/results.sqlite", "--output", "blocker"], timeout: .seconds(120))
        #expect(render.code == 74, "\(render)")
        #expect(render.stderr.hasPrefix("error: ") && render.stderr.contains("blocker/tiny"), "\(render)")
        #expect(!render.crashed, "\(render)")

        let compare = try await project.cli.run(
            ["compare", "tiny", "--baseline", "published", "--db", "out/results.sqlite", "--output", "blocker"], timeout: .seconds(120))
        #expect(compare.code == 74, "\(compare)")
        #expect(compare.stderr.contains("error: cannot create blocker/tiny"), "\(compare)")
        #expect(!compare.crashed, "\(compare)")
    }

    /// The cells of the text table's row for `variant` and `measure`.
    static func cells(_ output: String, variant: String, measure: String) -> [String]? {
        let lines = output.split(separator: "\n").map(String.init)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("\(variant) ") && $0.contains("  \(measure)  ") }) else { return nil }
        return lines[start].components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func number(_ cell: String) -> Double? {
        Double(cell.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "×", with: ""))
    }

    @Test("compare against the published table, another run, an exported file, and refuses a different definition with 65 unless allowed")
    func compare() async throws {
        let project = try TinyProject()
        defer { project.remove() }
        let db = ["--db", "out/results.sqlite", "--output", "out"]
        for flags in [["--quick"], ["--quick", "--rerun"], []] {
            let run = try await project.cli.run(["run", "tiny"] + flags + ["--db", "out/results.sqlite"], timeout: .seconds(120))
            #expect(run.code == 0, "\(run)")
        }
        let runs = try project.measuredRuns("out/results.sqlite")
        try #require(runs.count == 3)
        let (quick, quickAgain, full) = (runs[0], runs[1], runs[2])

        // Published: the newest measured run against the 2017-style table.
        let published = try await project.cli.run(["compare", "tiny", "--baseline", "published"] + db, timeout: .seconds(120))
        #expect(published.code == 0, "\(published)")
        #expect(published.stdout.hasPrefix("Comparing run \(full) (against) with published (baseline) of tiny"), "\(published)")
        #expect(published.stdout.contains("note: The baseline is a published table"), "\(published)")
        let rates = try project.query("out/results.sqlite", """
            SELECT v.name, t.requests * 1e6 / t.duration_us FROM trials t JOIN variants v ON v.id = t.variant_id WHERE v.run_id = \(full)
            """) { ($0.string(at: 0) ?? "", $0.double(at: 1)) }
        for (variant, publishedRate, rank) in [("a", 1000.0, "1 → "), ("b", 500.0, "2 → ")] {
            let stored = try #require(rates.first { $0.0 == variant }?.1)
            let row = try #require(Self.cells(published.stdout, variant: variant, measure: "requests/s"), "\(published)")
            // variant, measure, published, run, ratio, interval, verdict, relative, its interval, its verdict, rank
            #expect(row.count == 11, "\(row)")
            guard row.count == 11 else { continue }
            #expect(Self.number(row[2]) == publishedRate, "\(row)")
            let shown = try #require(Self.number(row[3]))
            #expect(abs(shown - stored) <= 1, "the table shows the stored requests/s: \(row) vs \(stored)")
            let ratio = try #require(Self.number(row[4]))
            #expect(abs(ratio - shown / publishedRate) <= 0.006, "ratio is against ÷ baseline: \(row)")
            #expect(row[6] == "single published value: no interval", "\(row)")
            #expect(row[10].hasPrefix(rank), "the published table ranks a above b: \(row)")
        }
        let markdown = try String(contentsOf: project.url("out/tiny/comparison.md"), encoding: .utf8)
        #expect(markdown.hasPrefix("# Comparison: run \(full) against published\n"), "\(markdown)")
        #expect(markdown.contains("## Per variant"))
        #expect(markdown.contains("![Requests per second: run \(full) vs published](comparison-requests.png)"))
        let markdownRow = markdown.split(separator: "\n").first { $0.hasPrefix("| a ") && $0.contains("| requests/s |") }
        #expect(markdownRow?.contains("1,000") == true, "\(markdown)")
        for file in ["comparison.pdf", "comparison.html", "comparison.json", "comparison-requests.png", "comparison-p50.svg"] {
            #expect(FileManager.default.fileExists(atPath: project.url("out/tiny/\(file)").path), "\(file) is written")
        }
        #expect(published.stdout.contains("comparison: out/tiny/comparison.md, out/tiny/comparison.html, out/tiny/comparison.pdf, out/tiny/comparison.json"), "\(published)")

        // A run id: the default against is the newest run, whose definition (not quick) differs.
        let refused = try await project.cli.run(["compare", "tiny", "--baseline", "\(quick)"] + db, timeout: .seconds(120))
        #expect(refused.code == 65, "\(refused)")
        #expect(refused.stderr.contains("error: experiments/tiny/experiment.toml: run \(quick) and run \(full) were measured with different definitions (overrides quick)"), "\(refused)")
        #expect(refused.stderr.contains("hint: compare runs of the same definition, or pass --allow-definition-change"), "\(refused)")
        #expect(!refused.crashed, "\(refused)")

        let allowed = try await project.cli.run(["compare", "tiny", "--baseline", "\(quick)", "--allow-definition-change"] + db, timeout: .seconds(120))
        #expect(allowed.code == 0, "\(allowed)")
        #expect(allowed.stdout.contains("Definition differences (compared anyway: --allow-definition-change):\n  command-line overrides:\n    quick: true → false"), "\(allowed)")

        let sameDefinition = try await project.cli.run(["compare", "tiny", "--baseline", "\(quick)", "--against", "\(quickAgain)"] + db, timeout: .seconds(120))
        #expect(sameDefinition.code == 0, "\(sameDefinition)")
        #expect(sameDefinition.stdout.hasPrefix("Comparing run \(quickAgain) (against) with run \(quick) (baseline) of tiny"), "\(sameDefinition)")
        #expect(sameDefinition.stdout.contains("note: Both runs come from the same machine"), "\(sameDefinition)")
        #expect(sameDefinition.stdout.contains("Machines and software: all "), "\(sameDefinition)")
        for variant in ["a", "b"] {
            let row = Self.cells(sameDefinition.stdout, variant: variant, measure: "requests/s")
            #expect(row?.count == 11 && row?[6] == "fewer than 2 trials on a side: too few to tell", "\(sameDefinition)")
        }
        // A gate that can judge nothing does not pass: one trial a side is refused.
        let blind = try await project.cli.run(
            ["compare", "tiny", "--baseline", "\(quick)", "--against", "\(quickAgain)", "--fail-on-regression", "5%"] + db, timeout: .seconds(120))
        #expect(blind.code == 64, "\(blind)")
        #expect(blind.stderr.contains("error: --fail-on-regression cannot judge 2 variants of run \(quickAgain): a (fewer than 2 trials on a side: too few to tell)"), "\(blind)")

        // A file: an exported run is the baseline, read from a copy and never imported.
        let export = try await project.cli.run(["export", "\(quick)", "-o", "mine.sqlite", "--db", "out/results.sqlite"], timeout: .seconds(60))
        #expect(export.code == 0, "\(export)")
        let file = try await project.cli.run(["compare", "tiny", "--baseline", "mine.sqlite", "--against", "\(quickAgain)"] + db, timeout: .seconds(120))
        #expect(file.code == 0, "\(file)")
        #expect(file.stdout.hasPrefix("Comparing run \(quickAgain) (against) with mine.sqlite run 2 (baseline) of tiny"), "\(file)")
        let baselineCells = Self.cells(file.stdout, variant: "a", measure: "requests/s")
        let runCells = Self.cells(sameDefinition.stdout, variant: "a", measure: "requests/s")
        #expect(baselineCells != nil && baselineCells?[2] == runCells?[2], "the file holds the same run as run \(quick)\n\(file)")
        #expect(try project.measuredRuns("out/results.sqlite") == runs, "a file baseline is not imported")
    }
}
}

extension RealServers.CLITests {
    @Test("build --check-claims exits 5 naming the claim that does not hold and its line; --summary lists every claim; without the flag the build passes")
    func checkClaims() async throws {
        let project = try TinyProject()
        defer { project.remove() }
        // a and b cannot both serve the most requests: exactly one of the two claims fails.
        try "# Tiny\n\n```claims\nmost requests: a\nmost requests: b\n```\n".write(
            to: project.url("experiments/tiny/report.md"), atomically: true, encoding: .utf8)
        let flags = ["build", "tiny", "--quick", "--db", "out/results.sqlite", "--output", "out"]
        let checked = try await project.cli.run(flags + ["--check-claims", "--summary", "summary.md"], timeout: .seconds(120))
        #expect(checked.code == 5, "\(checked)")
        #expect(checked.stdout.contains("claims: 1 of 2 hold on this run"), "\(checked)")
        let runID = try #require(try project.measuredRuns("out/results.sqlite").last)
        #expect(checked.stderr.contains("error: 1 claim of the write-up does not hold on run \(runID): experiments/tiny/report.md:"), "\(checked)")
        #expect(checked.stderr.range(of: #"report\.md:(4|5): [ab] serves the most requests \("#, options: .regularExpression) != nil, "\(checked)")
        #expect(!checked.crashed, "\(checked)")
        #expect(FileManager.default.fileExists(atPath: project.url("out/tiny/report.md").path), "the report is written first")
        let summary = try String(contentsOf: project.url("summary.md"), encoding: .utf8)
        #expect(summary.hasPrefix("### reportgen build: tiny, run \(runID)\n"), "\(summary)")
        #expect(summary.contains("- ✅ ") && summary.contains("- ❌ "), "\(summary)")

        let unchecked = try await project.cli.run(flags, timeout: .seconds(120))
        #expect(unchecked.code == 0, "the claims table reports; only --check-claims fails the build: \(unchecked)")
    }

    @Test("a run's work folder is private under $TMPDIR/reportgen-UID and gone after the run; one a killed run left there is swept")
    func runWorkFolder() async throws {
        let project = try TinyProject()
        defer { project.remove() }
        let temporary = project.url("tmp")
        let parent = temporary.appendingPathComponent("reportgen-\(getuid())")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: parent.path)
        // What a run killed with SIGKILL leaves: a work folder of a process that is gone.
        var dead: pid_t = 4_000_000
        while kill(dead, 0) == 0 || errno != ESRCH { dead -= 1 }
        let left = parent.appendingPathComponent("work-\(dead)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: left.appendingPathComponent("nginx"), withIntermediateDirectories: true)
        var cli = project.cli
        cli.environment["TMPDIR"] = temporary.path
        let result = try await cli.run(["run", "tiny", "--quick", "--db", "out/results.sqlite"], timeout: .seconds(120))
        #expect(result.code == 0, "\(result)")
        #expect(!FileManager.default.fileExists(atPath: left.path), "the dead run's folder is swept")
        let remaining = (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
        #expect(remaining.filter { $0.hasPrefix("reportgen") }.isEmpty, "nothing of the run is left in TMPDIR: \(remaining)")
    }
}
