import Experiments

/// How a variant's server handles concurrent requests, derived from its gunicorn worker class.
public enum ConcurrencyModel: String, Sendable, Codable, CaseIterable {
    /// An event loop with coroutines (aiohttp, uvicorn, tornado).
    case async
    /// Cooperative green threads (gevent, eventlet, meinheld).
    case greenlet
    /// OS threads inside each worker process (gthread, or sync with threads > 1).
    case threads
    /// One request at a time per worker process (sync).
    case process

    /// The model for a gunicorn worker class (gunicorn's default "sync" when nil); nil for a
    /// class this table does not know.
    public init?(workerClass: String?, threads: Int?) {
        let name = (workerClass ?? "sync").lowercased()
        // gunicorn turns "sync" with --threads > 1 into its threaded worker.
        let threaded = (threads ?? 1) > 1
        if name.hasPrefix("aiohttp") || name.contains("uvicorn") || name.contains("tornado") {
            self = .async
        } else if name.contains("gevent") || name.contains("eventlet") || name.hasPrefix("meinheld") {
            self = .greenlet
        } else if name.contains("gthread") || (name.contains("sync") && threaded) {
            self = .threads
        } else if name == "sync" || name.hasSuffix(".syncworker") {
            self = .process
        } else {
            return nil
        }
    }
}

/// One variant's results with its trials merged, for tables, charts and exports.
///
/// Only trials with status ok contribute to any number; failed trials are counted in
/// `trialsFailed` and described in `failures`. Every optional is nil when no ok trial
/// provided the value.
public struct VariantStatistics: Sendable {
    /// Which cell these are the numbers of: a variant, in a sweep at its levels.
    public var cell: CellID
    /// How the cell is shown: "aiohttp", "aiohttp @ delay=50ms".
    public var name: String { cell.description }
    /// Position in the experiment definition.
    public var position: Int
    public var model: ConcurrencyModel?
    public var workerClass: String?
    public var threads: Int?
    /// App worker processes, when stored.
    public var workers: Int?

    public var trialsOK: Int = 0
    public var trialsFailed: Int = 0
    /// "trial k: reason" for each failed trial, by trial index.
    public var failures: [String] = []

    /// Every ok trial's latency samples merged.
    public var latency = LatencyDistribution([])
    public var minMs: Double?
    public var p50Ms: Double?
    public var p90Ms: Double?
    public var p99Ms: Double?
    public var p999Ms: Double?
    public var p9999Ms: Double?
    public var maxMs: Double?
    public var meanMs: Double?
    /// Each ok trial's own p50 and p99, in ms, by trial index.
    public var p50PerTrialMs: [Double] = []
    public var p99PerTrialMs: [Double] = []

    /// Mean measured window of the ok trials, in seconds.
    public var meanDurationS: Double?
    /// Completed requests of each ok trial, by trial index.
    public var requestsPerTrial: [Int64] = []
    public var requestsMean: Double?
    /// Student-t 95% interval of the mean across trials; nil for fewer than two trials.
    public var requestsCI95: ClosedRange<Double>?
    public var requestsPerSecondMean: Double?
    public var requestsPerSecondCI95: ClosedRange<Double>?
    /// How much the trials' requests/s disagree: standard deviation over mean (0.1 = 10%);
    /// nil with fewer than two trials.
    public var requestsPerSecondCV: Double?
    /// Half the 95% interval of requests/s over its mean (0.05: ±5%): the precision the
    /// variant reached; nil with fewer than two trials.
    public var requestsPerSecondPrecision: Double?
    /// Summed over the ok trials.
    public var errors = ErrorCounts()

    /// The share of the ok trials' requests that failed (non-2xx, connect, read, write; not
    /// timeouts); nil without ok trials.
    public var errorShare: Double? {
        guard trialsOK > 0 else { return nil }
        let failed = errors.status + errors.connect + errors.read + errors.write
        let attempts = requestsPerTrial.reduce(0, +) + errors.connect
        return attempts > 0 ? Double(failed) / Double(attempts) : 0
    }

    /// Mean per trial of the CPU time the app's process tree used during the measured window.
    public var appCPUSeconds: Double?
    /// That CPU time as a percentage of one core over the sampled interval (200 = two cores busy).
    public var appCPUPercentOfCore: Double?
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
    public var loadgenCPUSeconds: Double?
    public var loadgenCPUPercentOfCore: Double?

    /// An empty result for `cell`; `RunStatistics.compute` fills the rest.
    public init(cell: CellID, position: Int, workerClass: String? = nil, threads: Int? = nil) {
        self.cell = cell
        self.position = position
        self.workerClass = workerClass
        self.threads = threads
        self.model = ConcurrencyModel(workerClass: workerClass, threads: threads)
    }

    /// Every trial failed: the variant has no numbers, only failures.
    public var isFailed: Bool { trialsOK == 0 && trialsFailed > 0 }

    /// Trials attempted, ok or failed.
    public var trialsTotal: Int { trialsOK + trialsFailed }
}
