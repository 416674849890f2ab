import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Samples CPU time and RSS of named process trees (app, upstream, load generator) on its
/// own thread, about every `interval`, until stopped.
public final class ResourceSampler: Sendable {
    private struct State {
        var roots: [String: pid_t] = [:]
        var samples: [ResourceSample] = []
        var running = true
        var started = false
    }

    private let state = Mutex(State())
    private let interval: Duration
    private let origin = Mutex(ContinuousClock.now)
    private let finished = Mutex(false)
    private let wake = DispatchSemaphore(value: 0)

    public init(interval: Duration = .milliseconds(250)) {
        self.interval = interval
    }

    /// Starts sampling on a background thread.
    public func start() {
        state.withLock { $0.started = true }
        let thread = Thread { [self] in
            while state.withLock({ $0.running }) {
                takeSample()
                // Sleeps the whole interval unless `stop` wakes it: no busy polling while
                // a window is measured.
                _ = wake.wait(timeout: .now() + .microseconds(Int(interval.microseconds)))
            }
            finished.withLock { $0 = true }
        }
        thread.name = "reportgen-sampler"
        thread.start()
    }

    /// Follows the tree rooted at `pid` under `role` from the next sample on; nil stops.
    public func track(_ role: String, pid: pid_t?) {
        state.withLock { $0.roots[role] = pid }
    }

    /// Sets time zero for `t_ms` (the start of the measured window).
    public func markOrigin() {
        origin.withLock { $0 = ContinuousClock.now }
    }

    /// Stops the thread and returns every sample taken; later calls return the same.
    public func stop() -> [ResourceSample] {
        let started = state.withLock { state in
            state.running = false
            return state.started
        }
        wake.signal()
        while started && !finished.withLock({ $0 }) { usleep(5_000) }
        return state.withLock { $0.samples }
    }

    private func takeSample() {
        let roots = state.withLock { $0.roots }
        let elapsed = ContinuousClock.now - origin.withLock { $0 }
        let tMs = elapsed.microseconds / 1000
        var taken: [ResourceSample] = []
        for (role, root) in roots.sorted(by: { $0.key < $1.key }) {
            var user: Int64 = 0
            var system: Int64 = 0
            var rss: Int64 = 0
            var seen = false
            for pid in ProcessTable.tree(root) {
                guard let usage = ProcessTable.usage(pid) else { continue }
                seen = true
                user += usage.userTicks
                system += usage.systemTicks
                rss += usage.rssPages
            }
            guard seen else { continue }
            let msPerTick = 1000 / max(ProcessTable.ticksPerSecond, 1)
            taken.append(
                ResourceSample(
                    tMs: tMs, role: role, cpuUserMs: user * msPerTick,
                    cpuSystemMs: system * msPerTick, rssBytes: rss * ProcessTable.pageSize))
        }
        state.withLock { $0.samples.append(contentsOf: taken) }
    }
}
