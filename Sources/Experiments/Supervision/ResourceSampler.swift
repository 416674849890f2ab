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
        var roots: [ProcessRole: UsageSource] = [:]
        /// The remote hosts' sampling loops this sampler started.
        var feeds: [ObjectIdentifier: RemoteUsageFeed] = [:]
        var started = false
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
        let feeds = state.withLock { state -> [RemoteUsageFeed] in
            state.started = true
            return Array(state.feeds.values)
        }
        for feed in feeds { feed.start(interval: interval) }
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
        state.withLock { $0.roots[role] = pid.map { .local($0) } }
    }

    /// Follows `process` (on this machine or a remote host) under `role` from the next
    /// sample on; a remote host's sampling loop starts with the first of its processes.
    public func track(_ role: ProcessRole, process: (any RoleProcess)?) {
        let source = process?.usageSource
        let feed = state.withLock { state -> RemoteUsageFeed? in
            state.roots[role] = source
            guard case .remote(let feed, _)? = source, state.feeds[ObjectIdentifier(feed)] == nil else { return nil }
            state.feeds[ObjectIdentifier(feed)] = feed
            return state.started ? feed : nil
        }
        feed?.start(interval: interval)
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
        let feeds = state.withLock { state -> [RemoteUsageFeed] in
            defer { state.feeds = [:] }
            return Array(state.feeds.values)
        }
        await withTaskGroup(of: Void.self) { group in
            for feed in feeds { group.addTask { await feed.stop() } }
        }
        let (readings, start, end) = state.withLock { ($0.readings, $0.windowStart, $0.windowEnd) }
        guard let start else { return [] }
        return readings.filter { reading in end.map { reading.at <= $0 } ?? true }.map { reading in
            ResourceSample(
                tMs: (reading.at - start).microseconds / 1000, phase: reading.at < start ? .before : .window,
                role: reading.role, cpuUserMs: reading.userMs, cpuSystemMs: reading.systemMs,
                rssBytes: reading.rssBytes)
        }
    }

    /// Reads every role: this machine's from /proc at once, a remote host's from its loop's
    /// latest line (at most an interval old: a reading taken on demand would cost an ssh
    /// round trip, longer than that, at each edge of the window).
    @discardableResult
    private func takeSample() -> ContinuousClock.Instant {
        let roots = state.withLock { $0.roots }
        let now = ContinuousClock.now
        var taken: [Reading] = []
        var remote: [ObjectIdentifier: [Int: ProcessUsage]] = [:]
        for (role, source) in roots.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let total: ProcessUsage?
            let ticks: Int64
            let page: Int64
            switch source {
            case .local(let root):
                total = Self.treeUsage(root)
                (ticks, page) = (ProcessTable.ticksPerSecond, ProcessTable.pageSize)
            case .remote(let feed, let session):
                let key = ObjectIdentifier(feed)
                if remote[key] == nil { remote[key] = feed.latest() ?? [:] }
                total = session().flatMap { remote[key]?[$0] }
                (ticks, page) = (feed.ticksPerSecond, feed.pageSize)
            }
            guard let total else { continue }
            let msPerTick = 1000 / max(ticks, 1)
            taken.append(Reading(
                at: now, role: role, userMs: total.userTicks * msPerTick, systemMs: total.systemTicks * msPerTick,
                rssBytes: total.rssPages * page))
        }
        state.withLock { $0.readings.append(contentsOf: taken) }
        return now
    }

    /// The summed usage of the tree under `root`; nil when none of it runs.
    private static func treeUsage(_ root: pid_t) -> ProcessUsage? {
        var sum = ProcessUsage(userTicks: 0, systemTicks: 0, rssPages: 0)
        var seen = false
        for pid in ProcessTable.tree(root) {
            guard let usage = ProcessTable.usage(pid) else { continue }
            seen = true
            sum.userTicks += usage.userTicks
            sum.systemTicks += usage.systemTicks
            sum.rssPages += usage.rssPages
        }
        return seen ? sum : nil
    }
}
