import NIOCore

/// The connections of one event loop, their samples, and the loop's timers: the timeout
/// sweep and the end of the window.
///
/// Confined to `loop`: every method runs on it; the run reads `store` and the counters only
/// after the loop stopped.
final class LoopWorker: @unchecked Sendable {
    // @unchecked: loop-confined as stated above; the run hands it between threads only
    // through futures, which order the accesses.
    let loop: EventLoop
    let settings: RunSettings
    let store = SampleStore()
    var connections: [LoadConnection] = []
    /// Set once the window closed or the run was cancelled: nothing new starts.
    private(set) var stopped = false
    /// When each connection attempt failed, µs from the run's start.
    var connectFailuresUs = ContiguousArray<UInt32>()
    var reconnects: Int64 = 0
    /// Requests waiting for their response when the window opened (sent in the warm-up; they
    /// count in the window if they complete in it) and when it closed (they do not count).
    var inFlightAtWindowStart: Int64 = 0
    var inFlightAtEnd: Int64 = 0
    private var sweep: RepeatedTask?
    let done: EventLoopPromise<Void>

    init(loop: EventLoop, settings: RunSettings) {
        self.loop = loop
        self.settings = settings
        self.done = loop.makePromise()
    }

    func start() {
        for connection in connections { connection.connect() }
        // Timeouts are found by a sweep rather than a timer per request, which would cost
        // an allocation per request; detection lags by at most one sweep interval.
        let interval = min(max(settings.timeoutNs / 20, 1_000_000), 50_000_000)
        sweep = loop.scheduleRepeatedTask(
            initialDelay: .nanoseconds(Int64(interval)), delay: .nanoseconds(Int64(interval))
        ) { [self] _ in
            let now = monotonicNanoseconds()
            for connection in connections { connection.checkTimeout(now: now) }
        }
        if settings.windowStartNs > settings.startNs {
            loop.scheduleTask(deadline: .uptimeNanoseconds(settings.windowStartNs)) { [self] in
                inFlightAtWindowStart = Int64(connections.lazy.filter(\.isBusy).count)
            }
        }
        loop.scheduleTask(deadline: .uptimeNanoseconds(settings.endNs)) { [self] in stop() }
    }

    /// Counts a failed connection attempt, at the time it failed.
    func connectFailed(now: UInt64) {
        connectFailuresUs.append(UInt32(truncatingIfNeeded: (now &- settings.startNs) / 1000))
    }

    /// Ends the window on this loop: closes every connection, drops responses in flight.
    func stop() {
        guard !stopped else { return }
        stopped = true
        sweep?.cancel()
        for connection in connections { connection.stop() }
        done.succeed(())
    }
}
