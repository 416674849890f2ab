/// The report's second table: what each variant's app cost while it served (CPU in cores and
/// per answered request, peak memory) and how often its requests failed, by kind.
public enum ResourcesTable {
    public static let header = [
        "variant", "requests/s", "±95% (trials)", "app CPU (cores)", "app CPU per request (ms)", "app peak RSS (MiB)",
        "connect errors (%)", "read errors (%)", "write errors (%)", "non-2xx (%)", "timeouts (%)",
    ]

    public static func render(_ stats: [VariantStatistics], format: TableFormat) -> String {
        ResultsTable.grid(header: header, rows: stats.map(row), rightAligned: Set(1..<header.count), format: format)
    }

    static func row(_ stats: VariantStatistics) -> [String] {
        if stats.isFailed {
            return [stats.name] + Array(repeating: ResultsTable.failedCell, count: header.count - 1)
        }
        let requests = stats.throughput.totalRequests
        let rates = stats.errors.counts.byKind.map { count in
            requests > 0 ? ReportNumber.decimal(Double(count) / Double(requests) * 100, places: 2, grouped: true) : ReportNumber.missing
        }
        return [
            stats.name,
            ReportNumber.count(stats.throughput.requestsPerSecondMean),
            (stats.precision.reached.map { "±" + ReportNumber.decimal($0 * 100, places: 1, grouped: false) + "%" } ?? ReportNumber.missing)
                + " (\(stats.trialsOK))",
            stats.resources.appCPU.map { ReportNumber.decimal($0.cores, places: 2, grouped: true) } ?? ReportNumber.missing,
            stats.resources.appCPUPerRequestMs.map { ReportNumber.decimal($0, places: 3, grouped: true) } ?? ReportNumber.missing,
            stats.resources.appPeakRSSBytes.map { ReportNumber.decimal(Double($0) / 1_048_576, places: 1, grouped: true) } ?? ReportNumber.missing,
        ] + rates
    }
}
