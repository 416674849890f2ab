import Core
import Definition

/// One variant's row of a published results table (`published_results`), in the units of
/// the seed's `published-2017.csv`: latencies in ms, the window in s. A value the table
/// leaves empty is nil; `requests` is always given.
public struct PublishedRow: Sendable, Equatable {
    public var variant: String
    public var minMs: Double?
    public var p50Ms: Double?
    public var p99Ms: Double?
    public var p999Ms: Double?
    public var maxMs: Double?
    public var meanMs: Double?
    /// The measured window.
    public var durationS: Double?
    /// Requests completed in the window.
    public var requests: Int64

    public init(
        variant: String, minMs: Double?, p50Ms: Double?, p99Ms: Double?, p999Ms: Double?,
        maxMs: Double?, meanMs: Double?, durationS: Double?, requests: Int64
    ) {
        self.variant = variant
        self.minMs = minMs
        self.p50Ms = p50Ms
        self.p99Ms = p99Ms
        self.p999Ms = p999Ms
        self.maxMs = maxMs
        self.meanMs = meanMs
        self.durationS = durationS
        self.requests = requests
    }

    /// The cell the row gives numbers for: a published table has one row per variant and
    /// sweeps nothing.
    public var cell: CellID { CellID(variant: variant) }

    /// Requests per second over the published window; nil without a positive window.
    public var requestsPerSecond: Double? {
        guard let durationS, durationS > 0 else { return nil }
        return Double(requests) / durationS
    }
}
