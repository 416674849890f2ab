import Core
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A process group to stop, wherever it runs: this machine's (`ChildProcess`) or one on a
/// remote host (`RemoteProcess`). Each place says how it signals the group and learns of
/// its leader's end; `stop` is the one order of steps both follow, so a fix lands once.
package protocol StoppableGroup {
    /// How the group's leader ended, or nil while it runs.
    var leaderStatus: ExitStatus? { get }
    /// Blocks up to `timeout` for the leader to end; nil if it still runs.
    func waitForLeader(timeout: Duration) -> ExitStatus?
    /// Sends `signal` to every process of the group.
    func signalGroup(_ signal: Int32)
    /// SIGKILLs whatever is left of the group and returns once none of it is alive (or
    /// its host cannot be reached).
    func killRest()
}

extension StoppableGroup {
    /// `signal` to the whole group and up to `grace` for its leader to end, then SIGKILL to
    /// whatever is left (at once for a zero grace); returns how the leader ended. Blocks the
    /// calling thread: `onOwnThread` keeps it off the pool.
    package func stop(grace: Duration, signal: Int32) -> ExitStatus {
        var leader: ExitStatus?
        if grace > .zero {
            if leaderStatus == nil { signalGroup(signal) }
            leader = waitForLeader(timeout: grace)
        }
        killRest()
        return leader ?? waitForLeader(timeout: .seconds(10)) ?? .signalled(SIGKILL)
    }
}

/// Runs `work`, which blocks on the kernel or the network, on a thread of its own so that no
/// thread of the cooperative pool waits; it runs to the end even when the caller is cancelled.
package func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: work()) }
    }
}

/// Runs `work` in a task of its own that the caller's cancellation does not reach: teardown
/// (removing a host's folder, closing a connection) must finish on every path out.
package func uncancelled<T: Sendable>(_ work: @escaping @Sendable () async -> T) async -> T {
    await Task { await work() }.value
}
