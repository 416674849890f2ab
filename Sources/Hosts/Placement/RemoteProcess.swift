import Core
import Foundation
import Supervision
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A role's process on a remote host. The local ssh client that started it runs as long as
/// it does (so its end, and a lost connection, show at once) and hands on the line in which
/// the wrapper names the process group it leads there; stopping it stops that group the way
/// this machine stops its own (`StoppableGroup`), and then the client.
public final class RemoteProcess: RoleProcess {
    let host: RemoteHost
    let client: ChildProcess
    public let commandLine: String
    /// Where its output goes on the host; nil when it comes back over ssh.
    let remoteLog: String?
    let pidFile: String

    /// The line the launch wrapper prints once the command's group exists.
    static let startedMarker = "reportgen-started "

    init(host: RemoteHost, client: ChildProcess, commandLine: String, remoteLog: String?, pidFile: String) {
        self.host = host
        self.client = client
        self.commandLine = commandLine
        self.remoteLog = remoteLog
        self.pidFile = pidFile
    }

    public var pid: pid_t { client.pid }

    /// How it ended: the remote command's status as ssh reports it (255: the connection
    /// was lost).
    public var exitStatus: ExitStatus? { client.exitStatus }

    /// ssh's 255 is a lost connection, not the command's status.
    public var endDescription: String? {
        guard let status = exitStatus else { return nil }
        return status == .exited(255) ? "lost its ssh connection to host \(host.name.quoted)" : status.description
    }

    /// What the command used is the host's to know; the ssh client's own would mislead.
    public var usage: ChildUsage? { nil }

    public func exit<C: Clock>(within timeout: Duration, clock: C) async -> ExitStatus? where C.Duration == Duration {
        await client.exit(within: timeout, clock: clock)
    }

    /// Its pid and start time on the host, once the wrapper's line has come.
    var identity: RemoteIdentity? {
        client.output?.markedLine.flatMap(Self.identity(inLog:))
    }


    static func identity(inLog text: String) -> RemoteIdentity? {
        for line in text.split(separator: "\n") where line.hasPrefix(startedMarker) {
            let words = line.split(separator: " ")
            if words.count == 3, let pid = Int(words[1]), let start = Int64(words[2]) {
                return RemoteIdentity(pid: pid, startTicks: start)
            }
        }
        return nil
    }

    public func stop(grace: Duration, signal: Int32) async -> ExitStatus {
        await onOwnThread { [self] in
            // The wrapper's line comes within milliseconds of the start; a client that
            // ended without it started nothing there.
            let line = client.output?.markedBlocking(within: .seconds(client.exitStatus == nil ? 10 : 0))
            guard let identity = line.flatMap(Self.identity(inLog:)) else {
                // Nothing to signal there: the client ends on its own, or one that lost its host is stopped.
                return client.waitBlocking(timeout: .seconds(5)) ?? client.stopBlocking(grace: .zero)
            }
            return RemoteGroup(process: self, leader: identity).stop(grace: grace, signal: signal)
        }
    }

    public func logTail(bytes: Int) async -> String {
        guard let remoteLog else { return client.logTail(bytes: bytes) }
        let remote = try? await host.connection.run("tail -c \(bytes) \(shellQuoted(remoteLog)) 2>/dev/null; true", limit: .seconds(15))
        let text = remote?.status == .exited(0) ? remote?.text ?? "" : ""
        // What ssh itself said (a lost connection) is in the client's log, after our line.
        let own = client.logTail(bytes: 1000).split(separator: "\n").filter { !$0.hasPrefix(Self.startedMarker) }
            .joined(separator: "\n")
        return own.isEmpty ? text : text + (text.isEmpty ? "" : "\n") + "ssh: " + own
    }

    public var usageFeed: any UsageFeed { host.usage }

    public func sample() -> UsageReading? {
        guard let identity, let processes = host.usage.latest() else { return nil }
        return Self.usage(of: identity, in: processes)?.reading(
            ticksPerSecond: host.facts.ticksPerSecond, pageSize: host.facts.pageSize)
    }

