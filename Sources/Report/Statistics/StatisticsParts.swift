import Core
import Records

/// A variant's latency: every ok trial's samples merged into one distribution, the
/// percentiles read from it, and each trial's own median and p99 for intervals across
/// trials. Milliseconds; nil without samples.
public struct LatencyStatistics: Sendable {
    /// Every ok trial's latency samples merged.
    public var distribution = LatencyDistribution([])
    public var minMs: Double?
    public var p50Ms: Double?
    public var p90Ms: Double?
    public var p99Ms: Double?
    public var p999Ms: Double?
    public var p9999Ms: Double?
    public var maxMs: Double?
    public var meanMs: Double?
    /// Each ok trial's own p50 and p99, by trial index.
    public var p50PerTrialMs: [Double] = []
    public var p99PerTrialMs: [Double] = []

    public init() {}
}

/// What a variant's ok trials served: completed requests per trial and per second, with
/// their means and 95% intervals across trials.
public struct ThroughputStatistics: Sendable {
    /// Completed requests of each ok trial, by trial index.
    public var requestsPerTrial: [Int64] = []
    public var requestsMean: Double?
    /// Student-t 95% interval of the mean across trials; nil for fewer than two trials.
    public var requestsCI95: ClosedRange<Double>?
    public var requestsPerSecondMean: Double?
    public var requestsPerSecondCI95: ClosedRange<Double>?
    /// Mean measured window of the ok trials, in seconds.
    public var meanDurationS: Double?

    public init() {}

    /// Completed requests of every ok trial together.
    public var totalRequests: Int64 { requestsPerTrial.reduce(0) { $0.saturatingAdd($1) } }
}

/// How closely a variant's ok trials agree on requests/s: what tells a real difference
/// from noise, and what a precision-driven run added trials for. nil with fewer than two
/// trials.
public struct PrecisionStatistics: Sendable {
    /// Standard deviation over mean of the trials' requests/s (0.1 = 10%).
    public var cv: Double?
    /// Half the 95% interval of requests/s over its mean (0.05: ±5%): the precision the
    /// trials reached.
    public var reached: Double?

    public init(cv: Double? = nil, reached: Double? = nil) {
        self.cv = cv
        self.reached = reached
    }

    /// The trials spread more than `RunStatistics.disagreement`, and the report says so.
    public var disagrees: Bool { (cv ?? 0) > RunStatistics.disagreement }
}

/// How a variant's ok trials' requests failed.
public struct ErrorStatistics: Sendable {
    /// Summed over the ok trials.
    public var counts = ErrorCounts()
    /// The share of the ok trials' requests that failed (non-2xx, connect, read, write; not
    /// timeouts); nil without ok trials.
    public var share: Double?

    /// No ok trials: no share.
    public init() {}

    /// The errors of ok trials that completed `requests` requests between them. A connect
    /// error is a request that never completed, so it counts among the attempts.
    public init(counts: ErrorCounts, requests: Int64) {
        self.counts = counts
        let failed = counts.status + counts.connect + counts.read + counts.write
        let attempts = requests + counts.connect
        share = attempts > 0 ? Double(failed) / Double(attempts) : 0
    }
}

/// CPU time a process tree used in the measured window, as a mean per trial.
public struct CPUUse: Sendable, Equatable {
    public var seconds: Double
    /// That time as a percentage of one core over the sampled interval (200 = two cores busy).
    public var percentOfCore: Double

    /// The cores it kept busy: 2 for two.
    public var cores: Double { percentOfCore / 100 }
}

/// What a variant's app (and the load generator) cost while it served, from the resource
/// samples of its ok trials' measured windows; nil where no trial has samples.
public struct ResourceStatistics: Sendable {
    public var appCPU: CPUUse?
    /// Mean per trial of the app's CPU time per answered request, in ms: what tells an event
    /// loop from a thread pool when both saturate the cores.
    public var appCPUPerRequestMs: Double?
    /// The same for each ok trial that has samples.
    public var appCPUPerRequestPerTrial: [Double] = []
    /// Largest resident memory of the app's process tree in any ok trial's measured window.
    public var appPeakRSSBytes: Int64?
    /// Peak app RSS of each ok trial that has samples, by trial index.
    public var appPeakRSSPerTrial: [Int64] = []
    /// The load generator's CPU, measured like the app's.
    public var loadgenCPU: CPUUse?

    public init() {}
}
