import Core
import Foundation
import LoadGen

/// What one measured window gave, whichever generator measured it.
public struct LoadMeasurement: Sendable, Equatable {
    public var durationUs: Int64
    public var requests: Int64
    public var bytes: Int64
    public var errors: ErrorCounts
    /// The raw latency distribution (no synthetic samples), ascending by latency.
    public var latency: [LatencyBucket]
    /// The generator's own percentiles in µs, keyed by percentile.
    public var generatorPercentiles: [Double: Double]
    /// What those percentiles are (`LoadGeneratorKind.percentileNote`); nil without any.
    public var percentileNote: String?
    /// Every request of the window, when the generator keeps them; times count from the
    /// run's start, which is `timeline.warmupUs` before the window's.
    public var requestLog: ContiguousArray<RequestSample>?
    /// What happened interval by interval, warm-up included, when the generator can say.
    public var timeline: Timeline?

    public init(
        durationUs: Int64, requests: Int64, bytes: Int64, errors: ErrorCounts, latency: [LatencyBucket],
        generatorPercentiles: [Double: Double] = [:], percentileNote: String? = nil,
        requestLog: ContiguousArray<RequestSample>? = nil, timeline: Timeline? = nil
    ) {
        self.timeline = timeline
        self.durationUs = durationUs
        self.requests = requests
        self.bytes = bytes
        self.errors = errors
        self.latency = latency
        self.generatorPercentiles = generatorPercentiles
        self.percentileNote = percentileNote
        self.requestLog = requestLog
    }

    /// Nothing measured: the measurement of a failed trial.
    public static let none = LoadMeasurement(durationUs: 0, requests: 0, bytes: 0, errors: ErrorCounts(), latency: [])

    /// Requests that got a response of any status: not timed out, nor lost to a read or
    /// write failure.
    public var answered: Int64 {
        max(0, requests - errors.timeout - errors.read - errors.write)
    }

    /// The share of requests that failed: non-2xx answers, connect, read and write errors.
    /// Timeouts are slow answers, not errors, and do not count; 0 without requests.
    public var errorShare: Double {
        let failed = errors.status + errors.connect + errors.read + errors.write
        let attempts = requests + errors.connect
        return attempts > 0 ? Double(failed) / Double(attempts) : 0
    }

    /// Why this window cannot count when more than `limit` of its requests failed; nil when
    /// it can.
    public func errorProblem(limit: Double) -> String? {
        // A window in which nothing was answered measured no serving at all, errors or not.
        guard answered > 0 else {
            let lost = [("timed out", errors.timeout), ("read errors", errors.read), ("write errors", errors.write), ("connect errors", errors.connect)]
                .filter { $0.1 > 0 }.map { "\($0.1) \($0.0)" }.joined(separator: ", ")
            return "no request was answered in the window" + (lost.isEmpty ? "" : " (\(lost))")
        }
        guard errorShare > limit else { return nil }
        let kinds = [("non-2xx", errors.status), ("connect", errors.connect), ("read", errors.read), ("write", errors.write)]
            .filter { $0.1 > 0 }.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
        let percent = { (share: Double) in String(format: "%.2f%%", share * 100) }
        return "\(percent(errorShare)) of requests failed (\(kinds)), more than the \(percent(limit)) a trial may lose"
    }

    /// Requests per second over the window; 0 without a window.
    public var requestsPerSecond: Double {
        durationUs > 0 ? Double(requests) / (Double(durationUs) / 1e6) : 0
    }
}
