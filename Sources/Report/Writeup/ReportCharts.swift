import Core
import Foundation
import Records
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

    /// `timelineVariants`: the variants a write-up draws an over-time chart of on their own
    /// (`chart timeline aiohttp`).
    static func make(_ context: ReportContext, baseline: PublishedBaseline? = nil, timelineVariants: [String] = []) -> [ReportChart] {
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
        if let capacity = context.capacity {
            charts.append(ReportChart(
                name: CapacitySection.chartName, fileName: CapacitySection.chartName,
                chart: CapacitySection.chart(capacity, statistics: stats)))
        }
        if let throughput = throughput(context) {
            charts.append(ReportChart(name: throughputName, fileName: throughputName, chart: throughput))
        }
        charts += timelines(context)
        var files = Set(charts.map(\.fileName))
        for variant in timelineVariants where !charts.contains(where: { $0.name == "\(timelineName) \(variant)" }) {
            for chart in timelines(context, of: variant) {
                // A file name of its own: "flask:10" and "flask-10" would both make flask-10.
                var fileName = chart.fileName
                var suffix = 2
                while files.contains(fileName) {
                    fileName = "\(chart.fileName)-\(suffix)"
                    suffix += 1
                }
                files.insert(fileName)
                charts.append(ReportChart(name: chart.name, fileName: fileName, chart: chart.chart))
            }
        }
        if let baseline {
            charts.append(ReportChart(
                name: "published", fileName: "published-comparison",
                chart: PublishedSection.chart(baseline, stats, window: context.definition.load.duration)))
        }
        return charts
    }

    static let timelineName = "timeline"
    static let timelineP99Name = "timeline-p99"

    /// Whether `name` is an over-time chart a cell may draw for one variant.
    static func isTimeline(_ name: String) -> Bool { name == timelineName || name == timelineP99Name }

    /// The file name of a variant's own over-time chart: "timeline-flask-10" for flask:10.
    static func fileName(_ chart: String, variant: String) -> String {
        let slug = variant.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? String($0) : "-" }.joined()
        return chart + "-" + slug
    }

    /// From the trials' timelines, a panel per variant (per cell of `variant` alone, with its
    /// own scale, when one is named): answered requests per second and the p99 in each
    /// interval of each trial, the warm-up shaded before 0 and stalls marked; none when no
    /// trial has a timeline (stored before timelines) or no variant is named `variant`.
    static func timelines(_ context: ReportContext, of variant: String? = nil) -> [ReportChart] {
        let data = context.data
        let shown = data.variants.filter { variant == nil || $0.cell.variant == variant || $0.name == variant }
        guard !shown.isEmpty else { return [] }
        let timed = data.trials.filter { $0.record.status == .ok }.compactMap(\.measurement.timeline)
        guard let intervalUs = timed.first?.intervalUs, intervalUs > 0 else { return [] }
        let interval = Double(intervalUs) / 1e6
        let longestWarmup: Int64 = timed.map(\.warmupUs).max() ?? 0
        let warmupIntervals = Double((longestWarmup + intervalUs - 1) / intervalUs)
        let step = InlineValue.seconds(.microseconds(intervalUs))
        let models = Dictionary(context.statistics.map { ($0.cell, model($0)) }, uniquingKeysWith: { first, _ in first })
        func panels(_ value: @escaping (TrialInterval) -> Double?) -> [ThroughputChart.Panel] {
            shown.sorted { $0.position < $1.position }.map { variant in
                let trials = data.trials(of: variant).filter { $0.record.status == .ok }
                let lines = trials.compactMap(\.measurement.timeline).map { (timeline: Timeline) -> [Double?] in
                    // Aligned on the longest warm-up: a shorter one starts later.
                    let own: Int64 = (timeline.warmupUs + intervalUs - 1) / intervalUs
                    let missing = max(Int(warmupIntervals) - Int(own), 0)
                    let values: [Double?] = timeline.intervals.map(value)
                    return [Double?](repeating: nil, count: missing) + values
                }
                let stalls = trials.compactMap(\.steadiness).flatMap { $0.findings.filter { $0.reason == .stall }.map(\.atSeconds) }
                return ThroughputChart.Panel(
                    name: variant.name, model: models[variant.cell] ?? ConcurrencyModel.process.rawValue, values: lines,
                    stalls: Array(Set(stalls)).sorted())
            }
        }
        func chart(_ title: String, _ label: String, _ value: @escaping (TrialInterval) -> Double?) -> ThroughputChart {
            var chart = ThroughputChart(
                title: title, panels: panels(value), binSeconds: interval, windowSeconds: context.definition.load.duration.seconds)
            chart.startSeconds = -warmupIntervals * interval
            chart.valueLabel = label
            return chart
        }
        let answered = { (row: TrialInterval) -> Double? in
            Double(max(0, row.requests - row.errors.read - row.errors.write - row.errors.timeout)) / max(Double(row.lengthUs) / 1e6, 1e-6)
        }
        let of = variant.map { " of \($0)" } ?? ""
        let name = { (chart: String) in variant.map { "\(chart) \($0)" } ?? chart }
        let file = { (chart: String) in variant.map { fileName(chart, variant: $0) } ?? chart }
        return [
            ReportChart(
                name: name(timelineName), fileName: file(timelineName),
                chart: chart("Answered requests per second\(of), per \(step) interval (each trial; warm-up shaded, stalls marked)", "requests/s", answered)),
            ReportChart(
                name: name(timelineP99Name), fileName: file(timelineP99Name),
                chart: chart("p99 latency\(of) per \(step) interval (each trial; warm-up shaded)", "p99, ms") {
                    $0.p99Us.map { Double($0) / 1000 }
                }),
        ]
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
