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
        var timeline: TimelineWire?
    }

    /// What the threads' timers kept (see `WrkScript`): per thread and edge `[late_us,
    /// complete, bytes, connect, read, write, status, timeout]` (cumulative), and per edge
    /// what wrk's histogram gained since the edge before, as µs, count pairs.
    private struct TimelineWire: Decodable {
        var failure: String?
        var threads: [[[Int64]]]?
        var histograms: [[Int64]]?
    }

    /// Decodes the JSON written by `WrkScript` for a run with `connections` connections;
    /// with `timeline`, the run held a warm-up and its window, and the window is measured
    /// from the intervals after the warm-up.
    public init(json: Data, connections: Int, timeline plan: WrkTimelinePlan? = nil) throws {
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
        if let plan {
            (measurement, correctedBuckets) = try Self.window(wire.timeline, plan: plan, connections: connections)
            return
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

    /// The window of a run that held a warm-up before it, from its timeline: its counts and
    /// raw histogram are the sums of the window's intervals; wrk's corrected percentiles are
    /// computed again over the window alone (wrk's own cover the whole run).
    private static func window(_ wire: TimelineWire?, plan: WrkTimelinePlan, connections: Int) throws -> (LoadMeasurement, [LatencyBucket]) {
        func unreadable(_ why: String) -> ReportgenError {
            ReportgenError(
                .processFailed, "wrk's timeline could not be read: \(why)",
                hint: "this wrk is not laid out as Debian's wrk 4.1; use generator = \"builtin\", which keeps every request")
        }
        guard let wire else { throw unreadable("its report has none") }
        if let failure = wire.failure { throw unreadable(failure) }
        let edges = plan.edgesUs
        guard let threads = wire.threads, let histograms = wire.histograms, !threads.isEmpty, histograms.count == edges.count,
            threads.allSatisfy({ $0.count == edges.count && $0.allSatisfy { $0.count == 8 } }),
            histograms.allSatisfy({ $0.count % 2 == 0 })
        else { throw unreadable("its intervals do not match the edges asked for") }
        var intervals: [TrialInterval] = []
        var window = [Int64: Int64]()
        var total = (requests: Int64(0), bytes: Int64(0), errors: ErrorCounts())
        for (index, edge) in edges.enumerated() {
            let from = index == 0 ? 0 : edges[index - 1]
            // Per thread, what its counters gained since the edge before.
            var bytes: Int64 = 0
            var errors = ErrorCounts()
            for rows in threads {
                let now = rows[index]
                let before = index == 0 ? [Int64](repeating: 0, count: 8) : rows[index - 1]
                let gained = zip(now, before).map { $0 - $1 }
                guard gained.dropFirst().allSatisfy({ $0 >= 0 }) else { throw unreadable("a thread's counters went down") }
                bytes += gained[2]
                errors = errors + ErrorCounts(connect: gained[3], read: gained[4], write: gained[5], status: gained[6], timeout: gained[7])
            }
            let pairs = histograms[index]
            var buckets: [LatencyBucket] = []
            for at in stride(from: 0, to: pairs.count, by: 2) {
                guard pairs[at] >= 0, pairs[at + 1] > 0 else { throw unreadable("a histogram holds a negative value") }
                buckets.append(LatencyBucket(latencyUs: pairs[at], count: pairs[at + 1]))
            }
            buckets.sort { $0.latencyUs < $1.latencyUs }
            let recorded = buckets.reduce(0) { $0 + $1.count }
            // Timeouts are answers wrk does not put in its histogram.
            let requests = recorded + errors.timeout
            intervals.append(TrialInterval(
                startUs: from - plan.warmupUs, lengthUs: edge - from, requests: requests, errors: errors,
                p50Us: buckets.percentile(50),
                p99Us: buckets.percentile(99)))
            if from >= plan.warmupUs && edge <= plan.warmupUs + plan.durationUs {
                for bucket in buckets { window[bucket.latencyUs, default: 0] += bucket.count }
                total.requests += requests
                total.bytes += bytes
                total.errors = total.errors + errors
            }
        }
        let raw = window.sorted { $0.key < $1.key }.map { LatencyBucket(latencyUs: $0.key, count: $0.value) }
        let interval = WrkCorrection.interval(durationUs: plan.durationUs, requests: total.requests, connections: connections)
        let corrected = WrkCorrection.apply(to: raw, interval: interval)
        var percentiles: [Double: Double] = [:]
        for p in [50, 75, 90, 99, 99.9, 99.99] {
            if let value = corrected.percentile(p) { percentiles[p] = Double(value) }
        }
        let measurement = LoadMeasurement(
            durationUs: plan.durationUs, requests: total.requests, bytes: total.bytes, errors: total.errors, latency: raw,
            generatorPercentiles: percentiles, percentileNote: LoadGeneratorKind.wrk.percentileNote(openLoop: false),
            timeline: Timeline(warmupUs: plan.warmupUs, intervalUs: plan.intervalUs, inFlightAtStart: nil, inFlightAtEnd: nil, intervals: intervals))
        return (measurement, corrected)
    }

    /// Requests in the raw histogram.
    public var rawCount: Int64 { rawBuckets.reduce(0) { $0 + $1.count } }
}

/// The edges at which wrk's timers read its counters and histogram, for a run of a warm-up
/// and then a window: µs from the run's start, the warm-up laid back from the window's start
/// in intervals (its first what is left), then the window's intervals to its end.
public struct WrkTimelinePlan: Sendable, Equatable {
    public var warmupUs: Int64
    public var durationUs: Int64
    public var intervalUs: Int64

    public init(warmupUs: Int64, durationUs: Int64, intervalUs: Int64) {
        self.warmupUs = warmupUs
        self.durationUs = durationUs
        self.intervalUs = intervalUs
    }

    public var edgesUs: [Int64] {
        var edges: [Int64] = []
        var edge = warmupUs - ((warmupUs - 1) / intervalUs) * intervalUs
        if warmupUs == 0 { edge = intervalUs }
        while edge < warmupUs + durationUs {
            edges.append(edge)
            edge += intervalUs
        }
        edges.append(warmupUs + durationUs)
        return edges
    }
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
