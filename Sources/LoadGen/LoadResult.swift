/// Failures by kind, as wrk counts them.
public struct LoadErrors: Sendable, Equatable {
    /// Connection attempts that failed or timed out (no request was sent on them).
    public var connect: Int64 = 0
    /// Requests whose connection closed or failed, or whose response was malformed.
    public var read: Int64 = 0
    /// Requests that could not be written.
    public var write: Int64 = 0
    /// Responses outside 2xx.
    public var status: Int64 = 0
    /// Requests with no complete response within the timeout.
    public var timeout: Int64 = 0

    public init() {}

    public var total: Int64 { connect + read + write + status + timeout }
}

/// Everything a load run measured: every request, and wrk's summary derived from them.
///
/// A run is a warm-up of `warmupUs` (possibly none) and then the window of `durationUs`, on
/// the same connections. A request belongs to the part in which it completed: one sent in
/// the warm-up that completes in the window counts in the window, with its whole latency.
///
/// Invariants (by construction, all derived from the samples):
/// - `requests == samples.count` and the histogram's counts sum to it;
/// - `bytes` is the sum of `samples[i].bytes`;
/// - `errors.read`, `.write`, `.timeout` count samples with status `readFailed`,
///   `writeFailed`, `timedOut`; `errors.status` counts responses outside 2xx; `errors.connect`
///   counts the entries of `connectFailuresUs` in the window;
/// - every sample completed in the window: `warmupUs <= startUs + latencyUs <
///   warmupUs + durationUs` (times from the run's start); every warm-up sample completed
///   before `warmupUs`; both are sorted by `startUs`, then connection.
public struct LoadResult: Sendable {
    /// The measured window in µs (the plan's duration).
    public var durationUs: Int64
    /// The warm-up before it, on the same connections, in µs (the plan's warm-up).
    public var warmupUs: Int64
    /// Samples: every request that completed in the window, failures included.
    public var requests: Int64
    /// Requests that got a response (any status): wrk's `requests`.
    public var responses: Int64
    public var bytes: Int64
    public var errors: LoadErrors
    /// Requests waiting for their response when the window opened (sent in the warm-up;
    /// counted in the window when they complete in it) and when it closed (not samples).
    public var inFlightAtWindowStart: Int64
    public var inFlightAtEnd: Int64
    /// Connections opened after the first one of each slot: after a timeout, a failure or
    /// a `Connection: close`.
    public var reconnects: Int64
    public var samples: ContiguousArray<RequestSample>
    /// Requests that completed in the warm-up: not counted, kept for the timeline.
    public var warmupSamples: ContiguousArray<RequestSample>
    /// When each failed connection attempt failed, µs from the run's start, ascending.
    public var connectFailuresUs: ContiguousArray<UInt32>

    /// A result from every request the run kept, in (start, connection) order: split at the
    /// window's start by when each completed.
    init(durationUs: Int64, warmupUs: Int64 = 0, connectFailuresUs: ContiguousArray<UInt32>, inFlightAtWindowStart: Int64 = 0,
         inFlightAtEnd: Int64, reconnects: Int64, samples all: ContiguousArray<RequestSample>) {
        var window = ContiguousArray<RequestSample>()
        var warmup = ContiguousArray<RequestSample>()
        if warmupUs > 0 {
            window.reserveCapacity(all.count)
            for sample in all {
                if Int64(sample.startUs) + Int64(sample.latencyUs) < warmupUs { warmup.append(sample) } else { window.append(sample) }
            }
        } else {
            window = all
        }
        self.init(
            durationUs: durationUs, warmupUs: warmupUs, connectFailuresUs: connectFailuresUs,
            inFlightAtWindowStart: inFlightAtWindowStart, inFlightAtEnd: inFlightAtEnd, reconnects: reconnects,
            window: window, warmup: warmup)
    }

    /// A result from samples already split into the window's and the warm-up's.
    init(durationUs: Int64, warmupUs: Int64, connectFailuresUs: ContiguousArray<UInt32>, inFlightAtWindowStart: Int64,
         inFlightAtEnd: Int64, reconnects: Int64, window samples: ContiguousArray<RequestSample>,
         warmup: ContiguousArray<RequestSample>) {
        self.durationUs = durationUs
        self.warmupUs = warmupUs
        self.inFlightAtWindowStart = inFlightAtWindowStart
        self.inFlightAtEnd = inFlightAtEnd
        self.reconnects = reconnects
        self.samples = samples
        self.warmupSamples = warmup
        self.connectFailuresUs = connectFailuresUs
        var errors = LoadErrors()
        errors.connect = Int64(connectFailuresUs.lazy.filter { Int64($0) >= warmupUs }.count)
        var bytes: Int64 = 0
        var responses: Int64 = 0
        for sample in samples {
            bytes &+= Int64(sample.bytes)
            switch sample.status {
            case RequestSample.timedOut: errors.timeout += 1
            case RequestSample.readFailed: errors.read += 1
            case RequestSample.writeFailed: errors.write += 1
            case 200...299: responses += 1
            default:
                responses += 1
                errors.status += 1
            }
        }
        self.requests = Int64(samples.count)
        self.responses = responses
        self.bytes = bytes
        self.errors = errors
    }

    /// Requests per second over the window.
    public var requestsPerSecond: Double {
        durationUs > 0 ? Double(requests) * 1e6 / Double(durationUs) : 0
    }

    /// The latency distribution of every sample, failures included, as (µs, count) rows
    /// in increasing latency; the counts sum to `requests`.
    public func histogram() -> [(latencyUs: Int64, count: Int64)] {
        let latencies = sortedLatencies()
        var rows: [(latencyUs: Int64, count: Int64)] = []
        var index = 0
        while index < latencies.count {
            let value = latencies[index]
            var end = index + 1
            while end < latencies.count && latencies[end] == value { end += 1 }
            rows.append((Int64(value), Int64(end - index)))
            index = end
        }
        return rows
    }

    /// Latencies at each of `percentiles` (0…100) over every sample, nearest rank, from one
    /// sort; empty when there are no samples.
    public func latencyPercentiles(_ percentiles: [Double]) -> [Double: Int64] {
        guard !samples.isEmpty else { return [:] }
        let latencies = sortedLatencies()
        var result: [Double: Int64] = [:]
        for p in percentiles {
            guard let rank = NearestRank.rank(p, of: Int64(latencies.count)) else { continue }
            result[p] = Int64(latencies[Int(rank) - 1])
        }
        return result
    }

    /// The latency at percentile `p` (0…100) over every sample, nearest rank; nil when empty.
    public func latencyPercentile(_ p: Double) -> Int64? {
        latencyPercentiles([p])[p]
    }

    private func sortedLatencies() -> ContiguousArray<UInt32> {
        var latencies = ContiguousArray(samples.lazy.map(\.latencyUs))
        RadixSort.sort(&latencies, keyBits: 32) { UInt64($0) }
        return latencies
    }
}
