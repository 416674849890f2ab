import Foundation
import Testing
@testable import Core
@testable import Definition
@testable import Hosts
@testable import Records
@testable import Supervision


#if canImport(Glibc)
import Glibc
#endif

/// `[hosts.NAME]`, each role's `host` and `cpus`, and the pieces of remote placement that
/// read what a host prints (its facts, its ports, ping, the sampling loop, pid files).
struct PlacementTests {
    private static let hosts = """

        [hosts.server]
        ssh = "bench@10.0.0.2"

        [hosts.client]
        ssh = "client-alias"
        address = "10.0.0.3"
        folder = "/srv/reportgen"

        """

    /// The design example with host lines added to its sections, and `extra` after the top.
    private func toml(upstream: String = "", app: String = "", load: String = "", extra: String = PlacementTests.hosts) -> String {
        var text = DefinitionFixture.designExample
        text = text.replacingOccurrences(of: "trials = 3                      # repeated trials per variant\n", with: "trials = 3\n" + extra)
        text = text.replacingOccurrences(of: "root = \"upstream\"               # folder it serves, relative to this file\n", with: "root = \"upstream\"\n" + upstream)
        text = text.replacingOccurrences(of: "workers = 2\n", with: "workers = 2\n" + app)
        text = text.replacingOccurrences(of: "warmup = \"5s\"\n", with: "warmup = \"5s\"\n" + load)
        return text
    }

    private func load(_ text: String) throws -> ExperimentDefinition {
        let fixture = try DefinitionFixture(text)
        defer { fixture.remove() }
        return try DefinitionLoader.load(experiment: nil, projectRoot: fixture.root)
    }

    private func error(_ text: String) throws -> ReportgenError {
        do {
            _ = try load(text)
        } catch let error as ReportgenError {
            return error
        }
        Issue.record("the definition loaded")
        throw CancellationError()
    }

    @Test("roles placed on declared hosts, pinned, the rest local and unpinned")
    func placesRoles() throws {
        let definition = try load(toml(
            upstream: "host = \"server\"\ncpus = \"1\"\n", app: "host = \"server\"\ncpus = \"0\"\n", load: "host = \"client\"\n"))
        let placement = definition.placement
        #expect(placement.hosts.map(\.name) == ["local", "server", "client"])
        #expect(placement.host(of: .upstream).ssh == "bench@10.0.0.2")
        #expect(placement[.app].cpus == CPUSet([0]))
        #expect(placement[.upstream].cpus?.description == "1")
        #expect(placement.host(of: .loadgen).address == "10.0.0.3")
        #expect(placement.host(of: .loadgen).folder == "/srv/reportgen")
        #expect(placement.isDistributed && placement.isPinned)
        #expect(placement.usedHosts.map(\.host.name) == ["server", "client"])
        #expect(placement.usedHosts.first?.roles == [.upstream, .app])
        let source = try #require(placement[.app].cpusSource)
        #expect(source.keyPath == "app.cpus" && source.line != nil)

        let plain = try load(DefinitionFixture.designExample)
        #expect(plain.placement == .local && !plain.placement.isDistributed && !plain.placement.isPinned)
    }

    @Test("an unknown host name is an error at its line that suggests the declared names")
    func unknownHost() throws {
        let text = toml(app: "host = \"sever\"\n")
        let failure = try error(text)
        #expect(failure.code == .badDefinition)
        #expect(failure.message.contains("no host named \"sever\""))
        #expect(failure.location?.keyPath == "app.host")
        #expect(failure.location?.line == text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("sever") }.map { $0 + 1 })
        #expect(failure.hint?.contains("did you mean 'server'?") == true)
    }

    @Test("bad CPU lists, destinations, host keys and placements say what to write", arguments: [
        ("cpus = \"0-\"", "is not a list of CPUs"),
        ("cpus = \"3-1\"", "is not a list of CPUs"),
        ("cpus = \"one\"", "is not a list of CPUs"),
    ])
    func badCPUs(entry: String, message: String) throws {
        let failure = try error(toml(app: entry + "\n"))
        #expect(failure.code == .badDefinition && failure.message.contains(message))
        #expect(failure.location?.keyPath == "app.cpus")
    }

