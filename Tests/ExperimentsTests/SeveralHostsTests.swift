import Foundation
import TestFixtures
import Testing
@testable import Core
@testable import Hosts
@testable import Supervision


#if canImport(Glibc)
import Glibc
#endif

extension RealServers {
/// Roles on their own hosts through real OpenSSH: three network namespaces with an sshd
/// each, the real nginx, gunicorn and wrk in them, and a real store.
@Suite("several hosts over OpenSSH, in network namespaces", .serialized, .timeLimit(.minutes(12)))
struct SeveralHostsTests {
    /// `experiments/<name>/` copied from the project's, with `edit` applied to its definition.
    static func project(copying name: String, edit: (String) -> String) throws -> TinyProject {
        let project = try TinyProject()
        let target = project.url("experiments/\(name)")
        try? FileManager.default.removeItem(at: target)
        try FileManager.default.copyItem(
            at: TestPaths.projectRoot.appendingPathComponent("experiments/\(name)"), to: target)
        let file = target.appendingPathComponent("experiment.toml")
        try edit(try String(contentsOf: file, encoding: .utf8)).write(to: file, atomically: true, encoding: .utf8)
        return project
    }

    @Test("the seed experiment (quick) with the upstream, the app and the load on three ssh hosts: every variant measured, each host's machine, clock offset and round trip stored, the placement in the report, nothing left on any host")
    func seedAcrossThreeHosts() async throws {
        let hosts = try NamespaceHosts.up(["backend", "server", "client"])
        defer { hosts.down() }
        let tables = try hosts.definitions(["backend", "server", "client"])
        let project = try Self.project(copying: "aiohttp-vs-flask") { text in
            text.replacingOccurrences(of: "[upstream]\n", with: tables + "\n[upstream]\nhost = \"backend\"\ncpus = \"0\"\n")
                .replacingOccurrences(of: "[app]\n", with: "[app]\nhost = \"server\"\ncpus = \"1\"\n")
                .replacingOccurrences(of: "[load]\n", with: "[load]\nhost = \"client\"\n")
        }
        defer { project.remove() }
        var cli = project.cli
        cli.environment[SSHConnection.configVariable] = hosts.sshConfig.path

        let result = try await cli.run(["build", "aiohttp-vs-flask", "--quick", "--db", "out/results.sqlite"], timeout: .seconds(600))
        #expect(result.code == 0, "\(result)")
        for name in ["backend", "server", "client"] {
            #expect(result.stdout.contains("host \(name): \(name) at \(hosts.addresses[name] ?? "?")"), "\(result.stdout)")
        }
        #expect(result.stdout.contains("round trip from the load generator's host to the app's"), "\(result.stdout)")

        let store = "out/results.sqlite"
        let trials = try project.query(store, """
            SELECT v.name, t.status, t.requests, t.errors_connect + t.errors_read + t.errors_write + t.errors_status,
                t.command_line, t.server_command_line
            FROM trials t JOIN variants v ON v.id = t.variant_id JOIN runs r ON r.id = v.run_id WHERE r.kind = 'measured'
            """) { row in
            (row.string(at: 0) ?? "", row.string(at: 1) ?? "", row.int64(at: 2), row.int64(at: 3), row.string(at: 4) ?? "", row.string(at: 5) ?? "")
        }
        #expect(trials.count == 11, "one quick trial per variant: \(trials.map(\.0))")
        for trial in trials {
            #expect(trial.1 == "ok" && trial.2 > 100, "\(trial.0) answered through the three hosts: \(trial)")
            #expect(trial.3 == 0, "\(trial.0) lost no request: \(trial)")
            #expect(trial.4.hasPrefix("wrk ") && trial.4.contains("http://\(hosts.addresses["server"] ?? "?"):"), "wrk targets the app host: \(trial.4)")
            #expect(trial.5.contains("taskset -c 1 ") && trial.5.contains("UPSTREAM_URL=http://\(hosts.addresses["backend"] ?? "?"):"), "the app is pinned and calls the upstream host: \(trial.5)")
        }
        // wrk's timeline works on a remote host: every trial has one, its window's intervals
        // summing to the trial's requests.
        let timelines = try project.query(store, """
            SELECT t.requests, (SELECT count(*) FROM trial_timelines x WHERE x.trial_id = t.id),
                (SELECT coalesce(sum(i.requests), -1) FROM trial_intervals i WHERE i.trial_id = t.id AND i.start_us >= 0)
            FROM trials t JOIN variants v ON v.id = t.variant_id JOIN runs r ON r.id = v.run_id WHERE r.kind = 'measured'
            """) { [$0.int64(at: 0), $0.int64(at: 1), $0.int64(at: 2)] }
        #expect(timelines.count == 11 && timelines.allSatisfy { $0[1] == 1 && $0[2] == $0[0] }, "requests, timelines, the window's intervals' sum: \(timelines)")
        let upstream = try project.query(store, "SELECT upstream_command_line FROM runs WHERE kind = 'measured'") { $0.string(at: 0) ?? "" }
        #expect(upstream.first?.hasPrefix("taskset -c 0 nginx ") == true, "\(upstream)")

        let rows = try project.query(store, """
            SELECT h.name, h.ssh, h.address, h.roles, h.cpus_json, h.clock_offset_us, h.clock_probe_rtt_us, h.load_rtt_min_us,
                h.load_rtt_avg_us, m.cpu_cores, m.memory_bytes
            FROM run_hosts h JOIN machines m ON m.id = h.machine_id JOIN runs r ON r.id = h.run_id WHERE r.kind = 'measured'
            ORDER BY h.rowid
            """) { row in
            (name: row.string(at: 0) ?? "", ssh: row.string(at: 1), address: row.string(at: 2) ?? "", roles: row.string(at: 3) ?? "",
             cpus: row.string(at: 4), offset: row.optionalInt64(at: 5), probe: row.optionalInt64(at: 6),
             rttMin: row.optionalInt64(at: 7), rttAvg: row.optionalInt64(at: 8), cores: row.int64(at: 9), memory: row.int64(at: 10))
        }
        #expect(rows.map(\.name) == ["backend", "server", "client"])
        #expect(rows.map(\.roles) == ["upstream", "app", "loadgen"])
        #expect(rows.map(\.cpus) == ["{\"upstream\":\"0\"}", "{\"app\":\"1\"}", nil])
        for row in rows {
            #expect(row.ssh == row.name && row.address == hosts.addresses[row.name], "\(row)")
            #expect(row.cores > 0 && row.memory > 0, "the host's machine is stored: \(row)")
            // One kernel clock behind every namespace: the offset is the probe's error only.
            let offset = try #require(row.offset)
            let probe = try #require(row.probe)
            #expect(probe > 0 && abs(offset) <= probe, "clock offset \(offset) µs within the probe's round trip \(probe) µs")
        }
        let app = try #require(rows.first { $0.name == "server" })
        let rttMin = try #require(app.rttMin)
        let rttAvg = try #require(app.rttAvg)
        #expect(rttMin > 0 && rttMin <= rttAvg && rttAvg < 50_000, "ping from client to server: \(rttMin)/\(rttAvg) µs")
        let samples = try project.query(store, """
            SELECT s.role, count(*), max(s.cpu_user_ms + s.cpu_system_ms), max(s.rss_bytes) FROM resource_samples s
            JOIN trials t ON t.id = s.trial_id GROUP BY s.role ORDER BY s.role
            """) { "\($0.string(at: 0) ?? "")" + ($0.int64(at: 2) > 0 && $0.int64(at: 3) > 0 ? " sampled" : " empty") }
        #expect(samples == ["app sampled", "loadgen sampled", "upstream sampled"], "each remote role's CPU and memory were read on its host")

        let report = try String(contentsOf: project.url("output/aiohttp-vs-flask/report.md"), encoding: .utf8)
        let header = report.split(separator: "\n").first { $0.hasPrefix("|") && $0.contains("backend") }
        let columns = header?.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(columns == ["", "backend", "server", "client"], "the environment table has a column per host: \(header ?? "none")")
        let placement = report.split(separator: "\n").first { $0.hasPrefix("**Placement.**") } ?? ""
        #expect(placement.contains("Nginx ran on backend (\(hosts.addresses["backend"] ?? "?")) pinned to CPU 0"), "\(placement)")
        #expect(placement.contains("the app servers ran on server (\(hosts.addresses["server"] ?? "?")) pinned to CPU 1"), "\(placement)")
        #expect(placement.contains("wrk ran on client (\(hosts.addresses["client"] ?? "?")) unpinned"), "\(placement)")

        #expect(await hosts.processesLeft().isEmpty, "\(hosts.processes())")
        #expect(project.processesLeft().isEmpty, "\(project.processesLeft())")
        for name in ["backend", "server", "client"] {
            let runs = (try? FileManager.default.contentsOfDirectory(atPath: hosts.home(name).appendingPathComponent("runs").path)) ?? ["?"]
            #expect(runs.isEmpty, "\(name)'s run folder is removed: \(runs)")
            let pids = (try? FileManager.default.contentsOfDirectory(atPath: hosts.home(name).appendingPathComponent("state").path)) ?? ["?"]
            #expect(pids.isEmpty, "\(name)'s pid files are removed: \(pids)")
        }
    }
}
}