    /// The summed usage of the group `identity` leads, of the processes of a reading.
    static func usage(of identity: RemoteIdentity, in processes: [ProcessStat]) -> ProcessUsage? {
        ProcessUsage.total(processes.filter { $0.isLiveMember(ofGroup: identity.pid, since: identity.startTicks) }.map(\.usage))
    }
}

/// The process group a remote process leads on its host, for `StoppableGroup`: signals go
/// to the group with the host's `kill`, and the leader's end is the ssh client's.
private struct RemoteGroup: StoppableGroup {
    let process: RemoteProcess
    let leader: RemoteIdentity

    var leaderStatus: ExitStatus? { process.client.exitStatus }

    func waitForLeader(timeout: Duration) -> ExitStatus? {
        process.client.waitBlocking(timeout: timeout)
    }

    func signalGroup(_ signal: Int32) {
        _ = try? process.host.connection.runBlocking(RemoteScripts.signal(group: leader.pid, signal), limit: .seconds(15))
    }

    func killRest() {
        // Whatever is left of the group, and the pid file, in one round trip.
        _ = try? process.host.connection.runBlocking(
            RemoteScripts.signal(group: leader.pid, SIGKILL, removing: process.pidFile), limit: .seconds(15))
        // The client ends with the group; one that lost its host is stopped here.
        if process.client.waitBlocking(timeout: .seconds(5)) == nil { process.client.stopBlocking(grace: .zero) }
    }
}

/// A remote host's CPU and memory readings: one loop per trial on the host that sends the
/// stat lines of the roles' processes every interval over the shared connection, so
/// sampling costs one ssh channel, not one ssh per sample. Each reading is parsed as it
/// arrives by the parser that reads this machine's /proc.
public final class RemoteUsageFeed: UsageFeed {
    let sessionsFile: String
    private let loop = Mutex<RemoteProcess?>(nil)
    private let owner = Mutex<RemoteHostReference>(RemoteHostReference())
    /// The lines of the reading in progress, and the latest complete one.
    private let readings = Mutex<(pending: [ProcessStat], latest: [ProcessStat]?)>(([], nil))

    init(sessionsFile: String) {
        self.sessionsFile = sessionsFile
    }

    /// The host the loop runs on (set once the host is made; the host owns the feed).
    var host: RemoteHost? {
        get { owner.withLock { $0.host } }
        set { owner.withLock { $0.host = newValue } }
    }

    public func start(interval: Duration) {
        let running = loop.withLock { $0.map { $0.exitStatus == nil } ?? false }
        guard !running, let host else { return }
        readings.withLock { $0 = ([], nil) }
        let command = Command(
            executable: "sh", arguments: ["-c", RemoteScripts.usageLoop(sessions: sessionsFile, interval: interval)],
            environment: ["PATH": ProcessEnvironment.systemPath])
        let process = try? host.startStreaming(command, localName: "usage.log") { [weak self] line in
            self?.take(line) ?? false
        }
        loop.withLock { $0 = process }
    }

    public func stop() async {
        let process = loop.withLock { state -> RemoteProcess? in
            defer { state = nil }
            return state
        }
        await process?.stop(grace: .zero)
    }

    /// The processes of the loop's latest complete reading; nil before the first.
    func latest() -> [ProcessStat]? {
        readings.withLock { $0.latest }
    }

    /// Takes one line of the loop's output: a stat line joins the reading in progress, "@"
    /// closes it. Anything else (what ssh says) is left for the log.
    func take(_ line: Substring) -> Bool {
        if line == "@" {
            readings.withLock { $0 = ([], $0.pending) }
            return true
        }
        guard let process = ProcessStat(line: line) else { return false }
        readings.withLock { $0.pending.append(process) }
        return true
    }
}

/// A weak reference to the host that owns a feed: the host holds the feed strongly.
struct RemoteHostReference: @unchecked Sendable {
    // Set once while the host is made, read under the feed's lock.
    weak var host: RemoteHost?
}
