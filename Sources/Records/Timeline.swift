import Core
import LoadGen

/// One interval of a trial's timeline: the requests that completed in it.
public struct TrialInterval: Sendable, Equatable {
    /// When it starts, µs from the window's start: negative in the warm-up.
    public var startUs: Int64
    public var lengthUs: Int64
    /// Requests that completed in it: answers (any status) and read, write and timeout
    /// failures, as a trial's `requests` counts them.
    public var requests: Int64
    /// Failures by kind; connect errors count when the attempt failed.
    public var errors: ErrorCounts
    /// Nearest-rank latency percentiles of its requests, µs; nil without any.
    public var p50Us: Int64?
    public var p99Us: Int64?

    public init(startUs: Int64, lengthUs: Int64, requests: Int64, errors: ErrorCounts, p50Us: Int64?, p99Us: Int64?) {
        self.startUs = startUs
        self.lengthUs = lengthUs
        self.requests = requests
        self.errors = errors
        self.p50Us = p50Us
        self.p99Us = p99Us
    }

    /// Whether it lies in the window (not the warm-up).
    public var isInWindow: Bool { startUs >= 0 }
}

/// What happened within one trial's load run, interval by interval: the warm-up (on the same
/// connections, just before the window) and the window, on one clock.
public struct Timeline: Sendable, Equatable {
    /// The warm-up the run held before its window, µs.
    public var warmupUs: Int64
    /// Every interval's length but perhaps the first and the last: intervals are laid both
    /// ways from the window's start, and the warm-up's earliest and the window's last are
    /// what is left when the lengths are not a whole number of intervals.
    public var intervalUs: Int64
    /// Requests in flight when the window opened (sent in the warm-up, counted in the window
    /// if they completed in it) and when it closed (not counted); nil when unknown.
    public var inFlightAtStart: Int64?
    public var inFlightAtEnd: Int64?
    /// In time order, warm-up first.
    public var intervals: [TrialInterval]

    public init(warmupUs: Int64, intervalUs: Int64, inFlightAtStart: Int64?, inFlightAtEnd: Int64?, intervals: [TrialInterval]) {
        self.warmupUs = warmupUs
        self.intervalUs = intervalUs
        self.inFlightAtStart = inFlightAtStart
        self.inFlightAtEnd = inFlightAtEnd
        self.intervals = intervals
    }

    /// The window's intervals.
    public var window: ArraySlice<TrialInterval> { intervals.drop { !$0.isInWindow } }

    /// The timeline of a built-in generator's run, in intervals of `intervalUs`: each request falls in the interval in which it completed,
    /// each failed connect in the one in which it failed. One radix sort of every request by
    /// (interval, latency) gives every interval's exact nearest-rank percentiles.
    public static func of(_ result: LoadResult, intervalUs: Int64) -> Timeline {
        precondition(intervalUs > 0, "intervals have a length")
        let warmupIntervals = (result.warmupUs + intervalUs - 1) / intervalUs
        let count = max(1, Int(warmupIntervals + (result.durationUs + intervalUs - 1) / intervalUs))
        // Index 0 is the warm-up's earliest interval; index warmupIntervals starts the window.
        func index(endUs: Int64) -> Int {
            let offset = endUs - result.warmupUs
            let floor = offset >= 0 ? offset / intervalUs : -((-offset + intervalUs - 1) / intervalUs)
            return Int(min(max(floor + warmupIntervals, 0), Int64(count - 1)))
        }
        var errors = [ErrorCounts](repeating: ErrorCounts(), count: count)
        var keys = ContiguousArray<UInt64>()
        keys.reserveCapacity(result.samples.count + result.warmupSamples.count)
        for sample in [result.warmupSamples, result.samples].joined() {
            let slot = index(endUs: Int64(sample.startUs) + Int64(sample.latencyUs))
            keys.append(UInt64(slot) << 32 | UInt64(sample.latencyUs))
            switch sample.status {
            case RequestSample.timedOut: errors[slot].timeout += 1
            case RequestSample.readFailed: errors[slot].read += 1
            case RequestSample.writeFailed: errors[slot].write += 1
            default: if sample.isStatusError { errors[slot].status += 1 }
            }
        }
        for time in result.connectFailuresUs { errors[index(endUs: Int64(time))].connect += 1 }
        let slotBits = max(1, UInt64.bitWidth - UInt64(count).leadingZeroBitCount)
        RadixSort.sort(&keys, keyBits: 32 + slotBits) { $0 }

        var intervals: [TrialInterval] = []
        intervals.reserveCapacity(count)
        var at = 0
        for slot in 0..<count {
            var end = at
            while end < keys.count && Int(keys[end] >> 32) == slot { end += 1 }
            let n = Int64(end - at)
            func percentile(_ p: Double) -> Int64? {
                NearestRank.rank(p, of: n).map { Int64(keys[at + Int($0) - 1] & 0xFFFF_FFFF) }
            }
            let startUs = (Int64(slot) - warmupIntervals) * intervalUs
            let clipped = max(startUs, -result.warmupUs)
            intervals.append(TrialInterval(
                startUs: clipped, lengthUs: min(startUs + intervalUs, result.durationUs) - clipped, requests: n, errors: errors[slot],
                p50Us: percentile(50), p99Us: percentile(99)))
            at = end
        }
        return Timeline(
            warmupUs: result.warmupUs, intervalUs: intervalUs, inFlightAtStart: result.warmupUs > 0 ? result.inFlightAtWindowStart : nil,
            inFlightAtEnd: result.inFlightAtEnd, intervals: intervals)
    }
}
