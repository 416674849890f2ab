import Core
import Foundation
import Store

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
    /// The chart drawn only for runs that kept every request.
    static let throughputName = "throughput"

    static func make(_ context: ReportContext, baseline: PublishedBaseline? = nil) -> [ReportChart] {
        let stats = context.statistics
        let window = InlineValue.seconds(context.definition.load.duration)
        let requests = RequestsChart(
            title: "Requests served per variant",
            yLabel: "requests per \(window) window",
            bars: stats.map { s in
                BarChart.Bar(
                    name: s.name, model: model(s), mean: s.throughput.requestsMean,
                    trials: s.throughput.requestsPerTrial.map(Double.init), interval: s.throughput.requestsCI95, failed: s.isFailed)
            })
        let openLoop = context.definition.load.rate != nil
        let latency = PercentileChart(
            title: openLoop ? "Latency by percentile (open loop: from each scheduled send time)" : "Latency by percentile",
            series: stats.filter { !$0.isFailed && !$0.latency.distribution.isEmpty }.map { s in
                PercentileChart.Series(
                    name: s.name, model: model(s),
                    points: percentiles.compactMap { p in
                        s.latency.distribution.percentile(p).map { PercentileChart.Point(percentile: p, ms: Double($0) / 1000) }
                    })
            })
        let memory = MemoryChart(
            title: "Peak memory of the app",
            bars: stats.map { s in
                let perTrial = s.resources.appPeakRSSPerTrial.map { Double($0) / 1_048_576 }
                let mean = perTrial.isEmpty ? nil : perTrial.reduce(0, +) / Double(perTrial.count)
                return BarChart.Bar(name: s.name, model: model(s), mean: mean, trials: perTrial, failed: s.isFailed)
            })
        let cpu = BarChart(
            title: "App CPU per answered request",
            yLabel: "ms of the app's CPU per request",
            bars: stats.map { s in
                BarChart.Bar(
                    name: s.name, model: model(s), mean: s.resources.appCPUPerRequestMs, trials: s.resources.appCPUPerRequestPerTrial,
                    failed: s.isFailed)
            })
        var charts = [
            ReportChart(name: "requests", fileName: "requests", chart: requests),
            ReportChart(name: "latency", fileName: "latency-percentiles", chart: latency),
            ReportChart(name: "memory", fileName: "memory", chart: memory),
            ReportChart(name: "cpu", fileName: "cpu-per-request", chart: cpu),
        ]
        if let sweep = context.sweep {
            charts += SweepSection.charts(sweep, statistics: stats)
        }
        if let throughput = throughput(context) {
            charts.append(ReportChart(name: throughputName, fileName: throughputName, chart: throughput))
        }
        if let baseline {
            charts.append(ReportChart(
                name: "published", fileName: "published-comparison",
                chart: PublishedSection.chart(baseline, stats, window: context.definition.load.duration)))
        }
        return charts
    }

    /// Answered requests per 100 ms through each trial's window, a panel per variant; nil when
    /// no trial kept its requests (wrk runs).
    static func throughput(_ context: ReportContext) -> ThroughputChart? {
        let data = context.data
        guard data.trials.contains(where: { $0.throughput != nil }) else { return nil }
        let models = Dictionary(context.statistics.map { ($0.cell, model($0)) }, uniquingKeysWith: { first, _ in first })
        let panels = data.variants.sorted { $0.position < $1.position }.map { variant in
            ThroughputChart.Panel(
                name: variant.name, model: models[variant.cell] ?? ConcurrencyModel.process.rawValue,
                trials: data.trials(of: variant).filter { $0.record.status == .ok }.compactMap(\.throughput))
        }
        return ThroughputChart(
            title: "Throughput over time (answered requests per 100 ms, each trial)", panels: panels,
            binSeconds: Double(StoredTrial.throughputBinUs) / 1e6, windowSeconds: context.definition.load.duration.seconds)
    }

    private static func model(_ stats: VariantStatistics) -> String {
        stats.model?.rawValue ?? ConcurrencyModel.process.rawValue
    }
}