    @Test func hostNeedsAnSSHDestination() throws {
        let failure = try error(toml(extra: "\n[hosts.server]\naddress = \"10.0.0.2\"\n"))
        #expect(failure.message.contains("missing required key") && failure.location?.keyPath == "hosts.server.ssh")
        let spaced = try error(toml(extra: "\n[hosts.server]\nssh = \"-oProxyCommand=x\"\n"))
        #expect(spaced.message.contains("is not an ssh destination"))
        let unknown = try error(toml(extra: "\n[hosts.server]\nssh = \"a@b\"\nport = 22\n"))
        #expect(unknown.message == "unknown key" && unknown.location?.keyPath == "hosts.server.port")
    }

    @Test("a role on another host calling a server on this machine needs this machine's address")
    func localNeedsAnAddress() throws {
        let failure = try error(toml(load: "host = \"client\"\n"))
        #expect(failure.message.contains("calls the app server on this machine"))
        #expect(failure.hint?.contains("[hosts.local]") == true)
        let fixed = try load(toml(load: "host = \"client\"\n", extra: Self.hosts + "\n[hosts.local]\naddress = \"10.0.0.1\"\n"))
        #expect(fixed.placement.host(named: "local")?.address == "10.0.0.1")
    }

    @Test func builtinGeneratorStaysLocal() throws {
        let text = toml(load: "host = \"client\"\n", extra: Self.hosts + "\n[hosts.local]\naddress = \"10.0.0.1\"\n")
            .replacingOccurrences(of: "generator = \"wrk\"", with: "generator = \"builtin\"")
        let failure = try error(text)
        #expect(failure.message.contains("built-in load generator runs on this machine only"))
    }

    @Test("host is a role's key, not a variant's")
    func hostInAVariant() throws {
        let text = DefinitionFixture.designExample.replacingOccurrences(
            of: "name = \"aiohttp\"\n", with: "name = \"aiohttp\"\nhost = \"local\"\n")
        let failure = try error(text)
        #expect(failure.message == "unknown key")
        #expect(failure.hint?.contains("[upstream], [app] or [load]") == true)
    }

    @Test(arguments: [
        ("0", [0], "0"), ("0-3", [0, 1, 2, 3], "0-3"), ("3,0-1", [0, 1, 3], "0-1,3"), (" 2 , 4-5 ", [2, 4, 5], "2,4-5"),
    ])
    func cpuLists(text: String, cpus: [Int], written: String) throws {
        let set = try #require(CPUSet(list: text))
        #expect(set.cpus == cpus && set.description == written)
    }

    @Test func cpuSetsContainAndOverlap() {
        #expect(CPUSet([0]).isSubset(of: CPUSet([0, 1])) && !CPUSet([2]).isSubset(of: CPUSet([0, 1])))
        #expect(CPUSet([0, 1]).overlaps(CPUSet([1])) && !CPUSet([0]).overlaps(CPUSet([1])))
        #expect(CPUSet(list: "") == nil && CPUSet(list: "1,,2") == nil && CPUSet(list: "5000") == nil)
    }

    @Test("a pinned command runs under taskset with the same program and arguments")
    func pinnedCommand() {
        let command = Command(executable: "nginx", arguments: ["-p", "/tmp/x"], environment: ["PATH": "/usr/bin"])
        #expect(command.pinned(to: nil) == command)
        let pinned = command.pinned(to: CPUSet([1, 2, 3]))
        #expect(pinned.executable == "taskset" && pinned.arguments == ["-c", "1-3", "nginx", "-p", "/tmp/x"])
        #expect(pinned.commandLine == "taskset -c 1-3 nginx -p /tmp/x")
    }

