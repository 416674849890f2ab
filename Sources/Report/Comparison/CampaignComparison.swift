import Core
import Definition
import Foundation

/// A rerun campaign: several runs (machines) each compared with one baseline. Each run has
/// its machine factor; each variant's ratio on each machine is normalized to the baseline,
/// and its relative change says whether it moved with its machine.
public struct CampaignComparison: Sendable {
    /// One per run, all against the same baseline, in the order asked for.
    public var comparisons: [RunComparison]

    public init(_ comparisons: [RunComparison]) {
        self.comparisons = comparisons
    }

    public var baseline: ComparisonSide? { comparisons.first?.baseline }

    /// Every cell any run measured, in the first run's order, then the others'.
    public var cells: [CellID] {
        var cells: [CellID] = []
        for comparison in comparisons {
            for variant in comparison.variants where comparison.against.variant(variant.cell) != nil && !cells.contains(variant.cell) {
                cells.append(variant.cell)
            }
        }
        return cells
    }
}

/// The gallery of a campaign: the machines with their factors, and machines × variants.
public enum CampaignReport {
    /// "run 5 (bench-2)".
    static func name(_ comparison: RunComparison) -> String {
        "\(comparison.against.label) (\(comparison.against.data.machine.hostname))"
    }

    static func machinesTable(_ campaign: CampaignComparison, format: TableFormat) -> String {
        let rows = campaign.comparisons.map { comparison -> [String] in
            let factor = comparison.factor(.requestsPerSecond)
            let changed = ComparisonReport.relativeChanges(comparison, measures: [.requestsPerSecond])
            return [
                name(comparison),
                "\(comparison.against.data.machine.cpuModel), \(comparison.against.data.machine.cpuCores) cores",
                ComparisonReport.ratioText(factor?.ratio, factor?.interval),
                factor?.kendallTau.map { ReportNumber.decimal($0, places: 2, grouped: false) } ?? ReportNumber.missing,
                changed.isEmpty ? "none" : changed.joined(separator: ", "),
                ComparisonReport.claimCount(comparison) ?? ReportNumber.missing,
            ]
        }
        return ResultsTable.grid(
            header: ["run", "machine", "machine factor (requests/s)", "Kendall's τ", "changed beyond the machine", "claims"],
            rows: rows, rightAligned: [2, 3], format: format)
    }

    /// Variants down, runs across: each ratio to the baseline and, below it, relative to the run's machine.
    static func variantsTable(_ campaign: CampaignComparison, format: TableFormat) -> String {
        let rows = campaign.cells.map { cell -> [String] in
            [cell.description] + campaign.comparisons.map { comparison in
                guard let result = comparison.variants.first(where: { $0.cell == cell })?.result(.requestsPerSecond),
                    comparison.against.variant(cell) != nil
                else { return ReportNumber.missing }
                var text = ReportNumber.ratio(result.ratio)
                if let relative = result.relative {
                    text += " (relative \(ReportNumber.ratio(relative.ratio))\(relative.verdict.isChange ? " " + (relative.verdict == .better ? "↑" : "↓") : ""))"
                }
                return text
            }
        }
        return ResultsTable.grid(
            header: ["variant"] + campaign.comparisons.map(name), rows: rows,
            rightAligned: Set(1...max(1, campaign.comparisons.count)), format: format)
    }

    public static func text(_ campaign: CampaignComparison) -> String {
        guard let baseline = campaign.baseline else { return "No run to compare.\n" }
        return [
            "Campaign: \(campaign.comparisons.count) runs of \(baseline.data.run.experiment) against \(baseline.label)",
            "",
            "Machines (requests/s ratio to the baseline, geometric mean over the variants, 95% interval):",
            machinesTable(campaign, format: .text),
            "Requests/s of each variant as a ratio to the baseline (relative: ÷ that run's machine factor; ↑↓ significant after Holm):",
            variantsTable(campaign, format: .text),
            "Method: " + (campaign.comparisons.first?.methodText ?? ""),
        ].joined(separator: "\n") + "\n"
    }

    /// Each variant's requests/s ratio on every machine; and the same relative to each machine.
    public static func charts(_ campaign: CampaignComparison) -> [ReportChart] {
        let series = campaign.comparisons.map(name)
        func groups(_ value: (RunComparison.MeasureResult) -> Double?) -> [GroupedBarChart.Group] {
            campaign.cells.map { cell in
                GroupedBarChart.Group(name: cell.description, values: campaign.comparisons.map { comparison in
                    comparison.variants.first { $0.cell == cell }?.result(.requestsPerSecond).flatMap(value)
                })
            }
        }
        return [
            ReportChart(
                name: "campaign", fileName: "campaign-requests",
                chart: GroupedBarChart(
                    title: "Requests/s on each machine as a ratio to \(campaign.baseline?.label ?? "the baseline")",
                    yLabel: "ratio to the baseline", groups: groups { $0.ratio }, sources: series)),
            ReportChart(
                name: "campaign-relative", fileName: "campaign-relative",
                chart: GroupedBarChart(
                    title: "Requests/s relative to each machine's factor (1 = moved with its machine)",
                    yLabel: "ratio ÷ machine factor", groups: groups { $0.relative?.ratio }, sources: series)),
        ]
    }

    public static func markdown(_ campaign: CampaignComparison, charts: [ReportChart]) -> String {
        let text = MarkdownText.escaped
        guard let baseline = campaign.baseline else { return "No run to compare.\n" }
        var parts = [
            "# Campaign: \(campaign.comparisons.count) runs against \(text(baseline.label))",
            "*Experiment \(MarkdownText.codeSpan(baseline.data.run.experiment)).*",
            "## Machines",
            machinesTable(campaign, format: .markdown),
            "## Each variant on each machine",
            "Requests/s as a ratio to the baseline; in brackets, relative to that run's machine factor (↑↓: significant after Holm's correction).",
            variantsTable(campaign, format: .markdown),
        ]
        for chart in charts { parts.append("![\(text(chart.title))](\(chart.fileName).png)") }
        parts.append("## Method")
        parts.append(text(campaign.comparisons.first?.methodText ?? ""))
        return parts.joined(separator: "\n\n") + "\n"
    }

    public static func json(_ campaign: CampaignComparison) -> JSONValue {
        .object([
            "baseline": .string(campaign.baseline?.label ?? ""),
            "runs": .array(campaign.comparisons.map { ComparisonJSON.document($0) }),
        ])
    }

    /// Writes the gallery as comparison.md, .html, .pdf, .json and its charts into `folder`.
    public static func write(_ campaign: CampaignComparison, folder: URL) throws -> ComparisonFiles {
        try OutputFolder.create(folder)
        let drawn = charts(campaign)
        let created = campaign.comparisons.map(\.against.data.documentDate).max() ?? Date(timeIntervalSince1970: 0)
        var chartFiles: [ChartFiles] = []
        for chart in drawn {
            chartFiles.append(try ChartWriter.write(chart.chart, folder: folder, name: chart.fileName, created: created))
        }
        let files = ComparisonFiles(
            folder: folder, markdown: folder.appendingPathComponent("comparison.md"),
            pdf: folder.appendingPathComponent("comparison.pdf"), html: folder.appendingPathComponent("comparison.html"),
            json: folder.appendingPathComponent("comparison.json"), charts: chartFiles)
        try ComparisonReport.writeDocuments(
            markdown(campaign, charts: drawn), title: "Campaign against \(campaign.baseline?.label ?? "the baseline")",
            drawn: drawn, chartFiles: chartFiles, created: created, files: files)
        try AtomicFile.write(try json(campaign).layout() + "\n", to: files.json)
        return files
    }
}
