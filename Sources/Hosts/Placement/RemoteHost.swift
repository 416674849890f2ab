import Core
import Definition
import Foundation
import Records
import Supervision
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A host reached over OpenSSH. Opening it connects (one master connection) and reads what
/// the machine is; readying it stops what an earlier reportgen that was killed left running
/// there, copies the experiment into a folder for this run and measures its clock; closing
/// it stops the sampling loop, removes the folder and closes the connection.
///
/// Every process starts in a session of its own (`setsid`) from a small shell wrapper that
/// writes a pid file (pid, start time, and which reportgen started it) before it runs the
/// command, so its process group can be stopped as a whole, and found again if reportgen
/// dies.
public final class RemoteHost: RoleHost {
    public let definition: HostDefinition
    public let connection: SSHConnection
    public let facts: HostFacts
    public let address: String
    public let workFolder: URL
    public let experimentFolder: URL
    /// The local folder where logs of the ssh clients and fetched files go.
    let localFolder: URL
    /// The experiment folder on this machine, and the upstream's root when outside it.
    let localExperiment: URL
    let extraRoots: [URL: URL]
    /// The sampling loop of the trial in progress.
    public let usage: RemoteUsageFeed
    private let counter = Mutex(0)
    private let justFree = Mutex<(Int, ContinuousClock.Instant)?>(nil)

    public var name: String { definition.name }

    /// Connects to `definition`'s host and reads what it is; on failure nothing is left
    /// running on it.
    public static func open(
        _ definition: HostDefinition, experiment: URL, upstreamRoot: URL?, localFolder: URL
    ) async throws -> RemoteHost {
        guard let destination = definition.ssh else { preconditionFailure("a remote host needs an ssh destination") }
        let connection = try SSHConnection(destination: destination, hostName: definition.name, logFolder: localFolder)
        return try await cleaningUpOnFailure({ await connection.close() }) {
            try await connection.open()
            let text = try await connection.check(HostFacts.probeScript(folder: definition.folder), what: "reading what the machine is")
            guard let facts = HostFacts.parse(text) else {
                throw ReportgenError(
                    .processFailed, "host \(definition.name.quoted) did not describe itself",
                    hint: "reportgen needs a Linux host with a POSIX sh, /proc and getconf", output: text)
            }
            let address: String
            if let given = definition.address { address = given } else { address = try await resolvedAddress(of: connection) }
            let run = URL(fileURLWithPath: facts.folder).appendingPathComponent("runs")
                .appendingPathComponent("reportgen-\(getpid())-\(UUID().uuidString.prefix(8))")
            var extra: [URL: URL] = [:]
            if let upstreamRoot, !upstreamRoot.path.hasPrefix(experiment.path + "/") {
                extra[upstreamRoot] = run.appendingPathComponent("upstream-root")
            }
            return RemoteHost(
                definition: definition, connection: connection, facts: facts, address: address, workFolder: run,
                experimentFolder: run.appendingPathComponent("experiment"), localFolder: localFolder,
                localExperiment: experiment, extraRoots: extra)
        }
    }

    private init(
        definition: HostDefinition, connection: SSHConnection, facts: HostFacts, address: String, workFolder: URL,
        experimentFolder: URL, localFolder: URL, localExperiment: URL, extraRoots: [URL: URL]
    ) {
        self.definition = definition
        self.connection = connection
        self.facts = facts
        self.address = address
        self.workFolder = workFolder
        self.experimentFolder = experimentFolder
        self.localFolder = localFolder
        self.localExperiment = localExperiment
        self.extraRoots = extraRoots
        usage = RemoteUsageFeed(sessionsFile: workFolder.appendingPathComponent("sessions").path)
        usage.host = self
    }

    /// The host name `ssh -G` resolves the destination to (what ~/.ssh/config says).
    static func resolvedAddress(of connection: SSHConnection) async throws -> String {
        let output = try await CommandOutput.run(
            "ssh", connection.options(multiplexed: false) + ["-G", connection.destination], limit: .seconds(10))
        for line in output.text.split(separator: "\n") where line.hasPrefix("hostname ") {
            return String(line.dropFirst("hostname ".count))
        }
        throw ReportgenError(
            .badDefinition, "cannot tell the address of host \(connection.hostName.quoted) from ssh -G",
            hint: "add address = \"…\" under [hosts.\(connection.hostName)]", output: output.text)
    }

    public var displayName: String { "host \(name.quoted)" }

