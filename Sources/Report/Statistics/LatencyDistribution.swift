import Core
import LoadGen
import Records

/// A latency distribution merged from one or more trials' raw (µs, count) buckets, for exact
/// percentiles and mean.
///
/// Percentiles use the nearest-rank definition: for N recorded requests, the p-th percentile
/// (0 ≤ p ≤ 100) is the smallest recorded latency L such that at least ⌈p/100 · N⌉ requests
/// took L or less; p = 0 gives the minimum and p = 100 the maximum. Every reported percentile
/// is therefore a latency that some request really had; nothing is interpolated.
public struct LatencyDistribution: Sendable, Equatable {
    /// Distinct latencies in µs, ascending.
    public let latenciesUs: [Int64]
    /// `cumulativeCounts[i]`: requests with latency ≤ `latenciesUs[i]`.
    public let cumulativeCounts: [Int64]
    /// Sum of every request's latency, in µs.
    private let totalUs: Double

    /// Merges buckets in any order; buckets with the same latency add up, counts ≤ 0 are ignored.
    public init(_ buckets: [LatencyBucket]) {
        self.init(merging: [buckets])
    }

    /// Merges several trials' buckets into one distribution.
    public init(merging trials: [[LatencyBucket]]) {
        // Stored trials arrive sorted, so a balanced merge of sorted runs costs O(n log k)
        // instead of sorting millions of buckets again.
        var runs = trials.map { buckets -> [LatencyBucket] in
            let kept = buckets.filter { $0.count > 0 }
            return Self.isAscending(kept) ? kept : kept.sorted { $0.latencyUs < $1.latencyUs }
        }
        while runs.count > 1 {
            var next: [[LatencyBucket]] = []
            next.reserveCapacity((runs.count + 1) / 2)
            var index = 0
            while index + 1 < runs.count {
                next.append(Self.merge(runs[index], runs[index + 1]))
                index += 2
            }
            if index < runs.count { next.append(runs[index]) }
            runs = next
        }
        let merged = runs.first ?? []

        var latencies: [Int64] = []
        var cumulative: [Int64] = []
        latencies.reserveCapacity(merged.count)
        cumulative.reserveCapacity(merged.count)
        var running: Int64 = 0
        var total = 0.0
        for bucket in merged {
            running = running.saturatingAdd(bucket.count)
            // Products and sums stay below 2^53 for any realistic run, so Double is exact here.
            total += Double(bucket.latencyUs) * Double(bucket.count)
            if latencies.last == bucket.latencyUs {
                cumulative[cumulative.count - 1] = running
            } else {
                latencies.append(bucket.latencyUs)
                cumulative.append(running)
            }
        }
        latenciesUs = latencies
        cumulativeCounts = cumulative
        totalUs = total
    }

    /// Number of requests recorded.
    public var count: Int64 { cumulativeCounts.last ?? 0 }

    public var isEmpty: Bool { count == 0 }

    /// Fastest request in µs; nil when empty.
    public var min: Int64? { latenciesUs.first }

    /// Slowest request in µs; nil when empty.
    public var max: Int64? { latenciesUs.last }

    /// Mean latency in µs over every request; nil when empty.
    public var mean: Double? { isEmpty ? nil : totalUs / Double(count) }

    /// The merged distribution as ascending buckets with distinct latencies.
    public var buckets: [LatencyBucket] {
        var previous: Int64 = 0
        return zip(latenciesUs, cumulativeCounts).map { latency, cumulative in
            defer { previous = cumulative }
            return LatencyBucket(latencyUs: latency, count: cumulative - previous)
        }
    }

    /// The nearest-rank p-th percentile in µs (see the type's documentation); nil when the
    /// distribution is empty or p is outside 0…100.
    public func percentile(_ p: Double) -> Int64? {
        guard let rank = NearestRank.rank(p, of: count) else { return nil }
        return latenciesUs[firstIndex(reaching: rank)]
    }

    /// Several nearest-rank percentiles at once, keyed by p; invalid p are left out.
    public func percentiles(_ ps: [Double]) -> [Double: Int64] {
        var result: [Double: Int64] = [:]
        for p in ps {
            if let value = percentile(p) { result[p] = value }
        }
        return result
    }

    /// Binary search over the prefix sums: the first bucket whose cumulative count ≥ rank.
    private func firstIndex(reaching rank: Int64) -> Int {
        var low = 0
        var high = cumulativeCounts.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulativeCounts[middle] >= rank { high = middle } else { low = middle + 1 }
        }
        return low
    }

    private static func isAscending(_ buckets: [LatencyBucket]) -> Bool {
        zip(buckets, buckets.dropFirst()).allSatisfy { $0.latencyUs <= $1.latencyUs }
    }

    private static func merge(_ a: [LatencyBucket], _ b: [LatencyBucket]) -> [LatencyBucket] {
        var result: [LatencyBucket] = []
        result.reserveCapacity(a.count + b.count)
        var i = 0
        var j = 0
        while i < a.count, j < b.count {
            if a[i].latencyUs <= b[j].latencyUs {
                result.append(a[i])
                i += 1
            } else {
                result.append(b[j])
                j += 1
            }
        }
        result.append(contentsOf: a[i...])
        result.append(contentsOf: b[j...])
        return result
    }
}