    @Test("a remote host's facts, as its probe script prints them")
    func hostFacts() throws {
        let text = """
            folder=/home/bench/.cache/reportgen-remote
            model=AMD EPYC 7B13
            cores=2
            memory=24000000
            kernel=6.1.0-18-amd64 x86_64
            hostname=client
            os=Debian GNU/Linux 12 (bookworm)
            governor=
            cpus=0-1
            uid=1000
            tck=100
            page=4096
            boot=4f1c
            tool=nginx
            tool=rsync
            echo=/usr/lib/nginx/modules/ngx_http_echo_module.so
            """
        let facts = try #require(HostFacts.parse(text))
        #expect(facts.machine.cpuModel == "AMD EPYC 7B13" && facts.machine.cpuCores == 2)
        #expect(facts.machine.memoryBytes == 24_000_000 * 1024 && facts.machine.cpuGovernor == nil)
        #expect(facts.machine.fingerprint == MachineProbe.fingerprint(model: "AMD EPYC 7B13", cores: 2, memory: 24_000_000 * 1024, kernel: "6.1.0-18-amd64 x86_64"))
        #expect(facts.allowedCPUs == CPUSet([0, 1]) && facts.uid == 1000 && facts.tools == ["nginx", "rsync"])
        #expect(facts.echoModule?.hasSuffix("ngx_http_echo_module.so") == true)
        #expect(HostFacts.parse("folder=/x\n") == nil)
        #expect(HostFacts.parseAffinity("Name:\tx\nCpus_allowed_list:\t0-1,3\n") == CPUSet([0, 1, 3]))
    }

