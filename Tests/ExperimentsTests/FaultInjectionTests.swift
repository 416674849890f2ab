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

/// Faults injected into real runs (nginx, gunicorn and wrk on loopback): a dying app
/// server, a dying upstream, a taken port, interrupts at every phase, and reportgen itself
/// killed with SIGKILL. Each checks what is stored and that nothing is left running.
extension RealServers {
@Suite("faults against real servers", .serialized)
struct FaultInjectionTests {
    static let projectRoot = RealServers.projectRoot

    static func overrides(_ variants: [String]) -> RunOverrides {
        var overrides = RunIntegrationDefaults.short
        overrides.variants = variants
        return overrides
    }

    func temporaryStore() -> URL {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("reportgen-fault-\(UUID().uuidString)/results.sqlite")
    }

    func runner(
        db: URL, variants: [String], interrupt: Interrupt = Interrupt(),
        events: @escaping @Sendable (RunEvent) -> Void = { _ in }
    ) throws -> (ExperimentRunner, ResultStore) {
        try RealServers.runner(db: db, overrides: Self.overrides(variants), interrupt: interrupt, events: events)
    }

    /// The live process whose command line contains `word`, among those reportgen started.
    static func startedProcess(containing word: String) -> pid_t? {
        for pid in ChildRegistry.shared.live {
            guard let bytes = ProcessTable.readSmallFile("/proc/\(pid)/cmdline") else { continue }
            let text = String(decoding: bytes.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            if text.contains(word) { return pid }
        }
        return nil
    }

    /// Runs `body` after `delay`, so a fault lands inside a window.
    static func later(_ delay: Duration, _ body: @escaping @Sendable () -> Void) {
        Task {
            try await Task.sleep(for: delay)
            body()
        }
    }

    func expectNothingLeft() {
        #expect(RealServers.serversLeft().isEmpty)
    }

    @Test("an app server killed mid-trial is a failed trial with its cause; the run goes on")
    func appServerDies() async throws {
        let db = temporaryStore()
        defer { try? FileManager.default.removeItem(at: db.deletingLastPathComponent()) }
        let killed = Atomic(false)
        let (runner, store) = try runner(db: db, variants: ["flask:10", "aiohttp"]) { event in
            if case .trialPhase(let trial, .measuring, _) = event, trial.cell == CellID(variant: "flask:10"),
                !killed.load(ordering: .sequentiallyConsistent), let pid = Self.startedProcess(containing: "gunicorn")
            {
                killed.store(true, ordering: .sequentiallyConsistent)
                Self.later(.milliseconds(800)) { kill(pid, SIGKILL) }
            }
        }
        let outcome = try await runner.run()
        let wasKilled = killed.load(ordering: .sequentiallyConsistent)
        #expect(wasKilled)
        #expect(outcome.trialsRun == 2)
        #expect(outcome.failedVariants == [CellID(variant: "flask:10")])
        let rows = try store.database.rows(
            "SELECT v.name, t.status, t.failure FROM trials t JOIN variants v ON v.id = t.variant_id ORDER BY v.name"
        ) { ($0.string(at: 0) ?? "", $0.string(at: 1) ?? "", $0.string(at: 2)) }
        #expect(rows.count == 2)
        #expect(rows[0].0 == "aiohttp" && rows[0].1 == "ok")
        #expect(rows[1].0 == "flask:10" && rows[1].1 == "failed")
        #expect(rows[1].2?.contains("killed by signal 9") == true)
        // The trial after the fault is whole: its every request answered.
        let counts = try RealServers.trialCounts(store)
        #expect(counts.count == 2)
        for trial in counts where trial.variant == "aiohttp" {
            #expect(trial.requests > 100 && trial.answeredEverything, "\(trial)")
        }
        expectNothingLeft()
    }

    @Test("an upstream that dies mid-run fails the trial and stops the run with a clear error")
    func upstreamDies() async throws {
        let db = temporaryStore()
        defer { try? FileManager.default.removeItem(at: db.deletingLastPathComponent()) }
        let killed = Atomic(false)
        let (runner, store) = try runner(db: db, variants: ["aiohttp", "flask:10"]) { event in
            if case .trialPhase(_, .measuring, _) = event, !killed.load(ordering: .sequentiallyConsistent),
                let pid = Self.startedProcess(containing: "nginx")
            {
                killed.store(true, ordering: .sequentiallyConsistent)
                Self.later(.milliseconds(800)) { kill(pid, SIGKILL) }
            }
        }
        let error = await #expect(throws: ReportgenError.self) { try await runner.run() }
        #expect(error?.code == .processFailed)
        #expect(error?.message.contains("upstream") == true)
        let failures = try store.database.rows("SELECT status, failure FROM trials") { ($0.string(at: 0) ?? "", $0.string(at: 1) ?? "") }
        #expect(failures.count == 1)
        #expect(failures.first?.0 == "failed")
        #expect(failures.first?.1.contains("upstream") == true)
        let status = try store.database.firstRow("SELECT status FROM runs WHERE kind = 'measured'") { $0.string(at: 0) }
        #expect(status == "failed")
        expectNothingLeft()
    }

    @Test("a port taken before the app server starts is a failed trial, not a fake readiness")
    func portTaken() async throws {
        let db = temporaryStore()
        defer { try? FileManager.default.removeItem(at: db.deletingLastPathComponent()) }
        try FileManager.default.createDirectory(at: db.deletingLastPathComponent(), withIntermediateDirectories: true)
        // Something else listens on the port the runner is given.
        let squatter = try ChildProcess(
            executable: "python3", arguments: ["-m", "http.server", "--bind", "127.0.0.1", "0"],
            environment: ["PATH": ProcessEnvironment.inheritedPath], logFile: db.deletingLastPathComponent().appendingPathComponent("squatter.log"))
        defer { squatter.stopBlocking() }
        let port = try Self.listeningPort(of: squatter.pid)
        let (runner, store) = try runner(db: db, variants: ["flask:10"])
        runner.options.appPort = { _ in port }
        let outcome = try await runner.run()
        #expect(outcome.failedVariants == [CellID(variant: "flask:10")])
        let failure = try store.database.firstRow("SELECT failure FROM trials") { $0.string(at: 0) }
        #expect(failure??.contains("already taken") == true)
        #expect(try RealServers.trialCounts(store).map(\.requests) == [0], "nothing was measured against the squatter")
        squatter.stopBlocking()
        expectNothingLeft()
    }

    @Test("an interrupt at any phase stores nothing half-written, stops everything, and the next run resumes", arguments: [TrialPhase.ready, .warmUp, .measuring])
    func interruptAtPhase(phase: TrialPhase) async throws {
        let db = temporaryStore()
        defer { try? FileManager.default.removeItem(at: db.deletingLastPathComponent()) }
        let interrupt = Interrupt()
        let finished = Atomic(0)
        let (runner, store) = try runner(db: db, variants: ["aiohttp", "flask:10"], interrupt: interrupt) { event in
            if case .trialFinished = event { finished.add(1, ordering: .sequentiallyConsistent) }
            if case .trialPhase(_, let current, _) = event, current == phase,
                finished.load(ordering: .sequentiallyConsistent) == 1
            {
                interrupt.request(signal: SIGINT)
            }
        }
        let error = await #expect(throws: ReportgenError.self) { try await runner.run() }
        #expect(error?.code == .interrupted)
        expectNothingLeft()
        #expect(try store.database.firstRow("SELECT COUNT(*) FROM trials") { $0.int64(at: 0) } == 1)

        let (again, _) = try self.runner(db: db, variants: ["aiohttp", "flask:10"])
        let outcome = try await again.run()
        #expect(outcome.resumed && outcome.trialsRun == 1)
        let keys = try store.database.rows("SELECT v.name || '#' || t.trial_index FROM trials t JOIN variants v ON v.id = t.variant_id ORDER BY 1") { $0.string(at: 0) ?? "" }
        #expect(keys == ["aiohttp#1", "flask:10#1"])
        try RealServers.expectAnswered(store, minimum: 100)
        expectNothingLeft()
    }

    @Test("SIGKILL of reportgen takes its servers down; the next start finds nothing left to stop")
    func sigkillReportgen() throws {
        let binary = try RealServers.reportgenBinary()
        let db = temporaryStore()
        let folder = db.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let reportgen = try ChildProcess(
            executable: binary.path,
            arguments: ["run", "--quick", "--variants", "flask:10", "--duration", "10s", "--db", db.path],
            environment: ProcessEnvironment.base(path: ProcessEnvironment.inheritedPath)
                .merging(["REPORTGEN_CACHE": TestPaths.cache.path]) { $1 },
            workingDirectory: Self.projectRoot, logFile: folder.appendingPathComponent("reportgen.log"))
        defer { reportgen.stopBlocking() }
        // Wait until it has started nginx and the app server (their pid files appear).
        let pidFiles = folder.appendingPathComponent(".reportgen")
        var groups: [pid_t] = []
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            groups = Self.recordedGroups(in: pidFiles)
            if groups.contains(where: { Self.commandLine($0).contains("gunicorn") }) { break }
            usleep(100_000)
        }
        #expect(groups.contains(where: { Self.commandLine($0).contains("gunicorn") }), "reportgen started an app server")
        kill(reportgen.pid, SIGKILL)
        _ = reportgen.waitBlocking(timeout: .seconds(5))
        // The parent-death signal stops nginx and gunicorn's master; gunicorn's workers exit
        // when they see their master gone.
        let gone = ContinuousClock.now + .seconds(15)
        while groups.contains(where: { ProcessTable.liveMembers(ofGroup: $0) > 0 }) && ContinuousClock.now < gone {
            usleep(100_000)
        }
        for group in groups {
            #expect(ProcessTable.liveMembers(ofGroup: group) == 0, "group \(group) (\(Self.commandLine(group))) is gone")
        }
        #expect(ChildRegistry.stopStale(in: pidFiles).isEmpty)
        expectNothingLeft()
    }