    public func whereabouts(quoted: Bool) -> String { " on host " + (quoted ? name.quoted : name) }

    public func hostPath(_ local: URL) -> URL {
        let path = local.standardizedFileURL.path
        if path == localExperiment.path { return experimentFolder }
        if path.hasPrefix(localExperiment.path + "/") {
            return experimentFolder.appendingPathComponent(String(path.dropFirst(localExperiment.path.count + 1)))
        }
        for (root, remote) in extraRoots {
            if path == root.path { return remote }
            if path.hasPrefix(root.path + "/") { return remote.appendingPathComponent(String(path.dropFirst(root.path.count + 1))) }
        }
        return local
    }

    public func missingError(_ missing: [Requirement], roles: [ProcessRole]) -> ReportgenError {
        Self.lacking(missing, host: definition, roles: roles)
    }

    /// The error for a remote host that lacks `missing`: exit 69, with the command that
    /// installs it there.
    static func lacking(_ missing: [Requirement], host: HostDefinition, roles: [ProcessRole]) -> ReportgenError {
        ReportgenError(
            .missingDependency,
            "host \(host.name.quoted) lacks \(missing.map(\.name).joined(separator: ", ")), which its roles (\(roles.map(\.noun).joined(separator: ", "))) need",
            hint: "install it there: ssh \(host.ssh ?? host.name) sudo apt-get install -y \(ToolCheck.distinct(missing.map(\.package)).joined(separator: " "))")
    }

    public func prepare(note: @escaping @Sendable (String) -> Void) async throws -> ClockOffset? {
        let stale = await stopStale()
        if stale > 0 {
            note("host \(name): stopped \(stale) process group(s) left by an earlier reportgen that was killed")
        }
        try await upload()
        let offset = try await clockOffset()
        let machine = facts.machine
        let clock = offset.map { ", clock \($0.formatted)" } ?? ""
        note("host \(name): \(connection.destination) at \(address), \(machine.cpuModel), \(machine.cpuCores) CPUs\(clock)")
        return offset
    }

    /// Copies the experiment (and an upstream root outside it) into this run's folder.
    func upload() async throws {
        try await connection.upload(
            folder: localExperiment, to: experimentFolder.path,
            excluding: ["/baseline/", "/output/", ".git/", "__pycache__/", "*.pyc"])
        for (local, remote) in extraRoots { try await connection.upload(folder: local, to: remote.path) }
    }

    /// NTP-style: five `date` probes over the master connection; the one with the shortest
    /// round trip wins.
    func clockOffset() async throws -> ClockOffset? {
        var best: ClockOffset?
        for _ in 0..<5 {
            let before = ClockOffset.wallMicroseconds()
            let output = try await connection.run("date +%s%N", limit: .seconds(10))
            let after = ClockOffset.wallMicroseconds()
            guard output.status == .exited(0),
                let nanos = Int64(output.text.trimmingCharacters(in: .whitespacesAndNewlines))
            else { continue }
            let probe = ClockOffset.estimate(before: before, remote: nanos / 1000, after: after)
            if best == nil || probe.roundTripUs < best!.roundTripUs { best = probe }
        }
        return best
    }

    /// Stops what reportgens on this machine that are no longer running left on the host,
    /// from their pid files: the members of each one's process group, picked from the
    /// host's stat lines by the rule this machine's registry uses. Returns how many groups
    /// it stopped.
    func stopStale() async -> Int {
        guard let listing = try? await connection.run(RemoteScripts.pidFilesAndProcesses(folder: facts.folder), limit: .seconds(15))
        else { return 0 }
        let stale = Self.stale(in: listing.text, bootID: LocalHost.machineFacts.bootID)
        guard !stale.files.isEmpty else { return 0 }
        _ = try? await connection.run(RemoteScripts.kill(stale.pids, removing: stale.files), limit: .seconds(15))
        return stale.groups
    }