    @Test("listening ports from /proc/net/tcp: LISTEN rows only")
    func listeningPorts() {
        let text = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
               1: 0100007F:D431 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 20 4 30 10 -1
               0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1
            """
        #expect(RemoteHost.listeningPorts(procNetTCP: text) == [8080, 22])
    }

    @Test("ping's summary, pid files and a clock probe")
    func remoteReadings() throws {
        let ping = "5 packets transmitted, 5 received, 0% packet loss, time 808ms\nrtt min/avg/max/mdev = 0.041/0.052/0.071/0.010 ms\n"
        #expect(RoundTrip.parse(ping: ping) == RoundTrip(minUs: 41, avgUs: 52))
        #expect(RoundTrip.parse(ping: "ping: connect: Network is unreachable") == nil)

        let entry = try #require(RemoteScripts.PidFileEntry(line: "/f/state/9-1.pid boot-a 9 1234 4321 9876"))
        #expect(entry.ownerPID == 9 && entry.ownerStart == 1234 && entry.identity == RemoteIdentity(pid: 4321, startTicks: 9876))
        #expect(RemoteScripts.PidFileEntry(line: "/f/state/9-1.pid boot-a 9") == nil)

        #expect(RemoteProcess.identity(inLog: "reportgen-started 4321 9876\nssh: closed\n") == RemoteIdentity(pid: 4321, startTicks: 9876))
        #expect(RemoteProcess.identity(inLog: "Connection refused\n") == nil)

        let offset = ClockOffset.estimate(before: 1_000, remote: 5_500, after: 2_000)
        #expect(offset == ClockOffset(offsetUs: 4_000, roundTripUs: 1_000))
    }

    /// Stat lines as a remote host's sampling loop sends them: the group 4321 leads (its
    /// leader started at tick 9876), a worker whose name has spaces and parentheses, a
    /// zombie, an older process in a reused group, and someone else's.
    static let statLines = [
        "4321 (sh) S 1 4321 4321 0 -1 4194560 10 0 0 0 7 3 0 0 20 0 1 0 9876 1000000 100 18446744073709551615",
        "4400 (gunicorn: w (1)) S 4321 4321 4321 0 -1 0 0 0 0 0 10 4 0 0 20 0 1 0 9900 1 2048 0",
        "4500 (z) Z 4321 4321 4321 0 -1 0 0 0 0 0 50 50 0 0 20 0 1 0 9950 0 0 0",
        "4322 (old) S 1 4321 4321 0 -1 0 0 0 0 0 90 90 0 0 20 0 1 0 100 1 90 0",
        "5000 (x) S 1 5000 5000 0 -1 0 0 0 0 0 99 99 0 0 20 0 1 0 10 1 99 0",
    ]

    @Test("the sampling loop's readings: stat lines closed by '@', summed per group by the parser that reads this machine's /proc")
    func samplingReadings() throws {
        let feed = RemoteUsageFeed(sessionsFile: "/nowhere")
        #expect(feed.latest() == nil)
        for line in Self.statLines { #expect(feed.take(line[...]), "a stat line is the feed's, not the log's") }
        #expect(feed.latest() == nil, "a reading counts once it is closed")
        #expect(feed.take("@"))
        #expect(!feed.take("ssh: connection closed"), "what ssh says goes to the log")
        let processes = try #require(feed.latest())
        #expect(processes.count == 5)
        let usage = RemoteProcess.usage(of: RemoteIdentity(pid: 4321, startTicks: 9876), in: processes)
        #expect(usage == ProcessUsage(userTicks: 17, systemTicks: 7, rssPages: 2148), "the live members of the group, started since its leader")
        #expect(RemoteProcess.usage(of: RemoteIdentity(pid: 7, startTicks: 0), in: processes) == nil)
        #expect(usage?.reading(ticksPerSecond: 100, pageSize: 4096) == UsageReading(userMs: 170, systemMs: 70, rssBytes: 2148 * 4096))

        let own = try String(contentsOfFile: "/proc/self/stat", encoding: .utf8)
        let parsed = try #require(ProcessStat(line: own[...]))
        #expect(parsed.pid == Int(getpid()) && parsed.group == Int(getpgrp()))
        #expect(parsed.startTicks == ProcessIdentity(pid: getpid())?.startTicks)
    }

    @Test("stale pid files: a dead reportgen's groups are stopped by their live members since each leader; a live owner's are left")
    func staleGroups() throws {
        let dead = "9999999 1"
        let live = "\(getpid()) \(ProcessIdentity(pid: getpid())?.startTicks ?? 0)"
        let listing = ["/h/state/a.pid boot-a \(dead) 4321 9876", "/h/state/b.pid boot-a \(dead) 6000 1", "/h/state/c.pid boot-a \(live) 5000 1",
                       "/h/state/d.pid boot-b \(dead) 5000 1", "@"] + Self.statLines
        let stale = RemoteHost.stale(in: listing.joined(separator: "\n"), bootID: "boot-a")
        #expect(stale.files == ["/h/state/a.pid", "/h/state/b.pid"], "another boot's and a running reportgen's are not stale")
        #expect(stale.pids == [4321, 4400] && stale.groups == 1)
        #expect(RemoteHost.stale(in: "@\n", bootID: "boot-a").files.isEmpty)
    }

    @Test("what a host's roles need comes from the one table, in its order; a host names what it lacks and how to install it there; CPUs it lacks are a located error")
    func hostChecks() throws {
        let definition = try load(toml(
            upstream: "host = \"server\"\n", app: "host = \"server\"\ncpus = \"1\"\n", load: "host = \"client\"\n"))
        var facts = LocalHost.machineFacts
        facts.tools = ["nginx", "python3", "awk"]
        let server = try #require(definition.placement.host(named: "server"))
        let missing = facts.lacking(Requirement.needed(by: [.upstream, .app], on: server, definition: definition))
        #expect(missing.map(\.name) == ["taskset", "rsync", "setsid"])
        let error = RemoteHost.lacking(missing, host: server, roles: [.upstream, .app])
        #expect(error.code == .missingDependency && error.code.rawValue == 69)
        #expect(error.message == "host \"server\" lacks taskset, rsync, setsid, which its roles (upstream, app server) need")
        #expect(error.hint == "install it there: ssh bench@10.0.0.2 sudo apt-get install -y util-linux rsync")
        let client = try #require(definition.placement.host(named: "client"))
        let lacking = facts.lacking(Requirement.needed(by: [.loadgen], on: client, definition: definition)).map(\.name)
        #expect(lacking == ["wrk", "rsync", "setsid", "ping"])
        let here = Requirement.needed(by: [], on: .local, definition: definition).map(\.name)
        #expect(here == ["ssh", "rsync"], "this machine drives the others")

        facts.allowedCPUs = CPUSet([0])
        facts.tools.insert("taskset")
        let pinned = try load(toml(app: "cpus = \"1\"\n", extra: ""))
        let failure = try #require(throws: ReportgenError.self) {
            try LocalHost(facts: facts).check(roles: [.app], definition: pinned)
        }
        #expect(failure.code == .badDefinition && failure.location?.keyPath == "app.cpus")
        #expect(failure.message == "cpus = \"1\" names CPUs that this machine does not offer: it has 0")
        facts.tools.remove("taskset")
        let lacks = try #require(throws: ReportgenError.self) {
            try LocalHost(facts: facts).check(roles: [.app], definition: pinned)
        }
        #expect(lacks.code == .missingDependency && lacks.message == "missing: taskset (pinning a role to CPUs (cpus = \"…\"))")
    }

    @Test("the launch wrapper starts a session with a pid file, runs the command with exactly its environment, and removes the pid file when it ends")
    func launchScriptRunsLocally() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-launch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let pidFile = folder.appendingPathComponent("x.pid")
        let command = Command(
            executable: "sh",
            arguments: ["-c", "echo \"$GREETING from $(pwd)\"; cat '\(pidFile.path)'; echo \"session $(cut -d' ' -f6 /proc/$$/stat)\"; env | sort; exit 7"],
            environment: ["GREETING": "it's me", "PATH": "/usr/bin:/bin", "HOME": "/not/used"], workingDirectory: folder)
        let script = RemoteScripts.launch(
            command, folder: folder.path, log: folder.appendingPathComponent("logs/out.log").path,
            pidFile: pidFile.path, sessions: folder.appendingPathComponent("sessions").path, owner: "boot 1 2")
        let output = try CommandOutput.run("sh", ["-c", script])
        #expect(output.status == .exited(7), "the command's status is the wrapper's")
        let identity = try #require(RemoteProcess.identity(inLog: output.text))
        let log = try String(contentsOf: folder.appendingPathComponent("logs/out.log"), encoding: .utf8)
        #expect(log.hasPrefix("it's me from \(folder.path)\nboot 1 2\t\(identity.pid)\t\(identity.startTicks)\nsession \(identity.pid)\n"), "\(log)")
        #expect(!log.contains("/not/used") && log.contains("GREETING=it's me"))
        #expect(!FileManager.default.fileExists(atPath: pidFile.path), "a command that ended by itself leaves no pid file")
        #expect(try String(contentsOf: folder.appendingPathComponent("sessions"), encoding: .utf8) == "\(identity.pid)\n")
    }
    @Test("run here, the sampling loop's sh picks a group's stat lines that the parser sums as it reads this machine's /proc, and the stop's sh signals the whole group")
    func remoteScriptsRunLocally() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-scripts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let group = try ChildProcess(
            executable: "sh", arguments: ["-c", "sleep 60 & sleep 60 & wait"], environment: ["PATH": "/usr/bin:/bin"],
            logFile: folder.appendingPathComponent("group.log"))
        defer { group.stopBlocking(grace: .zero) }
        let leader = try #require(ProcessIdentity(pid: group.pid))
        let sessions = folder.appendingPathComponent("sessions")
        try "99999999\n\(group.pid)\n".write(to: sessions, atomically: true, encoding: .utf8)
        let members = { ProcessTable.members(ofGroup: group.pid, since: leader.startTicks) }
        #expect(await eventually(within: .seconds(5)) { members().count == 3 }, "sh and its two sleeps")

        let reading = try await CommandOutput.run("sh", ["-c", RemoteScripts.usageReading(sessions: sessions.path)])
        let feed = RemoteUsageFeed(sessionsFile: sessions.path)
        for line in reading.text.split(separator: "\n") { #expect(feed.take(line), "\(line)") }
        let processes = try #require(feed.latest())
        #expect(Set(processes.map(\.pid)) == Set(members().map { Int($0.pid) }), "exactly the group's processes: \(reading.text)")
        let remote = RemoteProcess.usage(of: RemoteIdentity(pid: Int(group.pid), startTicks: leader.startTicks), in: processes)
        #expect(remote?.rssPages == ProcessTable.treeUsage(group.pid)?.rssPages, "the same sum as the tree read here")

        let pidFile = folder.appendingPathComponent("x.pid")
        try "x".write(to: pidFile, atomically: true, encoding: .utf8)
        let stop = try await CommandOutput.run("sh", ["-c", RemoteScripts.signal(group: Int(group.pid), SIGKILL, removing: pidFile.path)])
        #expect(stop.status == .exited(0))
        #expect(group.waitBlocking(timeout: .seconds(5)) == .signalled(SIGKILL))
        #expect(await eventually(within: .seconds(5)) { members().isEmpty }, "no member of the group is left")
        #expect(!FileManager.default.fileExists(atPath: pidFile.path))
        #expect(try await CommandOutput.run("sh", ["-c", RemoteScripts.signal(group: Int(group.pid), SIGKILL)]).status == .exited(0), "a group that is gone is no error")
    }
}