extension RealServers.SeveralHostsTests {
    /// A tiny experiment with the upstream, the app (python's http.server) and wrk on three hosts.
    static func tinyAcross(_ hosts: NamespaceHosts, trials: Int) throws -> TinyProject {
        let project = try TinyProject()
        let tables = try hosts.definitions(["backend", "server", "client"])
        let definition = TinyProject.definition
            .replacingOccurrences(of: "trials = 1\n", with: "trials = \(trials)\n" + tables)
            .replacingOccurrences(of: "[upstream]\n", with: "[upstream]\nhost = \"backend\"\n")
            .replacingOccurrences(of: "[app]\n", with: "[app]\nhost = \"server\"\n")
            .replacingOccurrences(of: "[load]\n", with: "[load]\nhost = \"client\"\n")
        try project.write("tiny", definition: definition)
        return project
    }

    @Test("a dropped ssh connection and a killed remote app fail that trial with the reason and the run goes on; SIGTERM leaves nothing running in any namespace; after a SIGKILL the next run stops what was left on every host and continues")
    func faultsAcrossHosts() async throws {
        let hosts = try NamespaceHosts.up(["backend", "server", "client"])
        defer { hosts.down() }
        let project = try Self.tinyAcross(hosts, trials: 2)
        defer { project.remove() }
        var cli = project.cli
        cli.environment[SSHConnection.configVariable] = hosts.sshConfig.path
        let arguments = ["run", "tiny", "--duration", "3s", "--db", "out/results.sqlite"]
        let run = try cli.start(arguments)

        // The first window: wrk runs on client and the app on server.
        func window() -> (wrk: String, app: String)? {
            let listed = hosts.processes()
            guard let wrk = listed.first(where: { $0.hasPrefix("client ") && $0.contains(" wrk ") }),
                let app = listed.first(where: { $0.hasPrefix("server ") && $0.contains("http.server") })
            else { return nil }
            return (wrk, app)
        }
        var first: (wrk: String, app: String)?
        let reached = await eventually(within: .seconds(120)) {
            first = window()
            return first != nil || run.process.exitStatus != nil
        }
        try #require(reached && first != nil, "the first window opened\n\(run.stdout)\(run.stderr)")
        // Cut the connection to the app's host (its ssh master, a child of reportgen) and kill the app there.
        // Children started from any of reportgen's threads: their parent pid says so.
        let children = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(pid_t.init).filter {
            ProcessTable.statFields($0).flatMap { $0.count > 1 ? pid_t($0[1]) : nil } == run.process.pid
        }
        let master = try #require(children.first { pid in
            let line = ReportgenWatch.commandLine(pid)
            return line.split(separator: " ").first?.hasSuffix("ssh") == true && line.contains(" -M ") && line.hasSuffix(" server ")
        }, "reportgen holds a master connection to server: \(children.map(ReportgenWatch.commandLine))")
        let appPID = try #require(first?.app.split(separator: " ").dropFirst().first.flatMap { pid_t($0) })
        kill(master, SIGKILL)
        kill(appPID, SIGKILL)

        // The run goes on: the next trial's window opens with a new app on server.
        var second: (wrk: String, app: String)?
        let next = await eventually(within: .seconds(120)) {
            second = window()
            return (second != nil && second?.app != first?.app) || run.process.exitStatus != nil
        }
        try #require(next && second?.app != first?.app, "a later window opened after the fault\n\(run.stdout)\(run.stderr)")
        kill(run.process.pid, SIGTERM)
        let result = await run.finish(within: .seconds(60))
        #expect(result.code == 143, "\(result)")
        #expect(!result.crashed, "\(result)")
        #expect(await hosts.processesLeft().isEmpty, "nothing runs in any namespace: \(hosts.processes())")
        #expect(project.processesLeft().isEmpty, "\(project.processesLeft())")
        let failures = try project.query("out/results.sqlite", "SELECT failure FROM trials WHERE status = 'failed'") { $0.string(at: 0) ?? "" }
        #expect(failures.count == 1, "the trial of the fault failed: \(failures)")
        #expect(failures.first?.contains("the app server lost its ssh connection to host \"server\" during the trial") == true, "\(failures)")
        let before = try project.query("out/results.sqlite", "SELECT count(*) FROM trials") { $0.int64(at: 0) }.first ?? 0

        // Killed outright in a window: no cleanup runs, and what it started on the hosts
        // goes on; the next run stops it first, on every host.
        let killed = try cli.start(arguments)
        let open = await eventually(within: .seconds(120)) { window() != nil || killed.process.exitStatus != nil }
        try #require(open && killed.process.exitStatus == nil, "a window opened\n\(killed.stdout)\(killed.stderr)")
        kill(killed.process.pid, SIGKILL)
        _ = await killed.finish(within: .seconds(30))
        let orphans = hosts.processes().filter { $0.contains("nginx") || $0.contains("http.server") }
        #expect(!orphans.isEmpty, "a killed reportgen leaves its remote servers running: \(hosts.processes())")

        let again = try await cli.run(arguments, timeout: .seconds(240))
        #expect(again.code == 3, "a variant had a failed trial: \(again)")
        let id = try #require(try project.measuredRuns("out/results.sqlite").first)
        #expect(again.stdout.contains("host backend: stopped 1 process group(s) left by an earlier reportgen that was killed"), "\(again)")
        #expect(again.stdout.contains("host server: stopped"), "\(again)")
        #expect(again.stdout.contains("continuing run \(id): \(before) trials already stored"), "\(again)")
        let statuses = try project.query("out/results.sqlite", "SELECT status FROM trials ORDER BY run_order") { $0.string(at: 0) ?? "" }
        #expect(statuses.count == 4 && statuses.filter { $0 == "ok" }.count == 3, "\(statuses)")
        #expect(await hosts.processesLeft().isEmpty, "\(hosts.processes())")
        for name in ["backend", "server", "client"] {
            let pids = (try? FileManager.default.contentsOfDirectory(atPath: hosts.home(name).appendingPathComponent("state").path)) ?? ["?"]
            #expect(pids.isEmpty, "\(name)'s pid files are gone: \(pids)")
        }
    }
}

