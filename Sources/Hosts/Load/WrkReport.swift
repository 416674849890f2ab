import Core
import Definition
import Foundation
import Records

/// What wrk's `done()` wrote, decoded, with the raw histogram recovered. wrk's counts read
/// straight through to the measurement (`report.requests`, `report.errorsStatus`).
@dynamicMemberLookup
public struct WrkReport: Sendable, Equatable {
    /// The report as the runner stores it: wrk's counts, the raw histogram and wrk's
    /// corrected percentiles.
    public var measurement: LoadMeasurement
    /// The histogram as wrk handed it to `done()`, synthetic samples included.
    public var correctedBuckets: [LatencyBucket]

    /// wrk's percentiles (key: percentile, value: µs), computed on its corrected histogram.
    public var correctedPercentiles: [Double: Double] { measurement.generatorPercentiles }
    /// The measured histogram: `correctedBuckets` with wrk's correction undone.
    public var rawBuckets: [LatencyBucket] { measurement.latency }

    public subscript<Value>(dynamicMember path: KeyPath<LoadMeasurement, Value>) -> Value {
        measurement[keyPath: path]
    }

    private struct Wire: Decodable {
        struct Errors: Decodable {
            var connect: Int64
            var read: Int64
            var write: Int64
            var status: Int64
            var timeout: Int64
        }
        var duration_us: Int64
        var requests: Int64
        var bytes: Int64
        var errors: Errors
        var percentiles: [String: Double]?
        var buckets: [Int64]
    }

    /// Decodes the JSON written by `WrkScript` for a run with `connections` connections.
    public init(json: Data, connections: Int) throws {
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: json)
        } catch {
            throw ReportgenError(
                .processFailed, "wrk's report could not be read",
                hint: "check that wrk is version 4.x with Lua support (wrk -v)", underlying: error)
        }
        guard wire.buckets.count % 2 == 0 else {
            throw ReportgenError(.processFailed, "wrk's report has an odd number of histogram values")
        }
        var percentiles: [Double: Double] = [:]
        for (key, value) in wire.percentiles ?? [:] {
            if let p = Double(key) { percentiles[p] = value }
        }
        correctedBuckets = stride(from: 0, to: wire.buckets.count, by: 2).map {
            LatencyBucket(latencyUs: wire.buckets[$0], count: wire.buckets[$0 + 1])
        }
        let interval = WrkCorrection.interval(
            durationUs: wire.duration_us, requests: wire.requests, connections: connections)
        measurement = LoadMeasurement(
            durationUs: wire.duration_us, requests: wire.requests, bytes: wire.bytes,
            errors: ErrorCounts(
                connect: wire.errors.connect, read: wire.errors.read, write: wire.errors.write,
                status: wire.errors.status, timeout: wire.errors.timeout),
            latency: WrkCorrection.remove(from: correctedBuckets, interval: interval),
            generatorPercentiles: percentiles, percentileNote: LoadGeneratorKind.wrk.percentileNote(openLoop: false))
    }

    /// Requests in the raw histogram.
    public var rawCount: Int64 { rawBuckets.reduce(0) { $0 + $1.count } }
}

/// wrk 4's coordinated-omission correction and its inverse.
///
/// After a run wrk computes an expected interval E = duration / (requests / connections)
/// and, for every recorded latency n ≥ 2E, adds that bucket's count to each of the buckets
/// n − E, n − 2E, … while they stay above E. Each original bucket is read before anything
/// is added to it (additions only go downwards), so walking the corrected histogram from
/// the top down recovers the original exactly: a bucket m > E holds its own count plus the
/// original counts of every bucket above it in the same residue class modulo E.
public enum WrkCorrection {
    /// wrk's expected interval, or 0 when it applies no correction.
    public static func interval(durationUs: Int64, requests: Int64, connections: Int) -> Int64 {
        guard connections > 0 else { return 0 }
        let perConnection = requests / Int64(connections)
        guard perConnection > 0 else { return 0 }
        return durationUs / perConnection
    }

    /// The histogram before wrk's correction with interval `interval`.
    public static func remove(from corrected: [LatencyBucket], interval: Int64) -> [LatencyBucket] {
        guard interval > 0 else { return corrected.filter { $0.count > 0 } }
        var above: [Int64: Int64] = [:]
        var original: [LatencyBucket] = []
        original.reserveCapacity(corrected.count)
        for bucket in corrected.sorted(by: { $0.latencyUs > $1.latencyUs }) {
            let residue = bucket.latencyUs % interval
            var count = bucket.count
            if bucket.latencyUs > interval { count -= above[residue, default: 0] }
            // A negative count would mean the input was not wrk's corrected histogram.
            count = max(count, 0)
            if count > 0 {
                original.append(LatencyBucket(latencyUs: bucket.latencyUs, count: count))
                above[residue, default: 0] += count
            }
        }
        return original.reversed()
    }

    /// wrk's correction applied to `raw` (the forward direction, for tests and checks).
    public static func apply(to raw: [LatencyBucket], interval: Int64) -> [LatencyBucket] {
        guard interval > 0 else { return raw }
        var data: [Int64: Int64] = [:]
        for bucket in raw { data[bucket.latencyUs, default: 0] += bucket.count }
        // wrk reads each bucket before anything is added to it, so using the originals is exact.
        let originals = data
        for (n, count) in originals where n >= interval * 2 && count > 0 {
            var m = n - interval
            while m > interval {
                data[m, default: 0] += count
                m -= interval
            }
        }
        return data.filter { $0.value > 0 }.sorted { $0.key < $1.key }
            .map { LatencyBucket(latencyUs: $0.key, count: $0.value) }
    }
}
