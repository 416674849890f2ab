import Foundation
import Testing
@testable import LoadGen

@testable import Report
@testable import Core
@testable import Hosts
@testable import Records

/// Every caller of a percentile gives the same nearest-rank answer from the same requests:
/// the report's merged distribution, the buckets calibrate and the progress line read, the
/// built-in generator's own percentiles (stored, and printed by `reportgen load`), and the
/// bootstrap's weighted merge.
@Suite("one percentile")
struct NearestRankTests {
    /// Latencies 1…n µs, one request each.
    static func requests(_ n: Int) -> (LoadResult, [LatencyBucket]) {
        let samples = ContiguousArray((1...n).map {
            RequestSample(startUs: UInt32($0), latencyUs: UInt32($0), bytes: 1, status: 200, connection: 0)
        })
        let result = LoadResult(durationUs: 1_000_000, connectFailuresUs: [], inFlightAtEnd: 0, reconnects: 0, samples: samples)
        return (result, (1...n).map { LatencyBucket(latencyUs: Int64($0), count: 1) })
    }

    @Test(
        "p at the boundaries, through every caller",
        arguments: [
            (1000, 99.9, Int64(999)), (1000, 99.99, 1000), (1000, 50, 500), (1000, 99, 990), (1000, 100, 1000),
            (1000, 0, 1), (2, 50, 1), (3, 50, 2), (1, 99.9, 1), (10_000, 99.99, 9_999), (7, 99, 7),
        ])
    func everyCallerAgrees(n: Int, p: Double, expected: Int64) {
        let (result, buckets) = Self.requests(n)
        #expect(NearestRank.rank(p, of: Int64(n)) == expected)
        #expect(result.latencyPercentiles([p])[p] == expected, "reportgen load and the built-in generator's stored percentiles")
        #expect(buckets.percentile(p) == expected, "calibrate and the progress line")
        let distribution = LatencyDistribution(buckets)
        #expect(distribution.percentile(p) == expected, "the report")
        #expect(LatencyDistribution.percentile(p, of: [distribution], weights: [1]) == expected, "the bootstrap")
        let measured = BuiltinLoadGenerator.measurement(result, openLoop: false)
        #expect(measured.generatorPercentiles[p].map { Int64($0) } == (BuiltinLoadGenerator.percentiles.contains(p) ? expected : nil))
    }

    @Test("no rank outside 0…100 or for nothing")
    func outside() {
        #expect(NearestRank.rank(100.1, of: 10) == nil)
        #expect(NearestRank.rank(-1, of: 10) == nil)
        #expect(NearestRank.rank(50, of: 0) == nil)
        #expect(NearestRank.rank(.nan, of: 10) == nil)
    }
}
