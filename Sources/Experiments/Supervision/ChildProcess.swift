import CSpawn
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
}

/// A process reportgen started, leading its own process group, with its output in a log
/// file. Whoever starts one owns it: `stop()` runs on every path out, and `deinit` is the
/// last safety net.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `status` is written only by the owning thread (poll/stop); other threads
    // only read the immutable pid to sample /proc.
    public let pid: pid_t
    public let arguments: [String]
    public let logFile: URL
    private var status: ExitStatus?
    /// What the process used, once it has been reaped (with the children it waited for).
    public private(set) var usage: ChildUsage?

    /// Starts `executable` with `arguments` (without argv[0]); stdout and stderr go to `logFile`.
    public init(
        executable: String, arguments: [String], environment: [String: String],
        workingDirectory: URL? = nil, logFile: URL
    ) throws {
        guard let path = ChildProcess.resolve(executable, path: environment["PATH"]) else {
            throw ReportgenError(
                .missingDependency, "cannot find '\(executable)' on PATH",
                hint: "run 'reportgen doctor' to see what is missing and how to install it")
        }
        let fd = open(logFile.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ReportgenError(.io, "cannot open log file \(logFile.path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let argv = [path] + arguments
        let envp = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        var spawnError: Int32 = 0
        let pid = withCStrings(argv) { argvPointer in
            withCStrings(envp) { envPointer in
                cspawn(
                    path, argvPointer, envPointer, workingDirectory?.path, fd, 1, SIGKILL,
                    &spawnError)
            }
        }
        guard pid > 0 else {
            throw ReportgenError(
                .processFailed,
                "cannot start \(executable): \(String(cString: strerror(spawnError)))",
                underlying: ChildProcess.commandLine(argv))
        }
        self.pid = pid
        self.arguments = argv
        self.logFile = logFile
        ChildRegistry.shared.add(pid)
    }

    deinit {
        if status == nil { _ = stop(grace: .milliseconds(500)) }
    }

    /// The exact command line, shell-quoted, as stored with results.
    public var commandLine: String { ChildProcess.commandLine(arguments) }

    /// The exit status if the process has ended, without waiting.
    public func poll() -> ExitStatus? {
        if let status { return status }
        var raw: Int32 = 0
        var usage = rusage()
        let result = wait4(pid, &raw, WNOHANG, &usage)
        if result == pid {
            status = ExitStatus(waitStatus: raw)
            self.usage = ChildUsage(
                userUs: usage.ru_utime.microseconds, systemUs: usage.ru_stime.microseconds,
                maxRSSBytes: Int64(usage.ru_maxrss) * 1024)
            ChildRegistry.shared.remove(pid)
        } else if result < 0 && errno == ECHILD {
            status = .exited(-1)
            ChildRegistry.shared.remove(pid)
        }
        return status
    }

    /// Waits up to `timeout` for the process to end; nil if it is still running.
    public func wait(timeout: Duration, interrupt: Interrupt? = nil) -> ExitStatus? {
        let deadline = ContinuousClock.now + timeout
        // Short waits answer quickly; long ones (a 20 s window) wake 20 times a second at
        // most, so reportgen's own CPU time stays out of the measurement.
        var pause: UInt32 = 2_000
        while true {
            if let status = poll() { return status }
            if ContinuousClock.now >= deadline { return nil }
            if let interrupt, interrupt.isRequested { return nil }
            usleep(pause)
            pause = min(pause * 2, 50_000)
        }
    }

    /// Stops the whole process group: SIGTERM, up to `grace` to exit, then SIGKILL.
    /// Returns once the leader is reaped and no live member of the group remains.
    @discardableResult
    public func stop(grace: Duration = .seconds(5), signal: Int32 = SIGTERM) -> ExitStatus {
        if poll() == nil { kill(-pid, signal) }
        let leader = wait(timeout: grace)
        if leader == nil || ProcessTable.liveMembers(ofGroup: pid) > 0 {
            kill(-pid, SIGKILL)
        }
        let final = leader ?? wait(timeout: .seconds(10)) ?? .signalled(SIGKILL)
        // Orphaned members are reaped by init; wait until none is alive.
        let deadline = ContinuousClock.now + .seconds(5)
        while ProcessTable.liveMembers(ofGroup: pid) > 0 && ContinuousClock.now < deadline {
            kill(-pid, SIGKILL)
            usleep(10_000)
        }
        return final
    }

    /// The last `bytes` of the log file, for failure reports.
    public func logTail(bytes: Int = 2000) -> String {
        guard let data = try? Data(contentsOf: logFile) else { return "" }
        let tail = data.suffix(bytes)
        return String(decoding: tail, as: UTF8.self)
    }

    static func resolve(_ executable: String, path: String?) -> String? {
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

    static func commandLine(_ argv: [String]) -> String {
        argv.map(shellQuoted).joined(separator: " ")
    }
}

extension timeval {
    /// The time as whole microseconds, for rusage readings.
    var microseconds: Int64 { Int64(tv_sec) * 1_000_000 + Int64(tv_usec) }
}

/// Quotes a word for a POSIX shell only when it needs it.
func shellQuoted(_ word: String) -> String {
    let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,@%+")
    if !word.isEmpty && word.allSatisfy({ safe.contains($0) }) { return word }
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
