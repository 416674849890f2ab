import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Every process group reportgen has started and not yet reaped, so a last-resort cleanup
/// (an error path that skipped a `stop`, or exit) can still stop them.
public final class ChildRegistry: Sendable {
    public static let shared = ChildRegistry()

    private let pids = Mutex<Set<pid_t>>([])

    func add(_ pid: pid_t) { pids.withLock { _ = $0.insert(pid) } }
    func remove(_ pid: pid_t) { pids.withLock { _ = $0.remove(pid) } }

    /// The groups still registered.
    public var live: Set<pid_t> { pids.withLock { $0 } }

    /// Kills every registered group at once; for exit paths only.
    public func killAll() {
        for pid in live {
            kill(-pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            remove(pid)
        }
    }
}
