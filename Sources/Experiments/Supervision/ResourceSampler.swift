import Foundation
import Synchronization

/// Samples CPU time and RSS of each role's process tree (app, upstream, load generator)
/// every `interval` from a task of its own, until finished.
public final class ResourceSampler: Sendable {
    private struct State {
        var roots: [ProcessRole: pid_t] = [:]
        var samples: [ResourceSample] = []
        var origin = ContinuousClock.now
        var task: Task<Void, Never>?
    }

    private let state = Mutex(State())
    private let interval: Duration

    public init(interval: Duration = .milliseconds(250)) {
        self.interval = interval
    }

    /// Starts sampling, at once and then every interval on `clock`.
    public func start<C: Clock>(clock: C) where C.Duration == Duration {
        let task = Task { [self] in
            while !Task.isCancelled {
                takeSample()
                do {
                    try await clock.sleep(for: interval)
                } catch {
                    return
                }
            }
        }
        state.withLock { $0.task = task }
    }

    /// Follows the tree rooted at `pid` under `role` from the next sample on; nil stops.
    public func track(_ role: ProcessRole, pid: pid_t?) {
        state.withLock { $0.roots[role] = pid }
    }

    /// Sets time zero for `t_ms` (the start of the measured window).
    public func markOrigin() {
        state.withLock { $0.origin = ContinuousClock.now }
    }

    /// Stops sampling and returns every sample taken; later calls return the same.
    public func finish() async -> [ResourceSample] {
        let task = state.withLock { state -> Task<Void, Never>? in
            defer { state.task = nil }
            return state.task
        }
        task?.cancel()
        await task?.value
        return state.withLock { $0.samples }
    }

    private func takeSample() {
        let (roots, origin) = state.withLock { ($0.roots, $0.origin) }
        let tMs = (ContinuousClock.now - origin).microseconds / 1000
        var taken: [ResourceSample] = []
        for (role, root) in roots.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
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
