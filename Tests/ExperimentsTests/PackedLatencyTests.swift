import Foundation
import Testing
@testable import Core
@testable import Records
@testable import Store

@Suite("Packed latency")
struct PackedLatencyTests {
    /// Buckets as a generator leaves them: out of order, a repeated latency, a zero count,
    /// latencies from 0 µs to an hour and counts up to a window's worth.
    static func mixed(_ count: Int, seed: UInt64) -> [LatencyBucket] {
        var random = SplitMix64(seed: seed)
        var buckets = (0..<count).map { _ in
            LatencyBucket(latencyUs: Int64.random(in: 0...3_600_000_000, using: &random), count: Int64.random(in: 1...3, using: &random))
        }
        buckets += [LatencyBucket(latencyUs: 0, count: 0), LatencyBucket(latencyUs: 7, count: 1_000_000_000)]
        buckets.append(buckets[count / 2])
        return buckets.shuffled(using: &random)
    }

    static func sorted(_ buckets: [LatencyBucket]) -> [LatencyBucket] {
        buckets.sorted { ($0.latencyUs, $0.count) < ($1.latencyUs, $1.count) }
    }

    @Test("a blob decodes to its buckets sorted by latency, every one of them", arguments: [0, 1, 10_000])
    func roundTrip(count: Int) throws {
        let buckets = count == 0 ? [] : Self.mixed(count, seed: UInt64(count))
        let blob = PackedLatency.encode(buckets)
        let decoded = try #require(PackedLatency.decode(blob, expected: Int64(buckets.count), trialID: 1))
        #expect(decoded == Self.sorted(buckets))
        // About three bytes a bucket at these spreads: far less than a row.
        #expect(blob.count <= max(buckets.count, 1) * 8)
    }

    @Test("a blob that is cut, too long, claims another count, or holds values out of range decodes to nothing")
    func damaged() {
        let buckets = Self.sorted(Self.mixed(100, seed: 7))
        let blob = PackedLatency.encode(buckets)
        let expected = Int64(buckets.count)
        #expect(PackedLatency.decode(blob, expected: expected, trialID: 1) != nil)
        #expect(PackedLatency.decode(blob.dropLast(), expected: expected, trialID: 1) == nil)
        #expect(PackedLatency.decode(blob + [0, 1], expected: expected, trialID: 1) == nil)
        #expect(PackedLatency.decode(blob, expected: expected - 1, trialID: 1) == nil)
        #expect(PackedLatency.decode(blob, expected: expected + 1, trialID: 1) == nil)
        #expect(PackedLatency.decode(blob, expected: -1, trialID: 1) == nil)
        // A latency past a day, a count past a window, a negative count, an endless varint.
        for bad in [
            [LatencyBucket(latencyUs: 86_400_000_001, count: 1)],
            [LatencyBucket(latencyUs: 5, count: 1_000_000_000_001)],
            [LatencyBucket(latencyUs: 5, count: -1)],
        ] {
            #expect(PackedLatency.decode(PackedLatency.encode(bad), expected: 1, trialID: 1) == nil)
        }
        #expect(PackedLatency.decode(Data(repeating: 0xFF, count: 40), expected: 1, trialID: 1) == nil)
        // Two buckets of a day each: the second would end past a day.
        let day = PackedLatency.encode([LatencyBucket(latencyUs: 86_400_000_000, count: 1)])
        let twoDays = day + day
        #expect(PackedLatency.decode(twoDays, expected: 2, trialID: 1) == nil)
    }
}