    /// From what `RemoteScripts.pidFilesAndProcesses` printed: the pid files of reportgens
    /// on this machine (boot `bootID`) that no longer run, the live members of their groups,
    /// and how many of those groups still had any.
    static func stale(in listing: String, bootID: String) -> (files: [String], pids: [Int], groups: Int) {
        let lines = listing.split(separator: "\n")
        guard let separator = lines.firstIndex(of: "@") else { return ([], [], 0) }
        let processes = lines[(separator + 1)...].compactMap { ProcessStat(line: $0) }
        var stale: (files: [String], pids: [Int], groups: Int) = ([], [], 0)
        for line in lines[..<separator] {
            guard let entry = RemoteScripts.PidFileEntry(line: String(line)), entry.ownerBoot == bootID,
                !ProcessIdentity(pid: entry.ownerPID, startTicks: entry.ownerStart).isRunning
            else { continue }
            stale.files.append(entry.file)
            let members = processes.filter { $0.isLiveMember(ofGroup: entry.identity.pid, since: entry.identity.startTicks) }
            if !members.isEmpty { stale.groups += 1 }
            stale.pids += members.map(\.pid)
        }
        return stale
    }

    public func reconnect() async throws {
        try await connection.reopenIfNeeded()
    }

    /// Removes this run's folder and closes the connection, even when the caller is cancelled.
    public func close() async {
        await uncancelled { [self] in
            await usage.stop()
            _ = try? await connection.run("rm -rf " + shellQuoted(workFolder.path), limit: .seconds(30))
            await connection.close()
        }
    }

    /// Ports in use on the host, from /proc/net/tcp and tcp6: those in LISTEN state.
    private func listeningPorts() async throws -> Set<Int> {
        let text = try await connection.check("cat /proc/net/tcp /proc/net/tcp6 2>/dev/null; true", what: "listing ports")
        return Self.listeningPorts(procNetTCP: text)
    }

