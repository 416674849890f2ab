import Core
import Definition
import Records

/// One value of a variant in the machine-readable results: a column of results.csv, a field
/// of the variant's object in results.json, or both when they hold the same value. The CSV's
/// header and rows, and those JSON fields, all come from `ResultsColumn.all`, so a header
/// cannot drift from its values.
struct ResultsColumn: Sendable {
    /// The CSV header; nil for a value only results.json has.
    var csv: String?
    /// Where the variant's JSON object holds it, keys from the top ("latency_ms.min"); nil
    /// for a column only the CSV has.
    var json: String?
    /// What the value is, with its unit.
    var meaning: String
    /// Decimals of a number in the CSV.
    var places = 0
    /// The value for a variant; null where it has none (a failed variant has only its name,
    /// model and trial counts).
    var value: @Sendable (VariantStatistics) -> JSONValue

    /// The CSV cell: "." decimals, no grouping, empty for a missing value.
    func cell(_ stats: VariantStatistics) -> String {
        switch value(stats) {
        case .null, .array, .object: return ""
        case .bool(let flag): return flag ? "true" : "false"
        case .integer(let integer): return String(integer)
        case .number(let number): return ReportNumber.decimal(number, places: places, grouped: false)
        case .string(let text): return text
        }
    }

    /// Every column in CSV order, the JSON-only values among them. The first CSV columns mean
    /// what the seed's published-2017.csv columns mean.
    static let all: [ResultsColumn] = [
        ResultsColumn(csv: "variant", json: "name", meaning: "the cell's name: its variant, and its levels in a sweep") {
            .string($0.name)
        },
        ResultsColumn(json: "position", meaning: "the cell's place in the definition, from 0") { .integer(Int64($0.position)) },
        ResultsColumn(csv: "model", json: "model", meaning: "how the app takes concurrent requests: async, greenlet, threads or process") {
            $0.model.map { .string($0.rawValue) } ?? .null
        },
        ResultsColumn(json: "worker_class", meaning: "the app's gunicorn worker class") { $0.workerClass.map(JSONValue.string) ?? .null },
        ResultsColumn(json: "threads", meaning: "the app's threads per worker") { $0.threads.map { .integer(Int64($0)) } ?? .null },
        ResultsColumn(csv: "trials_ok", json: "trials_ok", meaning: "trials that count") { .integer(Int64($0.trialsOK)) },
        ResultsColumn(csv: "trials_failed", json: "trials_failed", meaning: "trials that failed, left out of every number") {
            .integer(Int64($0.trialsFailed))
        },
        ResultsColumn(json: "failures", meaning: "why each failed trial failed") { .array($0.failures.map(JSONValue.string)) },
        ResultsColumn(json: "latency_ms.samples", meaning: "requests in the merged latency distribution") {
            .integer($0.latency.distribution.count)
        },
    ] + latency + [
        ResultsColumn("duration_s", json: "duration_s_mean", places: 3, \.throughput.meanDurationS, "mean measured window, s"),
        ResultsColumn("requests_mean", json: "requests.mean", places: 2, \.throughput.requestsMean, "completed requests per trial, mean"),
        ResultsColumn("requests_ci95_low", json: "requests.ci95_low", places: 2, \.throughput.requestsCI95?.lowerBound, "95% interval of the requests across trials, low end"),
        ResultsColumn("requests_ci95_high", json: "requests.ci95_high", places: 2, \.throughput.requestsCI95?.upperBound, "95% interval of the requests across trials, high end"),
        ResultsColumn(json: "requests.per_trial", meaning: "completed requests of each ok trial, by trial index") {
            .array($0.throughput.requestsPerTrial.map(JSONValue.integer))
        },
        ResultsColumn("requests_per_s", json: "requests_per_s.mean", places: 2, \.throughput.requestsPerSecondMean, "requests per second, mean of the trials"),
        ResultsColumn(nil, json: "requests_per_s.ci95_low", \.throughput.requestsPerSecondCI95?.lowerBound, "95% interval of requests per second across trials, low end"),
        ResultsColumn(nil, json: "requests_per_s.ci95_high", \.throughput.requestsPerSecondCI95?.upperBound, "95% interval of requests per second across trials, high end"),
    ] + errorCounts + [
        ResultsColumn("app_cpu_s", json: "app.cpu_s", places: 3, \.resources.appCPU?.seconds, "the app's CPU time in the window, mean per trial, s"),
        ResultsColumn(nil, json: "app.cpu_percent_of_core", \.resources.appCPU?.percentOfCore, "the app's CPU as a percentage of one core"),
        ResultsColumn(csv: "app_peak_rss_bytes", json: "app.peak_rss_bytes", meaning: "the app's largest resident memory in any ok trial, bytes") {
            $0.resources.appPeakRSSBytes.map(JSONValue.integer) ?? .null
        },
        ResultsColumn("app_cpu_cores", places: 3, \.resources.appCPU?.cores, "the app's CPU in cores (2: two cores busy)"),
        ResultsColumn("app_cpu_ms_per_request", json: "app.cpu_ms_per_request", places: 4, \.resources.appCPUPerRequestMs, "the app's CPU per answered request, ms"),
        ResultsColumn(nil, json: "loadgen.cpu_s", \.resources.loadgenCPU?.seconds, "the load generator's CPU time in the window, mean per trial, s"),
        ResultsColumn(nil, json: "loadgen.cpu_percent_of_core", \.resources.loadgenCPU?.percentOfCore, "the load generator's CPU as a percentage of one core"),
        ResultsColumn("requests_per_s_cv", json: "requests_per_s.cv", places: 4, \.precision.cv, "standard deviation over mean of the trials' requests per second"),
        ResultsColumn(
            "requests_per_s_precision", json: "requests_per_s.precision", places: 4, \.precision.reached,
            "half the 95% interval of requests per second over its mean (0.05: ±5%)"),
    ]

