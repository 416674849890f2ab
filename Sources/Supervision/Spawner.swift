import Core
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Forks every child from one thread that lives as long as reportgen. The parent-death
/// signal that takes a child down with a killed reportgen fires when the *thread* that forked
/// it exits, not the process: Swift concurrency runs work on pool threads that come and go,
/// so a server forked from one of them could be killed in the middle of a run when its
/// thread retires.
final class Spawner: Sendable {
    static let shared = Spawner()

    private let jobs = Mutex<[@Sendable () -> Void]>([])
    private let wake = DispatchSemaphore(value: 0)

    private init() {
        // The thread keeps the (process-wide) spawner alive for as long as reportgen runs.
        let thread = Thread { [self] in serve() }
        thread.name = "reportgen-spawner"
        thread.start()
    }

    private func serve() -> Never {
        while true {
            wake.wait()
            let batch = jobs.withLock { pending -> [@Sendable () -> Void] in
                defer { pending = [] }
                return pending
            }
            for job in batch { job() }
        }
    }

    /// Runs `fork` (a call that starts one child) on the spawner thread and returns the pid
    /// and errno it gave; the caller blocks for the few milliseconds a fork and exec take.
    func spawn(_ fork: @escaping @Sendable () -> (pid: pid_t, error: Int32)) -> (pid: pid_t, error: Int32) {
        let result = Mutex<(pid: pid_t, error: Int32)>((-1, ECANCELED))
        let done = DispatchSemaphore(value: 0)
        jobs.withLock {
            $0.append {
                let outcome = fork()
                result.withLock { $0 = outcome }
                done.signal()
            }
        }
        wake.signal()
        done.wait()
        return result.withLock { $0 }
    }
}
