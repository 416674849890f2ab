import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A role's process on a remote host. The local ssh client that started it runs as long as
/// it does (so its end, and a lost connection, show at once); stopping it signals its whole
/// session on the host, and then the client.
public final class RemoteProcess: RoleProcess {
    let host: RemoteHost
    let client: ChildProcess
    public let commandLine: String
    /// Where its output goes on the host; nil when it comes back over ssh.
    let remoteLog: String?
    let pidFile: String
    private let identityCache = Mutex<RemoteIdentity?>(nil)

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

    /// How it ended, for a message: ssh's 255 is a lost connection, not the command's status.
    var endDescription: String? {
        guard let status = exitStatus else { return nil }
        return status == .exited(255) ? "lost its ssh connection to host \(host.name.quoted)" : status.description
    }

    public func exit<C: Clock>(within timeout: Duration, clock: C) async -> ExitStatus? where C.Duration == Duration {
        await client.exit(within: timeout, clock: clock)
    }

    /// Its pid and start time on the host, from the wrapper's first line; waits up to
    /// `timeout` for it while the client runs.
    func identity(timeout: Duration = .seconds(10)) -> RemoteIdentity? {
        if let known = identityCache.withLock({ $0 }) { return known }
        let deadline = ContinuousClock.now + timeout
        while true {
            if let found = Self.identity(inLog: client.logTail(bytes: 4096)) {
                identityCache.withLock { $0 = found }
                return found
            }
            if client.exitStatus != nil || ContinuousClock.now >= deadline { return nil }
            usleep(10_000)
        }
    }

    static func identity(inLog text: String) -> RemoteIdentity? {
        for line in text.split(separator: "\n") where line.hasPrefix("reportgen-started ") {
            let words = line.split(separator: " ")
            if words.count == 3, let pid = Int(words[1]), let start = Int64(words[2]) {
                return RemoteIdentity(pid: pid, startTicks: start)
            }
        }
        return nil
    }

    public func stop(grace: Duration, signal: Int32) async -> ExitStatus {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { [self] in
                continuation.resume(returning: stopBlocking(grace: grace, signal: signal))
            }
        }
    }

    private func stopBlocking(grace: Duration, signal: Int32) -> ExitStatus {
        if let identity = identity(timeout: .seconds(client.exitStatus == nil ? 10 : 0)) {
            if grace > .zero && client.exitStatus == nil {
                host.signal(identity, signal)
                _ = client.waitBlocking(timeout: grace)
            }
            // Whatever is left of the session, and the pid file, in one round trip.
            host.signal(identity, SIGKILL, removing: pidFile)
        }
        // The client ends with the session; one that lost its host is stopped here.
        return client.waitBlocking(timeout: .seconds(5)) ?? client.stopBlocking(grace: .zero)
    }

    public func logTail(bytes: Int) -> String {
        guard let remoteLog else { return client.logTail(bytes: bytes) }
        let remote = try? host.connection.run("tail -c \(bytes) \(shellQuoted(remoteLog)) 2>/dev/null; true", limit: .seconds(15))
        let text = remote?.status == .exited(0) ? remote?.text ?? "" : ""
        // What ssh itself said (a lost connection) is in the client's log, after our line.
        let own = client.logTail(bytes: 1000).split(separator: "\n").filter { !$0.hasPrefix("reportgen-started ") }
            .joined(separator: "\n")
        return own.isEmpty ? text : text + (text.isEmpty ? "" : "\n") + "ssh: " + own
    }

    public var usageSource: UsageSource {
        .remote(host.usage, session: { [weak self] in self?.identity(timeout: .zero)?.pid })
    }
}

/// A remote host's CPU and memory readings: one loop per trial on the host that sums each
/// role's session every interval and sends a line over the shared connection, so sampling
/// costs one ssh channel, not one ssh per sample.
public final class RemoteUsageFeed: Sendable {
    let connection: SSHConnection
    let sessionsFile: String
    let ticksPerSecond: Int64
    let pageSize: Int64
    private let loop = Mutex<RemoteProcess?>(nil)
    private let owner = Mutex<RemoteHostReference>(RemoteHostReference())

    init(connection: SSHConnection, sessionsFile: String, ticksPerSecond: Int64, pageSize: Int64) {
        self.connection = connection
        self.sessionsFile = sessionsFile
        self.ticksPerSecond = ticksPerSecond
        self.pageSize = pageSize
    }

    /// The host the loop runs on (set once the host is made; the host owns the feed).
    var host: RemoteHost? {
        get { owner.withLock { $0.host } }
        set { owner.withLock { $0.host = newValue } }
    }

    /// Starts the loop if it is not running.
    func start(interval: Duration) {
        let running = loop.withLock { $0.map { $0.exitStatus == nil } ?? false }
        guard !running, let host else { return }
        let command = Command(
            executable: "sh", arguments: ["-c", RemoteScripts.usageLoop(sessions: sessionsFile, interval: interval)],
            environment: ["PATH": ProcessEnvironment.systemPath])
        let process = try? host.startStreaming(command, localName: "usage.log")
        loop.withLock { $0 = process }
    }

    /// Stops the loop, on the host as well.
    func stop() async {
        let process = loop.withLock { state -> RemoteProcess? in
            defer { state = nil }
            return state
        }
        await process?.stop(grace: .zero)
    }

    /// The local file the loop's readings arrive in.
    private var localLog: URL? { loop.withLock { $0?.client.logFile } }

    /// The loop's latest reading; nil before the first.
    func latest() -> [Int: ProcessUsage]? {
        guard let localLog, let handle = try? FileHandle(forReadingFrom: localLog) else { return nil }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 8192 ? size - 8192 : 0)
        let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        // The last complete line: one that the next reading's newline has closed.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 2 else { return nil }
        return Self.parse(String(lines[lines.count - 2]))
    }

    /// "@ 123:10:4:2048 456:…" → usage by session.
    static func parse(_ line: String) -> [Int: ProcessUsage]? {
        guard line.hasPrefix("@") else { return nil }
        var result: [Int: ProcessUsage] = [:]
        for word in line.dropFirst().split(separator: " ") {
            let parts = word.split(separator: ":").compactMap { Int64($0) }
            guard parts.count == 4 else { continue }
            result[Int(parts[0])] = ProcessUsage(userTicks: parts[1], systemTicks: parts[2], rssPages: parts[3])
        }
        return result
    }
}

/// A weak reference to the host that owns a feed: the host holds the feed strongly.
struct RemoteHostReference: @unchecked Sendable {
    // Set once while the host is made, read under the feed's lock.
    weak var host: RemoteHost?
}
