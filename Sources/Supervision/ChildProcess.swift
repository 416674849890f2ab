import CSpawn
import Core
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended.
public enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signalled(Int32)

    init(waitStatus status: Int32) {
        let signal = status & 0x7f
        if signal == 0 {
            self = .exited((status >> 8) & 0xff)
        } else {
            self = .signalled(signal)
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): return "exited with status \(code)"
        case .signalled(let signal): return "killed by signal \(signal)"
        }
    }
}

/// CPU time and peak memory of a finished child, from wait4.
public struct ChildUsage: Sendable, Equatable {
    public var userUs: Int64
    public var systemUs: Int64
    /// The largest resident set of the process (or of a waited-for child), in bytes.
    public var maxRSSBytes: Int64

    package init(userUs: Int64, systemUs: Int64, maxRSSBytes: Int64) {
        (self.userUs, self.systemUs, self.maxRSSBytes) = (userUs, systemUs, maxRSSBytes)
    }
}

/// A process reportgen started, leading its own process group, with its output in a log
/// file. Whoever starts one owns it: `stop()` runs on every path out, and `deinit` is the
/// last safety net.
///
/// A thread of its own waits for the process (blocked in wait4, not polling) and records
/// how it ended, so `exitStatus` is a read and `exit()` an await.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    public let arguments: [String]
    public let logFile: URL
    /// Its output line by line, when it was started with a reader.
    public let output: OutputLines?
    private let end: ProcessEnd

    public convenience init(_ command: Command, logFile: URL) throws {
        try self.init(
            executable: command.executable, arguments: command.arguments, environment: command.environment,
            workingDirectory: command.workingDirectory, logFile: logFile)
    }

    /// Starts `executable` with `arguments` (without argv[0]); stdout and stderr go to
    /// `logFile`, or, with `output`, through a pipe that `output` reads line by line.
    public init(
        executable: String, arguments: [String], environment: [String: String],
        workingDirectory: URL? = nil, logFile: URL, output: OutputLines? = nil
    ) throws {
        guard let path = ChildProcess.resolve(executable, path: environment["PATH"]) else {
            throw ReportgenError(
                .missingDependency, "cannot find '\(executable)' on PATH",
                hint: "run 'reportgen doctor' to see what is missing and how to install it")
        }
        var ends: [Int32] = [-1, -1]
        if output != nil {
            guard pipe(&ends) == 0 else {
                throw ReportgenError(.io, "cannot make a pipe for \(executable): \(String(cString: strerror(errno)))")
            }
            // The spawner marks every other descriptor close-on-exec in the child as well.
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        } else {
            ends[1] = open(logFile.path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard ends[1] >= 0 else {
                throw ReportgenError(.io, "cannot open log file \(logFile.path): \(String(cString: strerror(errno)))")
            }
        }
        let fd = ends[1]
        // Only the child keeps the write end: the pipe closes when the child's side does.
        defer { close(fd) }
        let argv = [path] + arguments
        let envp = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let folder = workingDirectory?.path
        let (pid, spawnError) = Spawner.shared.spawn {
            var error: Int32 = 0
            let pid = withCStrings(argv) { argvPointer in
                withCStrings(envp) { envPointer in
                    cspawn(path, argvPointer, envPointer, folder, fd, 1, SIGKILL, &error)
                }
            }
            return (pid, error)
        }
        guard pid > 0 else {
            if ends[0] >= 0 { close(ends[0]) }
            throw ReportgenError(
                .processFailed, "cannot start \(executable): \(String(cString: strerror(spawnError)))",
                output: ChildProcess.commandLine(argv))
        }
        self.pid = pid
        self.arguments = argv
        self.logFile = logFile
        self.output = output
        end = ProcessEnd(pid: pid)
        ChildRegistry.shared.add(pid)
        end.watch()
        output?.follow(ends[0], logFile: logFile, name: "reportgen-output-\(pid)")
    }

    deinit {
        if exitStatus == nil { stopBlocking(grace: .milliseconds(500)) }
    }

    /// The exact command line, shell-quoted, as stored with results.
    public var commandLine: String { ChildProcess.commandLine(arguments) }

    /// How the process ended, or nil while it runs.
    public var exitStatus: ExitStatus? { end.ended.value?.status }

    /// What the process used, once it has ended (with the children it waited for).
    public var usage: ChildUsage? { end.ended.value?.usage }

    /// Waits for the process to end; nil when the waiting task is cancelled first.
    public func exit() async -> ExitStatus? {
        await end.ended.wait()?.status
    }

    /// Waits up to `timeout` on `clock`; nil when the process still runs then, or the
    /// waiting task is cancelled.
    public func exit<C: Clock>(within timeout: Duration, clock: C) async -> ExitStatus? where C.Duration == Duration {
        await end.ended.wait(within: timeout, clock: clock)?.status
    }

    /// Blocks the calling thread up to `timeout` for the process to end; nil if it still runs.
    public func waitBlocking(timeout: Duration) -> ExitStatus? {
        end.ended.waitBlocking(timeout: timeout)?.status
    }

    /// Stops the whole process group: `signal`, up to `grace` to exit, then SIGKILL (at once
    /// for a zero grace), and the descendants that had left the group. Returns once the
    /// leader is reaped and none of them is alive. Cancelling the caller does not cut it
    /// short: what was started is stopped.
    @discardableResult
    public func stop(grace: Duration = .seconds(5), signal: Int32 = SIGTERM) async -> ExitStatus {
        await onOwnThread { [self] in stopBlocking(grace: grace, signal: signal) }
    }

    /// `stop`, blocking the calling thread: for exit paths and callers outside a task.
    @discardableResult
    public func stopBlocking(grace: Duration = .seconds(5), signal: Int32 = SIGTERM) -> ExitStatus {
        // Descendants in a group of their own (setsid, setpgid) are found through their
        // parents before anything is signalled: once those exit, nothing leads to them.
        let group = LocalGroup(process: self, outside: exitStatus == nil ? ProcessTable.descendantsOutsideGroup(of: pid) : [])
        return group.stop(grace: grace, signal: signal)
    }

    /// The last `bytes` of the log file, for failure reports.
    public func logTail(bytes: Int = 2000) -> String {
        guard let data = try? Data(contentsOf: logFile) else { return "" }
        let tail = data.suffix(bytes)
        return String(decoding: tail, as: UTF8.self)
    }

    package static func resolve(_ executable: String, path: String?) -> String? {
        if executable.contains("/") {
            return access(executable, X_OK) == 0 ? executable : nil
        }
        let folders = (path ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
            .split(separator: ":")
        for folder in folders {
            let candidate = "\(folder)/\(executable)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    package static func commandLine(_ argv: [String]) -> String {
        argv.map(shellQuoted).joined(separator: " ")
    }
}

/// How a child ended, recorded by the thread that reaps it. Held apart from `ChildProcess`
/// so that the reaping thread does not keep the process object (whose `deinit` stops a
/// forgotten child) alive.
private final class ProcessEnd: Sendable {
    struct Ending: Sendable {
        var status: ExitStatus
        var usage: ChildUsage
    }

    let pid: pid_t
    let ended = Eventual<Ending>()

    init(pid: pid_t) {
        self.pid = pid
    }

    /// Starts the thread that reaps the process.
    func watch() {
        let thread = Thread { [self] in reap() }
        thread.name = "reportgen-reaper-\(pid)"
        thread.start()
    }

    private func reap() {
        var raw: Int32 = 0
        var usage = rusage()
        var result: pid_t
        repeat {
            result = wait4(pid, &raw, 0, &usage)
        } while result < 0 && errno == EINTR
        let status = result == pid ? ExitStatus(waitStatus: raw) : .exited(-1)
        ChildRegistry.shared.remove(pid)
        ended.resolve(Ending(
            status: status,
            usage: ChildUsage(
                userUs: usage.ru_utime.microseconds, systemUs: usage.ru_stime.microseconds,
                maxRSSBytes: Int64(usage.ru_maxrss) * 1024)))
    }
}

/// A process group this machine runs, for `GroupStop`: signals go to the group through the
/// kernel, the leader's end comes from its reaper, and the descendants found outside the
/// group before the first signal are stopped with the rest.
private struct LocalGroup: StoppableGroup {
    let process: ChildProcess
    let outside: [ProcessIdentity]

    var leaderStatus: ExitStatus? { process.exitStatus }

    func waitForLeader(timeout: Duration) -> ExitStatus? {
        process.waitBlocking(timeout: timeout)
    }

    func signalGroup(_ signal: Int32) {
        kill(-process.pid, signal)
    }

    func killRest() {
        // A reaped leader's group id is free once its members are gone: only signal it
        // while something holds it.
        if process.exitStatus == nil || ProcessTable.liveMembers(ofGroup: process.pid) > 0 {
            kill(-process.pid, SIGKILL)
        }
        // Members orphaned by the leader's death are reaped by init; wait (in the kernel)
        // until none is alive.
        ProcessTable.waitUntilGone(group: process.pid, timeout: .seconds(5))
        ProcessTable.killAndWait(outside, timeout: .seconds(5))
        ChildRegistry.shared.noteOutside(outside, of: process.pid)
    }
}

extension ProcessTable {
    /// This process's own CPU time (user and system), in µs.
    package static func ownCPUMicroseconds() -> Int64 {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_utime.microseconds + usage.ru_stime.microseconds
    }
}

extension timeval {
    /// The time as whole microseconds, for rusage readings.
    var microseconds: Int64 { Int64(tv_sec) * 1_000_000 + Int64(tv_usec) }
}

/// Quotes a word for a POSIX shell only when it needs it. Braces stay bare unless they
/// could expand (`{a,b}`, `{1..3}`), so a placeholder reads as `{port}`.
package func shellQuoted(_ word: String) -> String {
    let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,@%+{}")
    let expands = word.contains("{") && (word.contains(",") || word.contains(".."))
    if !word.isEmpty && !expands && word.allSatisfy({ safe.contains($0) }) { return word }
    return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

private func withCStrings<R>(
    _ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>?) -> R
) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}
