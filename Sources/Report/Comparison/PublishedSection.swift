import Core
import Definition
import Foundation

/// The `published` cell and the `published` chart: this run's numbers beside the ones the
/// baseline's author published, variant by variant.
enum PublishedSection {
    /// Variants in the published table's order, then this run's other cells in its order.
    static func cells(_ baseline: PublishedBaseline, _ statistics: [VariantStatistics]) -> [CellID] {
        let published = baseline.cells
        return published + statistics.map(\.cell).filter { !published.contains($0) }
    }

    /// The side-by-side table, with a note under it when the windows differ.
    static func markdown(_ baseline: PublishedBaseline, _ statistics: [VariantStatistics], window: Duration) -> String {
        let year = baseline.shortLabel
        let header = [
            "variant", "requests \(year)", "requests here (mean)", "p50 \(year) (ms)", "p50 here (ms)",
            "p99 \(year) (ms)", "p99 here (ms)",
        ]
        var missing = false
        let rows = cells(baseline, statistics).map { cell -> [String] in
            let published = baseline.row(cell)
            let here = statistics.first { $0.cell == cell }
            func ours(_ value: (VariantStatistics) -> String) -> String {
                guard let here else {
                    missing = true
                    return ReportNumber.missing
                }
                return here.isFailed ? ResultsTable.failedCell : value(here)
            }
            return [
                cell.description,
                published.map { ReportNumber.count($0.requests) } ?? ReportNumber.missing,
                ours { ReportNumber.count($0.throughput.requestsMean) },
                ReportNumber.milliseconds(published?.p50Ms),
                ours { ReportNumber.milliseconds($0.latency.p50Ms) },
                ReportNumber.milliseconds(published?.p99Ms),
                ours { ReportNumber.milliseconds($0.latency.p99Ms) },
            ]
        }
        var text = ResultsTable.grid(header: header, rows: rows, rightAligned: Set(1..<header.count), format: .markdown)
        var notes: [String] = []
        if missing { notes.append("“\(ReportNumber.missing)” under *here*: the variant was not measured in this run.") }
        if let note = windowNote(baseline, statistics, window: window) { notes.append(note) }
        notes.append("Published numbers: \(MarkdownText.codeSpan(baseline.file)), \(MarkdownText.escaped(baseline.label)), one run per variant on hardware the author did not describe.")
        text += "\n" + notes.joined(separator: " ")
        return text
    }

    /// Grouped bars: requests per window on this machine next to the published ones.
    static func chart(_ baseline: PublishedBaseline, _ statistics: [VariantStatistics], window: Duration) -> GroupedBarChart {
        let windows = windowsDiffer(baseline, statistics, window: window)
        let ours = InlineValue.seconds(window)
        let theirs = baseline.windowRange.map { seconds(ReportNumber.seconds($0.lowerBound), ReportNumber.seconds($0.upperBound)) }
        let yLabel = windows
            ? "requests per window (here \(ours), \(baseline.shortLabel) \(theirs ?? "unknown"))"
            : "requests per \(ours) window"
        return GroupedBarChart(
            title: "Requests: this machine vs \(baseline.label)",
            yLabel: yLabel,
            groups: cells(baseline, statistics).map { cell in
                let here = statistics.first { $0.cell == cell }
                return GroupedBarChart.Group(
                    name: cell.description,
                    values: [here.flatMap { $0.isFailed ? nil : $0.throughput.requestsMean }, baseline.row(cell).map { Double($0.requests) }])
            },
            sources: ["this machine", baseline.label])
    }

    /// Whether this run's windows and the published ones differ by more than 5%.
    static func windowsDiffer(_ baseline: PublishedBaseline, _ statistics: [VariantStatistics], window: Duration) -> Bool {
        guard let theirs = baseline.windowRange else { return false }
        let ours = window.seconds
        return abs(theirs.lowerBound - ours) > 0.05 * ours || abs(theirs.upperBound - ours) > 0.05 * ours
    }

    private static func windowNote(_ baseline: PublishedBaseline, _ statistics: [VariantStatistics], window: Duration) -> String? {
        guard windowsDiffer(baseline, statistics, window: window), let theirs = baseline.windowRange else { return nil }
        let published = seconds(ReportNumber.seconds(theirs.lowerBound), ReportNumber.seconds(theirs.upperBound))
        return "The windows differ (published \(published), here \(InlineValue.seconds(window))): request counts grow with the window, so compare how the variants rank rather than the counts themselves."
    }

    private static func seconds(_ low: String, _ high: String) -> String {
        low == high ? "\(low) s" : "\(low)–\(high) s"
    }
}