extension RealServers {
/// Roles pinned to CPUs on this machine, for real: the kernel's affinity of each process.
@Suite("roles pinned to CPUs on one machine", .serialized, .timeLimit(.minutes(3)))
struct PinningTests {
    @Test("each role runs under taskset on its CPUs: the app reads its own affinity, the stored command lines and hosts say so, and the report states the sharing")
    func pinnedRoles() async throws {
        let project = try TinyProject()
        defer { project.remove() }
        let definition = TinyProject.definition
            .replacingOccurrences(of: "[upstream]\n", with: "[upstream]\ncpus = \"0\"\n")
            .replacingOccurrences(
                of: "command = [\"python3\", \"-m\", \"http.server\",",
                with: "cpus = \"1\"\ncommand = [\"sh\", \"-c\", \"grep Cpus_allowed_list /proc/self/status > {dir}/affinity && exec python3 -m http.server \\\"$0\\\" --bind \\\"$1\\\" --directory \\\"$2\\\"\", ")
            .replacingOccurrences(of: "\"{port}\", \"--bind\", \"{host}\", \"--directory\", \"{dir}/upstream\"]", with: "\"{port}\", \"{host}\", \"{dir}/upstream\"]")
            .replacingOccurrences(of: "[load]\n", with: "[load]\ncpus = \"0\"\n")
        try project.write("tiny", definition: definition)
        let result = try await project.cli.run(["build", "tiny", "--variants", "a", "--db", "out/results.sqlite"], timeout: .seconds(120))
        #expect(result.code == 0, "\(result)")

        let affinity = try String(contentsOf: project.url("experiments/tiny/affinity"), encoding: .utf8)
        #expect(affinity.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("\t1"), "the app ran on CPU 1 only: \(affinity)")
        let store = "out/results.sqlite"
        let upstream = try project.query(store, "SELECT upstream_command_line FROM runs WHERE kind = 'measured'") { $0.string(at: 0) ?? "" }
        #expect(upstream.first?.hasSuffix("taskset -c 0 nginx -p " + (upstream.first?.components(separatedBy: " -p ").last ?? "")) == true, "\(upstream)")
        let commands = try project.query(store, "SELECT command_line, server_command_line, status, requests FROM trials") {
            ($0.string(at: 0) ?? "", $0.string(at: 1) ?? "", $0.string(at: 2) ?? "", $0.int64(at: 3))
        }
        #expect(commands.count == 1 && commands[0].2 == "ok" && commands[0].3 > 0, "\(commands)")
        #expect(commands.first?.0.hasPrefix("taskset -c 0 wrk ") == true, "\(commands)")
        #expect(commands.first?.1.contains(" taskset -c 1 sh -c ") == true, "\(commands)")
        let hosts = try project.query(store, "SELECT name, ssh, roles, cpus_json FROM run_hosts") {
            [$0.string(at: 0) ?? "", $0.string(at: 1) ?? "NULL", $0.string(at: 2) ?? "", $0.string(at: 3) ?? ""]
        }
        #expect(hosts == [["local", "NULL", "upstream,app,loadgen", "{\"app\":\"1\",\"loadgen\":\"0\",\"upstream\":\"0\"}"]], "\(hosts)")
        let report = try String(contentsOf: project.url("output/tiny/report.md"), encoding: .utf8)
        let placement = report.split(separator: "\n").first { $0.hasPrefix("**Placement.**") } ?? ""
        #expect(placement.contains("Nginx ran on the controlling machine pinned to CPU 0"), "\(placement)")
        #expect(placement.contains("with some CPUs in common and competed for its cores"), "nginx and wrk share CPU 0: \(placement)")
        #expect(project.processesLeft().isEmpty, "\(project.processesLeft())")
    }
}
}
