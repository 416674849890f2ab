import Core
import Definition
import Foundation
import Records

/// What a report says of a capacity search: the capacity table, the knee chart and the
/// paragraph that says how the numbers were found.
enum CapacitySection {
    static let chartName = "knee"

    static func header(_ view: CapacityView) -> [String] {
        let p = percentileLabel(view.target)
        return [
            "variant", "capacity (req/s)", "95% interval", "p50 at capacity (ms)", "\(p) at capacity (ms)", "app CPU (cores)",
            "held by", "probes",
        ]
    }

    /// The table, then a line for each variant without a found capacity saying why.
    static func table(_ view: CapacityView, format: TableFormat) -> String {
        let grid = ResultsTable.grid(header: header(view), rows: view.rows.map(row), rightAligned: [1, 3, 4, 5, 7], format: format)
        let notes = view.rows.compactMap { row -> String? in
            guard row.estimate.kind != .found, let reason = row.estimate.reason else { return nil }
            // A failure's text comes from the store, which may come from anyone.
            return "- **\(MarkdownText.escaped(row.name))**: \(MarkdownText.escaped(reason))."
        }
        return notes.isEmpty ? grid : grid + "\n" + notes.joined(separator: "\n") + "\n"
    }

    static func row(_ row: CapacityView.Row) -> [String] {
        let estimate = row.estimate
        let ms = { (value: Double?) in value.map { ReportNumber.decimal($0, places: 1, grouped: true) } ?? ReportNumber.missing }
        let capacity: String
        let interval: String
        switch estimate.kind {
        case .found:
            capacity = ReportNumber.count(estimate.rps)
            interval = range(estimate)
        case .generatorLimited:
            capacity = "≥ " + ReportNumber.count(estimate.rps)
            interval = "the generator's limit"
        case .none:
            capacity = "none"
            interval = ReportNumber.missing
        case .unfinished:
            capacity = estimate.rps.map { "≥ " + ReportNumber.count($0) } ?? ReportNumber.missing
            interval = "unfinished"
        }
        var heldBy = row.heldBy ?? ReportNumber.missing
        if heldBy == "slots", let slots = row.slots { heldBy = "slots (\(slots.count))" }
        return [
            row.name, capacity, interval, ms(row.p50Ms), ms(row.targetMs),
            row.appCores.map { ReportNumber.decimal($0, places: 2, grouped: true) } ?? ReportNumber.missing, heldBy,
            String(row.probeCount),
        ]
    }

    /// "190–203" for a found capacity's interval.
    static func range(_ estimate: CapacityEstimate) -> String {
        guard let low = estimate.low, let high = estimate.high else { return ReportNumber.missing }
        return ReportNumber.count(low) + "–" + ReportNumber.count(high)
    }

    static func percentileLabel(_ target: CapacityTarget) -> String {
        let p = target.percentile
        return "p" + (p == p.rounded() ? String(Int(p)) : String(p))
    }

    /// The knee: the target's percentile (and p50, dotted) against the offered rate, one
    /// line per cell, the target as a line and each capacity a diamond on it.
    static func chart(_ view: CapacityView, statistics: [VariantStatistics]) -> XYChart {
        let models = view.rows.map { row in
            statistics.first { $0.cell == row.cell }?.model?.rawValue ?? ConcurrencyModel.process.rawValue
        }
        let styles = ChartStyle.seriesStyles(forModels: models)
        var series: [XYChart.Series] = []
        var highlights: [XYChart.Highlight] = []
        let limitMs = Double(view.target.limitUs) / 1000
        // A variant none of whose probes measured anything (every one failed) has no line.
        for (row, style) in zip(view.rows, styles) where !row.knee.isEmpty {
            series.append(XYChart.Series(
                name: row.name, points: row.knee.compactMap { point in point.targetMs.map { XYChart.Point(x: point.offered, y: $0) } },
                style: style))
            series.append(XYChart.Series(
                name: "\(row.name) p50", points: row.knee.compactMap { point in point.p50Ms.map { XYChart.Point(x: point.offered, y: $0) } },
                style: style, quiet: true))
            if row.estimate.kind == .found, let rps = row.estimate.rps {
                highlights.append(XYChart.Highlight(point: XYChart.Point(x: rps, y: limitMs), style: style))
            }
        }
        let p = percentileLabel(view.target)
        return XYChart(
            title: "Latency against offered rate: \(p) solid, p50 dotted, ◆ capacity",
            xLabel: "offered requests/s (open loop, log scale)", yLabel: "latency (ms, log scale)", series: series, mark: .line, logY: true,
            logX: true,
            rule: XYChart.Rule(y: limitMs, label: "target \(view.target)"), highlights: highlights)
    }

    /// How the capacities were found, for the report's method.
    static func method(_ view: CapacityView, definition: ExperimentDefinition) -> String {
        let load = definition.load
        let limit = view.generatorLimitRPS.map {
            " The generator alone drove " + ReportNumber.count($0) + " requests/s against the upstream; no probe offered more than "
                + ReportNumber.decimal(CapacityPlan.generatorHeadroom * 100, places: 0, grouped: false) + "% of that, so a capacity at that limit is the generator's, marked ≥."
        } ?? ""
        return "**Capacity.** Each variant's capacity is the highest open-loop rate at which \(view.target) holds. "
            + "A closed-loop probe gives a starting rate (half its throughput); the rate then doubles while the target holds and halves while it fails, "
            + "and is bisected on the geometric mean until the highest rate that held and the lowest that failed are within "
            + ReportNumber.decimal(load.resolution * 100, places: 1, grouped: false) + "% of each other. "
            + "Five rates around that bracket are then probed \(definition.trials) time\(definition.trials == 1 ? "" : "s") each, interleaved across variants; every probe is a fresh server, a warm-up and a "
            + InlineValue.seconds(load.probe) + " window. "
            + "Whether a probe keeps the target is fitted as a logistic function of the log of its rate; the capacity is the rate at which the fit keeps it in 9 probes of 10, with a 95% delta-method interval. "
            + "When every rate that held lies below every rate that failed, no fit exists and the interval is that bracket, its lower end the capacity: no rate is stated that was not seen to hold. "
            + "What holds a capacity comes from Little's law: requests in flight (rate × mean latency) filling ≥ "
            + ReportNumber.decimal(SweepView.heldBySlots * 100, places: 0, grouped: false) + "% of a thread pool's slots, else the app keeping ≥ "
            + ReportNumber.decimal(SweepView.heldByCPU * 100, places: 0, grouped: false) + "% of the cores busy, else neither."
            + limit
    }
}