    static func listeningPorts(procNetTCP text: String) -> Set<Int> {
        var ports = Set<Int>()
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            // "sl local_address rem_address st …": state 0A is LISTEN.
            guard fields.count > 3, fields[3] == "0A", let colon = fields[1].lastIndex(of: ":"),
                let port = Int(fields[1][fields[1].index(after: colon)...], radix: 16)
            else { continue }
            ports.insert(port)
        }
        return ports
    }

    public func freePort() async throws -> Int {
        let taken = try await listeningPorts()
        // Below Linux's default ephemeral range, so no outgoing connection holds it.
        for _ in 0..<200 {
            let port = Int.random(in: 20_000..<32_000)
            if !taken.contains(port) {
                justFree.withLock { $0 = (port, ContinuousClock.now) }
                return port
            }
        }
        throw ReportgenError(.processFailed, "no free port found on host \(name.quoted)")
    }

    public func isListening(port: Int) async -> Bool {
        // A port `freePort` found free a moment ago needs no second look.
        if let (free, at) = justFree.withLock({ $0 }), free == port, ContinuousClock.now - at < .seconds(2) { return false }
        return (try? await listeningPorts().contains(port)) ?? false
    }

    public func start(_ command: Command, logFile: URL, cpus: CPUSet?) throws -> any RoleProcess {
        try launch(command.pinned(to: cpus), remoteLog: logFile.path, localName: logFile.lastPathComponent)
    }

    /// Starts `command` with its output coming back over ssh, line by line to `consume`
    /// (the sampling loop), in a session with a pid file like any role.
    func startStreaming(_ command: Command, localName: String, consume: @escaping @Sendable (Substring) -> Bool) throws -> RemoteProcess {
        try launch(command, remoteLog: nil, localName: localName, consume: consume)
    }

    private func launch(
        _ command: Command, remoteLog: String?, localName: String, consume: (@Sendable (Substring) -> Bool)? = nil
    ) throws -> RemoteProcess {
        let number = counter.withLock { value -> Int in
            value += 1
            return value
        }
        let pidFile = "\(facts.folder)/state/\(getpid())-\(number).pid"
        let script = RemoteScripts.launch(
            command, folder: (command.workingDirectory ?? workFolder).path, log: remoteLog, pidFile: pidFile,
            sessions: usage.sessionsFile, owner: RemoteScripts.owner(bootID: LocalHost.machineFacts.bootID))
        let log = try PrivateFolder(localFolder, purpose: "the ssh clients' logs").createFile("ssh-\(name)-\(number)-\(localName)")
        let client = try connection.start(
            script, logFile: log,
            output: OutputLines(marker: RemoteProcess.startedMarker, consume: consume))
        return RemoteProcess(
            host: self, client: client, commandLine: command.commandLine, remoteLog: remoteLog, pidFile: pidFile)
    }

    public func write(_ text: String, to file: URL) async throws {
        let data = Data(text.utf8).base64EncodedString()
        try await connection.check(
            "mkdir -p \(shellQuoted(file.deletingLastPathComponent().path)) && echo \(shellQuoted(data)) | base64 -d > \(shellQuoted(file.path))",
            what: "writing \(file.lastPathComponent)")
    }

    /// One round trip: the file comes back base64-encoded in the command's output.
    public func read(_ file: URL) async throws -> Data? {
        let path = shellQuoted(file.path)
        let output = try await connection.run("if [ -f \(path) ]; then base64 < \(path); else echo reportgen-no-file; fi")
        guard output.status == .exited(0) else {
            throw ReportgenError(.processFailed, "cannot read \(file.path) on host \(name.quoted)", output: output.text)
        }
        if output.text.hasPrefix("reportgen-no-file") { return nil }
        guard let data = Data(base64Encoded: output.text, options: .ignoreUnknownCharacters) else {
            throw ReportgenError(
                .processFailed, "\(file.path) on host \(name.quoted) came back garbled", output: String(output.text.prefix(500)))
        }
        return data
    }

    public func remove(_ files: [URL]) async {
        guard !files.isEmpty else { return }
        _ = try? await connection.run("rm -rf " + files.map { shellQuoted($0.path) }.joined(separator: " "))
    }

    public func run(_ executable: String, _ arguments: [String], limit: Duration) async throws -> CommandOutput {
        // Programs in the system folders that a non-login PATH may lack (nginx in /usr/sbin).
        let script = "PATH=\"$PATH:/usr/local/sbin:/usr/sbin:/sbin\" exec " + ([executable] + arguments).map(shellQuoted).joined(separator: " ")
        return try await connection.run(script, limit: limit)
    }

    public func roundTrip(to address: String) async throws -> RoundTrip? {
        RoundTrip.parse(ping: try await run("ping", RoundTrip.pingArguments(address), limit: .seconds(20)).text)
    }

    public func pythonPlace(cache: URL) -> PythonPlace {
        PythonPlace(
            interpreter: definition.python, venvs: URL(fileURLWithPath: facts.folder).appendingPathComponent("venvs"),
            installHint: "install Python there: ssh \(definition.ssh ?? name) sudo apt-get install -y python3 python3-venv python3-dev, or set python = \"…\" under [hosts.\(name)]",
            pipArguments: ["--retries", "0", "--timeout", "15"],
            fallback: { [self] in try await copyLocalPython($0) })
    }

    /// With no package registry from the host: this machine's environment for the same lock
    /// and interpreter (built here first when needed) is copied over and its scripts pointed
    /// at their new folder.
    private func copyLocalPython(_ failed: PythonFallback) async throws -> PythonEnvironment {
        let folder = failed.environment.folder
        let marker = folder.appendingPathComponent(PythonEnvironment.markerName).path
        let executable = String(failed.version.split(separator: " ").last ?? "")
        let here = LocalHost()
        var local = here.pythonPlace(cache: failed.cache).venvs.appendingPathComponent(failed.key)
        if !FileManager.default.fileExists(atPath: local.appendingPathComponent(PythonEnvironment.markerName).path) {
            let hint = here.pythonPlace(cache: failed.cache).installHint
            guard let version = try? await PythonEnvironment.interpreterVersion(executable, on: here, hint: hint),
                version == failed.version
            else {
                throw ReportgenError(
                    .missingDependency,
                    "host \(name.quoted) could not install \(failed.lock.lastPathComponent) (no package registry from there?), and this machine has no \(failed.version) to build it with",
                    hint: "let the host reach PyPI, or install the same Python here",
                    output: failed.failure.output)
            }
            failed.log("host \(name) reaches no package registry: building the environment here to copy it over")
            local = try await PythonEnvironment.prepare(
                lock: failed.lock, interpreter: executable, on: here, cache: failed.cache, log: failed.log).folder
        } else {
            failed.log("host \(name) reaches no package registry: copying this machine's environment for the same lock")
        }
        try await connection.upload(folder: local, to: folder.path, excluding: ["/" + PythonEnvironment.markerName])
        // Scripts name their interpreter by absolute path: point them at the new folder.
        let relocate = RemoteScripts.relocate(venv: folder.path, from: local.path, python: definition.python, marker: marker)
        try await connection.check(relocate, what: "moving the Python environment into place")
        return PythonEnvironment(folder: folder)
    }
}

/// A process on a remote host: its pid there and its start time (so a reused pid is not
/// mistaken for it).
public struct RemoteIdentity: Sendable, Equatable {
    public var pid: Int
    public var startTicks: Int64
}
