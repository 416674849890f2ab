import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A role's running process, wherever it runs: started, waited for, stopped as a whole
/// group and sampled through the same operations on this machine and over OpenSSH.
public protocol RoleProcess: AnyObject, Sendable {
    /// The local process that stands for it: the process itself on this machine, the ssh
    /// client that runs it on another.
    var pid: pid_t { get }
    /// The command line as it runs on its host, shell-quoted, as stored with results.
    var commandLine: String { get }
    /// How it ended, or nil while it runs.
    var exitStatus: ExitStatus? { get }
    /// Waits up to `timeout` for it to end; nil while it still runs (or when cancelled).
    func exit<C: Clock>(within timeout: Duration, clock: C) async -> ExitStatus? where C.Duration == Duration
    /// Stops its whole process group: `signal`, `grace` to exit, then SIGKILL. Runs to the
    /// end even when the caller is cancelled.
    @discardableResult
    func stop(grace: Duration, signal: Int32) async -> ExitStatus
    /// The last `bytes` of what it printed.
    func logTail(bytes: Int) -> String
    /// Where its CPU time and memory are read.
    var usageSource: UsageSource { get }
}

extension RoleProcess {
    /// Stops it with SIGTERM and `grace` to exit.
    @discardableResult
    public func stop(grace: Duration = .seconds(5)) async -> ExitStatus {
        await stop(grace: grace, signal: SIGTERM)
    }

    /// The last 2000 bytes of what it printed, for failure reports.
    public func recentOutput() -> String { logTail(bytes: 2000) }
}

/// Where a role's process tree is sampled.
public enum UsageSource: Sendable {
    /// The tree under this pid, read from this machine's /proc.
    case local(pid_t)
    /// The session this id leads on a remote host, read by the host's sampling loop.
    case remote(RemoteUsageFeed, session: @Sendable () -> Int?)
}

extension ChildProcess: RoleProcess {
    public var usageSource: UsageSource { .local(pid) }
}
