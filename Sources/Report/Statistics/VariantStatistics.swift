import Core
import Definition

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

/// One variant's results with its trials merged, for tables, charts and exports: who it
/// is, which trials count, and one part per kind of number (latency, throughput,
/// precision, errors, resources), each computed by its own code in `RunStatistics`.
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

    /// Its capacity at the run's target, when the run searched for one.
    public var capacity: CapacityEstimate?
    public var trialsOK: Int = 0
    public var trialsFailed: Int = 0
    /// Ok trials whose window did not hold steady (`SteadyState`), and how many of them the
    /// numbers leave out (none with `include_unsteady`, or when every trial was unsteady).
    public var trialsUnsteady: Int = 0
    public var unsteadyLeftOut: Int = 0
    /// "trial k: reason" for each failed trial, by trial index.
    public var failures: [String] = []

    public var latency = LatencyStatistics()
    public var throughput = ThroughputStatistics()
    public var precision = PrecisionStatistics()
    public var errors = ErrorStatistics()
    public var resources = ResourceStatistics()

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
