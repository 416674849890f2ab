import Foundation
import Synchronization

/// Samples CPU time and RSS of each role's process tree (app, upstream, load generator)
/// every `interval` from a task of its own, and once more as the measured window opens and
/// closes, so CPU over the window is the difference of two readings taken at its edges.
public final class ResourceSampler: Sendable {
    /// One reading of one role, before its time is known relative to the window.
    private struct Reading {
        var at: ContinuousClock.Instant
        var role: ProcessRole
        var userMs: Int64
        var systemMs: Int64
        var rssBytes: Int64
    }

    private struct State {
        var roots: [ProcessRole: pid_t] = [:]
        var readings: [Reading] = []
        var windowStart: ContinuousClock.Instant?
        var windowEnd: ContinuousClock.Instant?
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

    /// The measured window opens now: time zero for `t_ms`, with a sample of every role.
    public func markWindowStart() {
        let now = takeSample()
        state.withLock { $0.windowStart = now }
    }

    /// The measured window closed now: a last sample of every role, the window's end.
    public func markWindowEnd() {
        let now = takeSample()
        state.withLock { $0.windowEnd = now }
    }

    /// Stops sampling and returns every sample taken up to the window's end: `t_ms` from the
    /// window's start, negative and phase `before` for those taken earlier.
    public func finish() async -> [ResourceSample] {
        let task = state.withLock { state -> Task<Void, Never>? in
            defer { state.task = nil }
            return state.task
        }
        task?.cancel()
        await task?.value
        let (readings, start, end) = state.withLock { ($0.readings, $0.windowStart, $0.windowEnd) }
        guard let start else { return [] }
        return readings.filter { reading in end.map { reading.at <= $0 } ?? true }.map { reading in
            ResourceSample(
                tMs: (reading.at - start).microseconds / 1000, phase: reading.at < start ? .before : .window,
                role: reading.role, cpuUserMs: reading.userMs, cpuSystemMs: reading.systemMs,
                rssBytes: reading.rssBytes)
        }
    }

    @discardableResult
    private func takeSample() -> ContinuousClock.Instant {
        let roots = state.withLock { $0.roots }
        let now = ContinuousClock.now
        var taken: [Reading] = []
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
            taken.append(Reading(
                at: now, role: role, userMs: user * msPerTick, systemMs: system * msPerTick,
                rssBytes: rss * ProcessTable.pageSize))
        }
        state.withLock { $0.readings.append(contentsOf: taken) }
        return now
    }
}
