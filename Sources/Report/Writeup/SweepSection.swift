import Experiments
import Foundation

/// What a swept run adds to its report: each metric drawn against the swept setting, the
/// requests/s and p99 of every cell as variant × level tables, and which variants their
/// request slots hold back at each delay (Little's law).
enum SweepSection {
    /// One curve chart: its cell name, file, title, axis and how each cell gives its value.
    private struct Metric: Sendable {
        var name: String
        var title: String
        var yLabel: String
        var scale: CurveChart.Scale
        var ceiling: Bool
        var value: @Sendable (VariantStatistics) -> (Double?, ClosedRange<Double>?)
    }

    private static let metrics: [Metric] = [
        Metric(
            name: "sweep-requests", title: "Requests per second", yLabel: "requests/s (mean of trials, 95% interval)",
            scale: .linear, ceiling: true,
            value: { ($0.requestsPerSecondMean, $0.requestsPerSecondCI95) }),
        Metric(
            name: "sweep-p50", title: "Median latency", yLabel: "p50 latency (ms, log scale)", scale: .log, ceiling: false,
            value: { ($0.p50Ms, StudentT.ratioInterval95($0.p50PerTrialMs)) }),
        Metric(
            name: "sweep-p99", title: "99th percentile latency", yLabel: "p99 latency (ms, log scale)", scale: .log, ceiling: false,
            value: { ($0.p99Ms, StudentT.ratioInterval95($0.p99PerTrialMs)) }),
        Metric(
            name: "sweep-memory", title: "Peak memory of the app", yLabel: "peak RSS (MiB)", scale: .linear, ceiling: false,
            value: { stats in
                let perTrial = stats.appPeakRSSPerTrial.map { Double($0) / 1_048_576 }
                return (perTrial.isEmpty ? nil : perTrial.reduce(0, +) / Double(perTrial.count), StudentT.ratioInterval95(perTrial))
            }),
    ]

    /// The chart names a swept report offers.
    static var chartNames: [String] { metrics.map(\.name) }

    static func charts(_ view: SweepView, statistics: [VariantStatistics]) -> [ReportChart] {
        let models = Dictionary(
            statistics.map { ($0.variant, $0.model?.rawValue ?? ConcurrencyModel.process.rawValue) },
            uniquingKeysWith: { first, _ in first })
        let levels = view.levels.map { CurveChart.Level(value: $0.value, label: $0.label) }
        return metrics.map { metric in
            var series: [CurveChart.Series] = []
            for slice in view.slices {
                for variant in view.variants {
                    let points = zip(view.levels, view.row(variant, in: slice)).compactMap { level, cell -> CurveChart.Point? in
                        guard let cell else { return nil }
                        let (value, interval) = metric.value(cell)
                        return CurveChart.Point(x: level.value, y: cell.isFailed ? nil : value, interval: interval, failed: cell.isFailed)
                    }
                    let ceiling = metric.ceiling
                        ? view.ceiling(variant, in: slice).map { CurveChart.Point(x: $0.level.value, y: $0.requestsPerSecond) } : []
                    series.append(CurveChart.Series(
                        name: view.seriesName(variant, slice), model: models[variant] ?? ConcurrencyModel.process.rawValue,
                        points: points, ceiling: ceiling))
                }
            }
            let chart = CurveChart(
                title: "\(metric.title) by \(view.axis.axisTitle)", xTitle: view.axis.axisTitle, yLabel: metric.yLabel,
                levels: levels, series: series, yScale: metric.scale)
            return ReportChart(name: metric.name, fileName: metric.name, chart: chart)
        }
    }

    /// Requests/s (with the precision reached) and p99 of every cell: a variant per row, a
    /// level per column, one pair of tables per level of a second swept setting.
    static func tables(_ view: SweepView, format: TableFormat) -> String {
        var parts: [String] = []
        for slice in view.slices {
            let suffix = slice.map { " at \($0.text)" } ?? ""
            let header = ["variant"] + view.levels.map { "\(view.axis.key)=\($0.label)" }
            let right = Set(1..<header.count)
            let requests = view.variants.map { variant in
                [variant] + view.row(variant, in: slice).map { cell -> String in
                    guard let cell else { return ReportNumber.missing }
                    if cell.isFailed { return ResultsTable.failedCell }
                    let precision = cell.requestsPerSecondPrecision.map { " ±\(ReportNumber.decimal($0 * 100, places: 0, grouped: false))%" } ?? ""
                    return ReportNumber.count(cell.requestsPerSecondMean) + precision
                }
            }
            let p99 = view.variants.map { variant in
                [variant] + view.row(variant, in: slice).map { cell -> String in
                    guard let cell else { return ReportNumber.missing }
                    return cell.isFailed ? ResultsTable.failedCell : ReportNumber.milliseconds(cell.p99Ms)
                }
            }
            parts.append("**Requests/s\(suffix)** (mean of trials, ± half the 95% interval):\n\n"
                + ResultsTable.grid(header: header, rows: requests, rightAligned: right, format: format))
            parts.append("**p99 latency (ms)\(suffix):**\n\n"
                + ResultsTable.grid(header: header, rows: p99, rightAligned: right, format: format))
        }
        return parts.joined(separator: "\n")
    }

    /// For each variant with a ceiling: its slots, the service time read from its lowest
    /// delay, and at which delays its slots hold it (measured ≥ 85% of C / (delay + service))
    /// and at which something else does — the cores, for these servers.
    static func ceilings(_ view: SweepView) -> String {
        guard view.axis == .delay else {
            return "*Ceilings from Little's law are drawn when the upstream delay is swept; this run sweeps \(view.axis.rawValue).*"
        }
        var lines: [String] = [
            "By Little's law a server with C request slots serves at most C / (delay + service time) requests/s. The service time is read from each variant's lowest-delay cell (C ÷ its requests/s − its delay); a thread pool has workers × threads slots, an event loop or green threads as many as the load's connections. A cell reaching \(ReportNumber.decimal(SweepView.heldBySlots * 100, places: 0, grouped: false))% of its ceiling is held by its slots; below that, by the CPU.",
            "",
        ]
        for slice in view.slices {
            for variant in view.variants {
                guard let service = view.service(variant, in: slice) else { continue }
                let ceiling = view.ceiling(variant, in: slice)
                var held: [String] = []
                var cpu: [String] = []
                for ((level, bound), cell) in zip(ceiling, view.row(variant, in: slice)) {
                    // The base cell meets its ceiling by construction: it says nothing.
                    guard let cell, let measured = cell.requestsPerSecondMean, !cell.isFailed, level != service.base else { continue }
                    let text = "\(level.label) (\(ReportNumber.count(measured)) of \(ReportNumber.count(bound)))"
                    if measured >= SweepView.heldBySlots * bound { held.append(text) } else { cpu.append(text) }
                }
                let kind = service.bySlots ? "\(service.slots) slots" : "\(service.slots) connections"
                var line = "- **\(view.seriesName(variant, slice))** (\(kind), service time \(ReportNumber.milliseconds(service.seconds * 1000)) ms from delay=\(service.base.label)):"
                if !held.isEmpty { line += " held by its \(service.bySlots ? "slots" : "connections") at \(held.joined(separator: ", "))" }
                if !held.isEmpty && !cpu.isEmpty { line += ";" }
                if !cpu.isEmpty { line += " below its ceiling, so held by the CPU, at \(cpu.joined(separator: ", "))" }
                if held.isEmpty && cpu.isEmpty { line += " no other delay to judge" }
                lines.append(line + ".")
            }
        }
        return lines.joined(separator: "\n")
    }
}
