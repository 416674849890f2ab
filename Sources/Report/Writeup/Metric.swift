
/// A per-variant number that prose can quote, with its polarity: for requests more is
/// better, for latency less is.
public enum Metric: String, CaseIterable, Sendable {
    case requests, rps, min, p50, p90, p99, p999 = "p99.9", p9999 = "p99.99", max, mean, errors, rss, cpu
    /// The app's CPU per answered request, in ms.
    case cpuPerRequest = "cpu/request"
    /// Trials whose window did not hold steady (`SteadyState`).
    case unsteady
    /// The highest rate that keeps the run's capacity target, requests/s (a capacity at the
    /// generator's limit counts as that limit).
    case capacity

    public var higherIsBetter: Bool {
        switch self {
        case .requests, .rps, .capacity: return true
        default: return false
        }
    }

    /// The metric's value for a variant, nil when it has none (a failed variant).
    public func value(_ stats: VariantStatistics) -> Double? {
        switch self {
        case .requests: return stats.throughput.requestsMean
        case .rps: return stats.throughput.requestsPerSecondMean
        case .min: return stats.latency.minMs
        case .p50: return stats.latency.p50Ms
        case .p90: return stats.latency.p90Ms
        case .p99: return stats.latency.p99Ms
        case .p999: return stats.latency.p999Ms
        case .p9999: return stats.latency.p9999Ms
        case .max: return stats.latency.maxMs
        case .mean: return stats.latency.meanMs
        case .errors: return stats.trialsOK > 0 ? Double(stats.errors.counts.total) : nil
        case .rss: return stats.resources.appPeakRSSBytes.map(Double.init)
        case .cpu: return stats.resources.appCPU?.seconds
        case .cpuPerRequest: return stats.resources.appCPUPerRequestMs
        case .unsteady: return Double(stats.trialsUnsteady)
        case .capacity:
            guard let capacity = stats.capacity, capacity.kind == .found || capacity.kind == .generatorLimited else { return nil }
            return capacity.rps
        }
    }

    /// The value formatted with its unit, using the report's one rounding policy.
    public func format(_ value: Double?) -> String {
        switch self {
        case .requests, .errors: return ReportNumber.count(value)
        case .unsteady: return ReportNumber.count(value) + (value == 1 ? " trial" : value == nil ? "" : " trials")
        case .rps, .capacity: return ReportNumber.count(value) + (value == nil ? "" : " requests/s")
        case .rss: return ReportNumber.mebibytes(value)
        case .cpu: return ReportNumber.seconds(value) + (value == nil ? "" : " s")
        case .cpuPerRequest: return value.map { ReportNumber.decimal($0, places: 3, grouped: true) + " ms" } ?? ReportNumber.missing
        default: return ReportNumber.milliseconds(value) + (value == nil ? "" : " ms")
        }
    }
}