    static func recordedGroups(in folder: URL) -> [pid_t] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.compactMap { name -> pid_t? in
            guard name.hasSuffix(".pid"), let text = try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8) else { return nil }
            let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
            return fields.count == 4 ? pid_t(fields[2]) : nil
        }
    }

    static func commandLine(_ pid: pid_t) -> String {
        let bytes = ProcessTable.readSmallFile("/proc/\(pid)/cmdline") ?? []
        return String(decoding: bytes.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
    }

    /// The port a process listens on, from /proc/net/tcp, waiting up to 10 s for it.
    static func listeningPort(of pid: pid_t) throws -> Int {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let inodes = Set(((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []).compactMap { fd -> String? in
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")) ?? ""
                return target.hasPrefix("socket:[") ? String(target.dropFirst(8).dropLast()) : nil
            })
            let table = (try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)) ?? ""
            for line in table.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                // local_address is field 1 (IP:PORT in hex), st is field 3 (0A = LISTEN), inode field 9.
                guard fields.count > 9, fields[3] == "0A", inodes.contains(String(fields[9])),
                    let port = Int(fields[1].split(separator: ":").last ?? "", radix: 16)
                else { continue }
                return port
            }
            usleep(50_000)
        }
        throw ReportgenError(.processFailed, "the port squatter did not start listening")
    }
}
}
