import Core
import LoadGen

extension LatencyDistribution {
    /// The nearest-rank p-th percentile (µs) of `trials` merged with each trial counted
    /// `weights[i]` times, as a bootstrap resample merges them; with every weight 1 this is
    /// the merged distribution's percentile exactly. nil when nothing is weighted or p is
    /// outside 0…100.
    ///
    /// Counting requests at or below a latency is monotonic, so the smallest latency reaching
    /// the rank is found by bisection over the latency range; it is always a recorded latency,
    /// because the count only steps at recorded ones.
    static func percentile(_ p: Double, of trials: [LatencyDistribution], weights: [Int]) -> Int64? {
        let used = zip(trials, weights).filter { $0.1 > 0 && !$0.0.isEmpty }
        let total = used.reduce(Int64(0)) { $0.saturatingAdd($1.0.count.saturatingMultiply(Int64($1.1))) }
        guard let target = NearestRank.rank(p, of: total),
            var low = used.compactMap({ $0.0.min }).min(),
            var high = used.compactMap({ $0.0.max }).max()
        else { return nil }
        while low < high {
            let middle = low + (high - low) / 2
            let reached = used.reduce(Int64(0)) { $0.saturatingAdd($1.0.countAtOrBelow(middle).saturatingMultiply(Int64($1.1))) }
            if reached >= target { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// Requests that took `latencyUs` or less.
    func countAtOrBelow(_ latencyUs: Int64) -> Int64 {
        var low = 0
        var high = latenciesUs.count
        while low < high {
            let middle = (low + high) / 2
            if latenciesUs[middle] <= latencyUs { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? 0 : cumulativeCounts[low - 1]
    }
}
