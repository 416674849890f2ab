import Experiments
import Foundation

/// A chart drawn for a report: the name a `chart NAME` cell uses, its file name and the chart.
public struct ReportChart: Sendable {
    public var name: String
    public var fileName: String
    public var title: String
    public var chart: any Chart & Sendable

    public init(name: String, fileName: String, chart: any Chart & Sendable) {
        self.name = name
        self.fileName = fileName
        self.title = chart.title
        self.chart = chart
    }
}

/// The standard charts of a run: requests per variant (the seed's chart), latency by
/// percentile, and the app's peak memory; with a published baseline, this machine's
/// requests next to the published ones (`published`).
enum ReportCharts {
    static let percentiles: [Double] = [50, 90, 99, 99.9, 99.99]

    static func make(_ context: ReportContext, baseline: PublishedBaseline? = nil) -> [ReportChart] {
        let stats = context.statistics
        let window = InlineValue.seconds(context.definition.load.duration)
        let requests = RequestsChart(
            title: "Requests served per variant",
            yLabel: "requests per \(window) window",
            bars: stats.map { s in
                BarChart.Bar(
                    name: s.name, model: model(s), mean: s.requestsMean,
                    trials: s.requestsPerTrial.map(Double.init), interval: s.requestsCI95, failed: s.isFailed)
            })
        let latency = PercentileChart(
            title: "Latency by percentile",
            series: stats.filter { !$0.isFailed && !$0.latency.isEmpty }.map { s in
                PercentileChart.Series(
                    name: s.name, model: model(s),
                    points: percentiles.compactMap { p in
                        s.latency.percentile(p).map { PercentileChart.Point(percentile: p, ms: Double($0) / 1000) }
                    })
            })
        let memory = MemoryChart(
            title: "Peak memory of the app",
            bars: stats.map { s in
                let perTrial = s.appPeakRSSPerTrial.map { Double($0) / 1_048_576 }
                let mean = perTrial.isEmpty ? nil : perTrial.reduce(0, +) / Double(perTrial.count)
                return BarChart.Bar(name: s.name, model: model(s), mean: mean, trials: perTrial, failed: s.isFailed)
            })
        var charts = [
            ReportChart(name: "requests", fileName: "requests", chart: requests),
            ReportChart(name: "latency", fileName: "latency-percentiles", chart: latency),
            ReportChart(name: "memory", fileName: "memory", chart: memory),
        ]
        if let baseline {
            charts.append(ReportChart(
                name: "published", fileName: "published-comparison",
                chart: PublishedSection.chart(baseline, stats, window: context.definition.load.duration)))
        }
        return charts
    }

    private static func model(_ stats: VariantStatistics) -> String {
        stats.model?.rawValue ?? ConcurrencyModel.process.rawValue
    }
}
