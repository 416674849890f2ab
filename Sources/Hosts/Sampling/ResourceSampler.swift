import Core
import Definition
import Foundation
import Records
import Supervision
import Synchronization

/// Samples CPU time and RSS of each role's process tree (app, upstream, load generator)
/// every `interval` from a task of its own, and once more as the measured window opens and
/// closes, so CPU over the window is the difference of two readings taken at its edges.
public final class ResourceSampler: Sendable {
    /// One reading of one role, before its time is known relative to the window.
    private struct Reading {
        var at: ContinuousClock.Instant
        var role: ProcessRole
        var usage: UsageReading
    }

    private struct State {
        var roots: [ProcessRole: any RoleProcess] = [:]
        /// The feeds of the processes tracked so far (a remote host's loop runs while its
        /// feed is started).
        var feeds: [ObjectIdentifier: any UsageFeed] = [:]
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
        let feeds = state.withLock { state -> [any UsageFeed] in
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

    /// Follows `process` (on this machine or a remote host) under `role` from the next
    /// sample on; nil stops. A feed the sampler has not seen starts with its first process.
    public func track(_ role: ProcessRole, process: (any RoleProcess)?) {
        let feed = process?.usageFeed
        let starting = state.withLock { state -> (any UsageFeed)? in
            state.roots[role] = process
            guard let feed, state.feeds[ObjectIdentifier(feed)] == nil else { return nil }
            state.feeds[ObjectIdentifier(feed)] = feed
            return state.started ? feed : nil
        }
        starting?.start(interval: interval)
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
        let feeds = state.withLock { state -> [any UsageFeed] in
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
                role: reading.role, cpuUserMs: reading.usage.userMs, cpuSystemMs: reading.usage.systemMs,
                rssBytes: reading.usage.rssBytes)
        }
    }

    /// Reads every role where it runs: this machine's from /proc at once, a remote host's
    /// from its loop's latest reading (at most an interval old: a reading taken on demand
    /// would cost an ssh round trip, longer than that, at each edge of the window).
    @discardableResult
    private func takeSample() -> ContinuousClock.Instant {
        let roots = state.withLock { $0.roots }
        let now = ContinuousClock.now
        let taken = roots.sorted(by: { $0.key.rawValue < $1.key.rawValue }).compactMap { role, process in
            process.sample().map { Reading(at: now, role: role, usage: $0) }
        }
        state.withLock { $0.readings.append(contentsOf: taken) }
        return now
    }
}

/// Where the readings of a role's processes come from: this machine's /proc, read on
/// demand, or a remote host's sampling loop, which runs while a sampler has it started.
public protocol UsageFeed: AnyObject, Sendable {
    /// Starts readings every `interval`, if they are not running.
    func start(interval: Duration)
    /// Stops them.
    func stop() async
}

/// This machine's /proc: read when asked, nothing to start or stop.
final class ProcFeed: UsageFeed {
    static let shared = ProcFeed()

    func start(interval: Duration) {}
    func stop() async {}
}
