import Core
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
            value: { ($0.throughput.requestsPerSecondMean, $0.throughput.requestsPerSecondCI95) }),
        Metric(
            name: "sweep-p50", title: "Median latency", yLabel: "p50 latency (ms, log scale)", scale: .log, ceiling: false,
            value: { ($0.latency.p50Ms, StudentT.ratioInterval95($0.latency.p50PerTrialMs)) }),
        Metric(
            name: "sweep-p99", title: "99th percentile latency", yLabel: "p99 latency (ms, log scale)", scale: .log, ceiling: false,
            value: { ($0.latency.p99Ms, StudentT.ratioInterval95($0.latency.p99PerTrialMs)) }),
        Metric(
            name: "sweep-memory", title: "Peak memory of the app", yLabel: "peak RSS (MiB)", scale: .linear, ceiling: false,
            value: { stats in
                let perTrial = stats.resources.appPeakRSSPerTrial.map { Double($0) / 1_048_576 }
                return (perTrial.isEmpty ? nil : perTrial.reduce(0, +) / Double(perTrial.count), StudentT.ratioInterval95(perTrial))
            }),
    ]

    /// Drawn when the run searched for capacity: each cell's, under its Little's-law ceiling.
    private static let capacity = Metric(
        name: capacityChartName, title: "Capacity at the target", yLabel: "requests/s at the target (95% interval)",
        scale: .linear, ceiling: true,
        value: { stats in
            guard let estimate = stats.capacity, estimate.kind == .found else { return (nil, nil) }
            let interval = estimate.low.flatMap { low in estimate.high.map { low...max(low, $0) } }
            return (estimate.rps, interval)
        })

    static let capacityChartName = "sweep-capacity"

    /// The chart names a swept report offers.
    static var chartNames: [String] { metrics.map(\.name) + [capacityChartName] }

    static func charts(_ view: SweepView, statistics: [VariantStatistics]) -> [ReportChart] {
        let models = Dictionary(
            statistics.map { ($0.cell.variant, $0.model?.rawValue ?? ConcurrencyModel.process.rawValue) },
            uniquingKeysWith: { first, _ in first })
        let levels = view.levels.map { CurveChart.Level(value: $0.value, label: $0.label) }
        let drawn = metrics + (statistics.contains { $0.capacity != nil } ? [capacity] : [])
        return drawn.map { metric in
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
            let suffix = slice.map { " at \(MarkdownText.escaped($0.text))" } ?? ""
            let header = ["variant"] + view.levels.map { "\(view.axis.key)=\($0.label)" }
            let right = Set(1..<header.count)
            let requests = view.variants.map { variant in
                [variant] + view.row(variant, in: slice).map { cell -> String in
                    guard let cell else { return ReportNumber.missing }
                    if cell.isFailed { return ResultsTable.failedCell }
                    let precision = cell.precision.reached.map { " ±\(ReportNumber.decimal($0 * 100, places: 0, grouped: false))%" } ?? ""
                    return ReportNumber.count(cell.throughput.requestsPerSecondMean) + precision
                }
            }
            let p99 = view.variants.map { variant in
                [variant] + view.row(variant, in: slice).map { cell -> String in
                    guard let cell else { return ReportNumber.missing }
                    return cell.isFailed ? ResultsTable.failedCell : ReportNumber.milliseconds(cell.latency.p99Ms)
                }
            }
            parts.append("**Requests/s\(suffix)** (mean of trials, ± half the 95% interval):\n\n"
                + ResultsTable.grid(header: header, rows: requests, rightAligned: right, format: format))
            parts.append("**p99 latency (ms)\(suffix):**\n\n"
                + ResultsTable.grid(header: header, rows: p99, rightAligned: right, format: format))
        }
        return parts.joined(separator: "\n")
    }

    /// For each variant with a ceiling: its slots, its service time, and at which delays
    /// its slots hold it (measured ≥ 85% of C / (delay + service)), at which the CPU does
    /// (the app keeps ≥ 60% of `cores` busy) and at which neither does.
    static func ceilings(_ view: SweepView, cores: Int) -> String {
        guard view.axis == .delay else {
            return "*Ceilings from Little's law are drawn when the upstream delay is swept; this run sweeps \(view.axis.rawValue).*"
        }
        let percent = { (share: Double) in ReportNumber.decimal(share * 100, places: 0, grouped: false) + "%" }
        var lines: [String] = [
            "By Little's law a server with C request slots serves at most C / (delay + service time) requests/s: a thread pool has workers × threads slots, an event loop or green threads as many as the load's connections. The service time is the app's CPU per answered request at the variant's lowest delay, the least a request can hold a slot besides the wait. A cell reaching \(percent(SweepView.heldBySlots)) of its ceiling is held by its slots; below that, by the CPU when the app keeps \(percent(SweepView.heldByCPU)) of the \(cores) cores busy, and otherwise by something the model leaves out (a worker that waits for the upstream one request at a time, say).",
            "",
        ]
        let cpuText = { (cell: VariantStatistics) in
            cell.resources.appCPU.map { "app \(ReportNumber.decimal($0.cores, places: 2, grouped: false)) cores" } ?? "app CPU not sampled"
        }
        for slice in view.slices {
            for variant in view.variants {
                guard let service = view.service(variant, in: slice) else { continue }
                var held: [String] = []
                var cpu: [String] = []
                var neither: [String] = []
                for ((level, bound), cell) in zip(view.ceiling(variant, in: slice), view.row(variant, in: slice)) {
                    guard let cell, !cell.isFailed, let measured = cell.throughput.requestsPerSecondMean else { continue }
                    let text = "\(level.label) (\(ReportNumber.count(measured)) of \(ReportNumber.count(bound))"
                    if measured >= SweepView.heldBySlots * bound {
                        held.append(text + ")")
                    } else if let busy = cell.resources.appCPU?.cores, busy >= SweepView.heldByCPU * Double(cores) {
                        cpu.append(text + ", \(cpuText(cell)))")
                    } else {
                        neither.append(text + ", \(cpuText(cell)))")
                    }
                }
                let kind = service.bySlots ? "\(service.slots) slots" : "\(service.slots) connections"
                var parts: [String] = []
                if !held.isEmpty { parts.append("held by its \(service.bySlots ? "slots" : "connections") at \(held.joined(separator: ", "))") }
                if !cpu.isEmpty { parts.append("held by the CPU at \(cpu.joined(separator: ", "))") }
                if !neither.isEmpty { parts.append("held by neither at \(neither.joined(separator: ", "))") }
                if parts.isEmpty { parts.append("no cell with numbers") }
                lines.append("- **\(MarkdownText.escaped(view.seriesName(variant, slice)))** (\(kind), service time \(ReportNumber.milliseconds(service.seconds * 1000)) ms): \(parts.joined(separator: "; ")).")
            }
        }
        if lines.count == 2 {
            // Only a gunicorn worker class says how many requests a server holds at once.
            lines = ["*No variant of this run has a known number of request slots (a command server does not say how many requests it holds at once), so no ceiling is drawn.*"]
        }
        let failed = view.variants.flatMap { variant in
            view.slices.flatMap { slice in view.row(variant, in: slice).compactMap { $0 }.filter(\.isFailed).map(\.name) }
        }
        if !failed.isEmpty {
            lines.append("")
            lines.append("Cells with no ok trial, so no point on the curves: \(failed.map(MarkdownText.escaped).joined(separator: ", ")) (see Failed trials).")
        }
        return lines.joined(separator: "\n")
    }
}
