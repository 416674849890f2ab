import Core
import Foundation
import Supervision

#if canImport(Glibc)
import Glibc
#endif

/// A role's running process, wherever it runs: started, waited for, stopped as a whole
/// group, described and sampled through the same operations on this machine and over
/// OpenSSH.
public protocol RoleProcess: AnyObject, Sendable {
    /// The local process that stands for it: the process itself on this machine, the ssh
    /// client that runs it on another.
    var pid: pid_t { get }
    /// The command line as it runs on its host, shell-quoted, as stored with results.
    var commandLine: String { get }
    /// How it ended, or nil while it runs.
    var exitStatus: ExitStatus? { get }
    /// How it ended, for a message ("exited with status 1", "lost its ssh connection to
    /// host …"); nil while it runs.
    var endDescription: String? { get }
    /// What it used over its life (CPU time, peak memory), once it has ended; nil when its
    /// host does not say.
    var usage: ChildUsage? { get }
    /// Waits up to `timeout` for it to end; nil while it still runs (or when cancelled).
    func exit<C: Clock>(within timeout: Duration, clock: C) async -> ExitStatus? where C.Duration == Duration
    /// Stops its whole process group: `signal`, `grace` to exit, then SIGKILL. Runs to the
    /// end even when the caller is cancelled.
    @discardableResult
    func stop(grace: Duration, signal: Int32) async -> ExitStatus
    /// The last `bytes` of what it printed.
    func logTail(bytes: Int) async -> String
    /// Where its readings come from; a sampler starts it with the first of its processes.
    var usageFeed: any UsageFeed { get }
    /// The CPU time and memory of its process tree now, from `usageFeed`; nil when none of
    /// it runs (or its host has not read it yet).
    func sample() -> UsageReading?
}

extension RoleProcess {
    /// Stops it with SIGTERM and `grace` to exit.
    @discardableResult
    public func stop(grace: Duration = .seconds(5)) async -> ExitStatus {
        await stop(grace: grace, signal: SIGTERM)
    }

    /// The last 2000 bytes of what it printed, for failure reports.
    public func recentOutput() async -> String { await logTail(bytes: 2000) }
}

extension ChildProcess: RoleProcess {
    public var endDescription: String? { exitStatus?.description }

    public var usageFeed: any UsageFeed { ProcFeed.shared }

    public func sample() -> UsageReading? {
        ProcessTable.treeUsage(pid)?.reading(ticksPerSecond: ProcessTable.ticksPerSecond, pageSize: ProcessTable.pageSize)
    }
}
