import Core
import LoadGen

/// One (latency, count) bucket of a distribution.
public struct LatencyBucket: Sendable, Equatable {
    public var latencyUs: Int64
    public var count: Int64

    public init(latencyUs: Int64, count: Int64) {
        (self.latencyUs, self.count) = (latencyUs, count)
    }
}

extension Array where Element == LatencyBucket {
    /// The nearest-rank latency at percentile `p` (0…100) of buckets in ascending latency;
    /// nil when they hold no request.
    public func percentile(_ p: Double) -> Int64? {
        guard let rank = NearestRank.rank(p, of: reduce(0) { $0.saturatingAdd($1.count) }) else { return nil }
        var seen: Int64 = 0
        for bucket in self {
            seen = seen.saturatingAdd(bucket.count)
            if seen >= rank { return bucket.latencyUs }
        }
        return last?.latencyUs
    }
}