    /// The latency percentiles, in ms: `<name>_ms` in the CSV (p99.9 as p99_9_ms),
    /// `latency_ms.<name>` in the JSON.
    private static let latency: [ResultsColumn] = [
        ("min", "fastest request", \VariantStatistics.latency.minMs), ("p50", "median latency (nearest rank)", \.latency.p50Ms),
        ("p90", "90th percentile latency", \.latency.p90Ms), ("p99", "99th percentile latency", \.latency.p99Ms),
        ("p99_9", "99.9th percentile latency", \.latency.p999Ms), ("p99_99", "99.99th percentile latency", \.latency.p9999Ms),
        ("max", "slowest request", \.latency.maxMs), ("mean", "mean latency over every request", \.latency.meanMs),
    ].map { (name: String, meaning: String, value: KeyPath<VariantStatistics, Double?> & Sendable) in
        ResultsColumn(name + "_ms", json: "latency_ms." + name, places: 3, value, meaning + ", ms")
    }

    /// One CSV column per kind of error, empty without ok trials; the JSON has them as
    /// `errors` (`ErrorsPart`), with zeros.
    private static let errorCounts: [ResultsColumn] = [
        ("connect", "connections that could not be made", \ErrorCounts.connect), ("read", "answers that could not be read", \.read),
        ("write", "requests that could not be sent", \.write), ("status", "answers with a status other than 2xx", \.status),
        ("timeout", "requests given up on after the timeout", \.timeout),
    ].map { (kind: String, meaning: String, count: KeyPath<ErrorCounts, Int64> & Sendable) in
        ResultsColumn(csv: "errors_" + kind, meaning: meaning + ", summed over the ok trials") { stats in
            stats.trialsOK > 0 ? .integer(stats.errors.counts[keyPath: count]) : .null
        }
    }

    /// The columns a swept run adds: each cell's variant and its level of every swept setting.
    static func cell(swept: [SweptSetting]) -> [ResultsColumn] {
        [ResultsColumn(csv: "cell_variant", meaning: "the definition's variant this cell measures") { .string($0.cell.variant) }]
            + swept.map { setting in
                ResultsColumn(csv: ResultsExport.levelColumn(setting), meaning: "the cell's level of \(setting.rawValue)", places: 6) {
                    $0.cell.level(setting).map { JSONValue($0.value) } ?? .null
                }
            }
    }
}

extension ResultsColumn {
    /// A measured number, null where the variant has none or it is not finite.
    private init(
        _ csv: String?, json: String? = nil, places: Int = 0, _ number: KeyPath<VariantStatistics, Double?> & Sendable, _ meaning: String
    ) {
        self.init(csv: csv, json: json, meaning: meaning, places: places) { JSONValue($0[keyPath: number]) }
    }
}

/// Error counts by kind and their total, as results.json writes them for a variant and for
/// each trial.
struct ErrorsPart: Encodable {
    var connect, read, write, status, timeout, total: Int64

    init(_ counts: ErrorCounts) {
        (connect, read, write, status, timeout) = (counts.connect, counts.read, counts.write, counts.status, counts.timeout)
        total = counts.total
    }
}
