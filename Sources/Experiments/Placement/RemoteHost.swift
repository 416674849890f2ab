import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A host reached over OpenSSH. Opening it connects (one master connection), reads what
/// the machine is, stops what an earlier reportgen that was killed left running there, and
/// copies the experiment into a folder for this run; closing it stops the sampling loop,
/// removes the folder and closes the connection.
///
/// Every process starts in a session of its own (`setsid`) from a small shell wrapper that
/// writes a pid file (pid, start time, and which reportgen started it) before it runs the
/// command, so it can be stopped as a whole, and found again if reportgen dies.
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

    /// Connects to `definition`'s host and prepares this run's folder there; on failure
    /// nothing is left running on it.
    public static func open(
        _ definition: HostDefinition, experiment: URL, upstreamRoot: URL?, localFolder: URL
    ) async throws -> RemoteHost {
        guard let destination = definition.ssh else { preconditionFailure("a remote host needs an ssh destination") }
        let connection = SSHConnection(destination: destination, hostName: definition.name, logFolder: localFolder)
        try await connection.open()
        do {
            let text = try connection.check(HostFacts.probeScript(folder: definition.folder), what: "reading what the machine is")
            guard let facts = HostFacts.parse(text) else {
                throw ReportgenError(
                    .processFailed, "host \(definition.name.quoted) did not describe itself",
                    hint: "reportgen needs a Linux host with a POSIX sh, /proc and getconf", output: text)
            }
            let address = try definition.address ?? resolvedAddress(of: connection)
            let run = URL(fileURLWithPath: facts.folder).appendingPathComponent("runs")
                .appendingPathComponent("reportgen-\(getpid())-\(UUID().uuidString.prefix(8))")
            var extra: [URL: URL] = [:]
            if let upstreamRoot, !upstreamRoot.path.hasPrefix(experiment.path + "/") {
                extra[upstreamRoot] = run.appendingPathComponent("upstream-root")
            }
            let host = RemoteHost(
                definition: definition, connection: connection, facts: facts, address: address, workFolder: run,
                experimentFolder: run.appendingPathComponent("experiment"), localFolder: localFolder,
                localExperiment: experiment, extraRoots: extra)
            return host
        } catch {
            await connection.close()
            throw error
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
        usage = RemoteUsageFeed(
            connection: connection, sessionsFile: workFolder.appendingPathComponent("sessions").path,
            ticksPerSecond: facts.ticksPerSecond, pageSize: facts.pageSize)
        usage.host = self
    }

    /// The host name `ssh -G` resolves the destination to (what ~/.ssh/config says).
    static func resolvedAddress(of connection: SSHConnection) throws -> String {
        let output = try CommandOutput.run(
            "ssh", connection.options(multiplexed: false) + ["-G", connection.destination], limit: .seconds(10))
        for line in output.text.split(separator: "\n") where line.hasPrefix("hostname ") {
            return String(line.dropFirst("hostname ".count))
        }
        throw ReportgenError(
            .badDefinition, "cannot tell the address of host \(connection.hostName.quoted) from ssh -G",
            hint: "add address = \"…\" under [hosts.\(connection.hostName)]", output: output.text)
    }

    /// Copies the experiment (and an upstream root outside it) into this run's folder.
    public func upload() throws {
        try connection.upload(
            folder: localExperiment, to: experimentFolder.path,
            excluding: ["/baseline/", "/output/", ".git/", "__pycache__/", "*.pyc"])
        for (local, remote) in extraRoots { try connection.upload(folder: local, to: remote.path) }
    }

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

    /// Ports in use on the host, from /proc/net/tcp and tcp6: those in LISTEN state.
    private func listeningPorts() throws -> Set<Int> {
        let text = try connection.check("cat /proc/net/tcp /proc/net/tcp6 2>/dev/null; true", what: "listing ports")
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

    public func freePort() throws -> Int {
        let taken = try listeningPorts()
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

    public func isListening(port: Int) -> Bool {
        // A port `freePort` found free a moment ago needs no second look.
        if let (free, at) = justFree.withLock({ $0 }), free == port, ContinuousClock.now - at < .seconds(2) { return false }
        return (try? listeningPorts().contains(port)) ?? false
    }

    public func start(_ command: Command, logFile: URL, cpus: CPUSet?) throws -> any RoleProcess {
        try launch(command.pinned(to: cpus), remoteLog: logFile.path, localName: logFile.lastPathComponent)
    }

    /// Starts `command` with its output coming back over ssh into the local log (the
    /// sampling loop), in a session with a pid file like any role.
    func startStreaming(_ command: Command, localName: String) throws -> RemoteProcess {
        try launch(command, remoteLog: nil, localName: localName)
    }

    private func launch(_ command: Command, remoteLog: String?, localName: String) throws -> RemoteProcess {
        let number = counter.withLock { value -> Int in
            value += 1
            return value
        }
        let pidFile = "\(facts.folder)/state/\(getpid())-\(number).pid"
        let script = RemoteScripts.launch(
            command, folder: (command.workingDirectory ?? workFolder).path, log: remoteLog, pidFile: pidFile,
            sessions: usage.sessionsFile, owner: RemoteScripts.owner(bootID: LocalHost.machineFacts.bootID))
        try FileManager.default.createDirectory(at: localFolder, withIntermediateDirectories: true)
        let client = try connection.start(script, logFile: localFolder.appendingPathComponent("ssh-\(name)-\(number)-\(localName)"))
        return RemoteProcess(
            host: self, client: client, commandLine: command.commandLine, remoteLog: remoteLog, pidFile: pidFile)
    }

    public func write(_ text: String, to file: URL) throws {
        let data = Data(text.utf8).base64EncodedString()
        try connection.check(
            "mkdir -p '\(file.deletingLastPathComponent().path)' && echo '\(data)' | base64 -d > '\(file.path)'",
            what: "writing \(file.lastPathComponent)")
    }

    /// One round trip: the file comes back base64-encoded in the command's output.
    public func read(_ file: URL) throws -> Data? {
        let path = shellQuoted(file.path)
        let output = try connection.run("if [ -f \(path) ]; then base64 < \(path); else echo reportgen-no-file; fi")
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

    public func output(_ executable: String, _ arguments: [String], limit: Duration) -> CommandOutput? {
        // Programs in the system folders that a non-login PATH may lack (nginx in /usr/sbin).
        let script = "PATH=\"$PATH:/usr/local/sbin:/usr/sbin:/sbin\" exec " + ([executable] + arguments).map(shellQuoted).joined(separator: " ")
        return try? connection.run(script, limit: limit)
    }

    public func remove(_ files: [URL]) {
        guard !files.isEmpty else { return }
        _ = try? connection.run("rm -f " + files.map { shellQuoted($0.path) }.joined(separator: " "))
    }

    /// Signals the session `identity` leads on the host (all of its processes), if that
    /// process is still the one that was started.
    func signal(_ identity: RemoteIdentity, _ signal: Int32, removing pidFile: String? = nil) {
        _ = try? connection.run(RemoteScripts.stop(identity, signal: signal, pidFile: pidFile), limit: .seconds(15))
    }

    /// Whether any process of the session `identity` leads still runs on the host.
    func isRunning(_ identity: RemoteIdentity) -> Bool {
        guard let output = try? connection.run(RemoteScripts.sessionMembers(identity), limit: .seconds(15)),
            output.status == .exited(0)
        else { return false }
        return output.text.split(separator: "\n").contains { Int($0) != nil }
    }

    /// Stops what reportgens on this machine that are no longer running left on the host,
    /// from their pid files; returns how many sessions it stopped.
    public func stopStale() -> Int {
        let own = LocalHost.machineFacts.bootID
        guard let listing = try? connection.run(RemoteScripts.listPidFiles(folder: facts.folder), limit: .seconds(15)) else { return 0 }
        var stale: [(file: String, identity: RemoteIdentity)] = []
        for line in listing.text.split(separator: "\n") {
            guard let entry = RemoteScripts.PidFileEntry(line: String(line)), entry.ownerBoot == own,
                !ProcessIdentity(pid: entry.ownerPID, startTicks: entry.ownerStart).isRunning
            else { continue }
            stale.append((entry.file, entry.identity))
        }
        guard !stale.isEmpty else { return 0 }
        var stopped = 0
        for entry in stale {
            if isRunning(entry.identity) {
                signal(entry.identity, SIGKILL)
                stopped += 1
            }
        }
        remove(stale.map { URL(fileURLWithPath: $0.file) })
        return stopped
    }

    /// Removes this run's folder and closes the connection.
    public func close() async {
        await usage.stop()
        _ = try? connection.run("rm -rf '\(workFolder.path)'", limit: .seconds(30))
        await connection.close()
    }
}

/// A process on a remote host: its pid there and its start time (so a reused pid is not
/// mistaken for it).
public struct RemoteIdentity: Sendable, Equatable {
    public var pid: Int
    public var startTicks: Int64
}
