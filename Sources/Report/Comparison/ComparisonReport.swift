import Core
import Foundation

/// The files `reportgen compare` writes into `output/<experiment>/`.
public struct ComparisonFiles: Sendable {
    public var folder: URL
    public var markdown: URL
    public var pdf: URL
    public var charts: [ChartFiles]
}

/// Writes a `RunComparison` for people: a table for the terminal, and a Markdown section
/// with its charts (comparison.md) and the same as PDF pages (comparison.pdf).
public enum ComparisonReport {
    /// The terminal output: who is compared, the per-variant table, the method, the machine
    /// differences and, when allowed, the definition differences.
    public static func text(_ comparison: RunComparison) -> String {
        var lines = [
            "Comparing \(comparison.against.label) (against) with \(comparison.baseline.label) (baseline) of \(comparison.against.data.run.experiment)",
            "  baseline: \(describe(comparison.baseline))",
            "  against:  \(describe(comparison.against))",
        ]
        lines += notes(comparison).map { "  note: " + $0 }
        lines.append("")
        lines.append(table(comparison, format: .text))
        lines.append("Method: " + comparison.methodText)
        lines.append("")
        lines.append(machineSection(comparison, format: .text))
        if let changes = comparison.definitionChanges {
            lines.append("")
            lines.append("Definition differences (compared anyway: --allow-definition-change):")
            lines += definitionLines(changes).map { "  " + $0 }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One line for the end of a build: requests/s of each variant as a ratio to the
    /// baseline with its 95% interval and a mark where the difference is significant
    /// ("aiohttp 0.94× [0.89–0.99] ↓"), so a new machine sees at once where it stands.
    public static func summaryLine(_ comparison: RunComparison) -> String {
        let parts = comparison.variants.compactMap { variant -> String? in
            guard comparison.against.variant(variant.cell) != nil,
                let result = variant.measures.first(where: { $0.measure == .requestsPerSecond }), let ratio = result.ratio
            else { return nil }
            var text = "\(variant.name) \(ReportNumber.ratio(ratio))"
            if let interval = result.interval {
                text += " [\(ReportNumber.decimal(interval.lowerBound, places: 2, grouped: true))–\(ReportNumber.decimal(interval.upperBound, places: 2, grouped: true))]"
            }
            switch result.verdict {
            case .better: text += " ↑"
            case .worse: text += " ↓"
            default: break
            }
            return text
        }
        let what = parts.isEmpty ? "no variant measured on both sides" : parts.joined(separator: ", ")
        return "requests/s vs \(comparison.baseline.label) (ratio, 95% interval; ↑↓ significant): \(what)"
    }

    /// The Markdown section; `charts` are the file names (without extension) of the charts
    /// from `charts(_:)`, placed after the table.
    public static func markdown(_ comparison: RunComparison, charts: [ReportChart]) -> String {
        let text = MarkdownText.escaped
        var parts = [
            "# Comparison: \(text(comparison.against.label)) against \(text(comparison.baseline.label))",
            "*Experiment \(MarkdownText.codeSpan(comparison.against.data.run.experiment)). Baseline: \(text(describe(comparison.baseline))). Against: \(text(describe(comparison.against))).*",
        ]
        let remarks = notes(comparison)
        if !remarks.isEmpty { parts.append(remarks.map { "> " + text($0) }.joined(separator: "\n>\n")) }
        parts.append("## Per variant")
        parts.append(table(comparison, format: .markdown))
        parts.append(comparison.methodText)
        for chart in charts { parts.append("![\(text(chart.title))](\(chart.fileName).png)") }
        parts.append("## What differs between the two machines")
        parts.append(machineSection(comparison, format: .markdown))
        if let changes = comparison.definitionChanges {
            parts.append("## How the definitions differ")
            parts.append("The two runs were measured with different definitions and compared anyway (`--allow-definition-change`).")
            parts.append(MarkdownText.codeBlock(definitionLines(changes).joined(separator: "\n")))
        }
        return parts.joined(separator: "\n\n") + "\n"
    }

    /// Grouped bars per variant: requests/s, and p50 latency, baseline next to against.
    public static func charts(_ comparison: RunComparison) -> [ReportChart] {
        let sources = [comparison.baseline.label, comparison.against.label]
        func grouped(_ measure: RunComparison.Measure) -> [GroupedBarChart.Group] {
            comparison.variants.filter { comparison.against.variant($0.cell) != nil }.map { variant in
                let result = variant.result(measure)
                return GroupedBarChart.Group(name: variant.name, values: [result?.baseline, result?.against])
            }
        }
        return [
            ReportChart(
                name: "requests", fileName: "comparison-requests",
                chart: GroupedBarChart(
                    title: "Requests per second: \(comparison.against.label) vs \(comparison.baseline.label)",
                    yLabel: "requests/s (mean of trials)", groups: grouped(.requestsPerSecond), sources: sources)),
            ReportChart(
                name: "p50", fileName: "comparison-p50",
                chart: GroupedBarChart(
                    title: "Median latency: \(comparison.against.label) vs \(comparison.baseline.label)",
                    yLabel: "p50 latency (ms)", groups: grouped(.p50), sources: sources)),
        ]
    }

    /// Writes comparison.md, its charts (PNG, SVG, PDF) and comparison.pdf into `folder`.
    public static func write(_ comparison: RunComparison, folder: URL) throws -> ComparisonFiles {
        try OutputFolder.create(folder)
        let drawn = charts(comparison)
        // The newer measured run's date: a published table's dates say when it was read in.
        let created = [comparison.against, comparison.baseline].filter { !$0.isPublished }.map(\.data.documentDate).max()
            ?? comparison.against.data.documentDate
        var chartFiles: [ChartFiles] = []
        for chart in drawn {
            chartFiles.append(try ChartWriter.write(chart.chart, folder: folder, name: chart.fileName, created: created))
        }
        let text = markdown(comparison, charts: drawn)
        let files = ComparisonFiles(
            folder: folder, markdown: folder.appendingPathComponent("comparison.md"),
            pdf: folder.appendingPathComponent("comparison.pdf"), charts: chartFiles)
        try AtomicFile.write(text, to: files.markdown)
        let byFile = Dictionary(uniqueKeysWithValues: drawn.map { ("\($0.fileName).png", $0) })
        try PDFRenderer().render(
            markdown: text, to: files.pdf,
            title: "Comparison: \(comparison.against.label) against \(comparison.baseline.label)", created: created
        ) { src in
            guard let chart = byFile[src] else { return nil }
            return .vector(width: chart.chart.width, height: chart.chart.height, draw: chart.chart.draw)
        }
        return files
    }

    /// The per-variant table: one row per measure, the rank change on the requests/s row.
    static func table(_ comparison: RunComparison, format: TableFormat) -> String {
        let header = [
            "variant", "measure", comparison.baseline.label, comparison.against.label, "ratio", "95% interval",
            "verdict", "rank by requests/s",
        ]
        var rows: [[String]] = []
        // Variants only the baseline has would fill the table with empty rows; one line names them.
        let onlyBaseline = comparison.variants.filter { comparison.against.variant($0.cell) == nil }.map(\.name)
        for variant in comparison.variants where comparison.against.variant(variant.cell) != nil {
            for (index, result) in variant.measures.enumerated() {
                let value: (Double?) -> String = result.measure == .requestsPerSecond
                    ? { ReportNumber.count($0) } : { ReportNumber.milliseconds($0) }
                var verdict = result.verdict.text
                if let welch = result.welch {
                    verdict += " (Welch \(pValue(welch.p)))"
                }
                rows.append([
                    index == 0 ? variant.name : "",
                    result.measure.rawValue,
                    value(result.baseline),
                    value(result.against),
                    ReportNumber.ratio(result.ratio),
                    result.interval.map { ReportNumber.decimal($0.lowerBound, places: 2, grouped: true) + "–" + ReportNumber.ratio($0.upperBound) }
                        ?? ReportNumber.missing,
                    verdict,
                    result.measure == .requestsPerSecond ? rank(variant) : "",
                ])
            }
        }
        let table = ResultsTable.grid(header: header, rows: rows, rightAligned: [2, 3, 4, 5], format: format)
        guard !onlyBaseline.isEmpty else { return table }
        let only = "Only in \(comparison.baseline.label), not measured in \(comparison.against.label): \(onlyBaseline.joined(separator: ", "))."
        return table + (format == .markdown ? "\n" + MarkdownText.escaped(only) : only) + "\n"
    }

    private static func rank(_ variant: RunComparison.VariantResult) -> String {
        guard let old = variant.baselineRank, let new = variant.againstRank else { return ReportNumber.missing }
        let change = old == new ? "unchanged" : old > new ? "up \(old - new)" : "down \(new - old)"
        return "\(old) → \(new) (\(change))"
    }

    private static func pValue(_ p: Double) -> String {
        p < 0.001 ? "p < 0.001" : "p = " + ReportNumber.decimal(p, places: 3, grouped: false)
    }

    private static func machineSection(_ comparison: RunComparison, format: TableFormat) -> String {
        let machines = comparison.machines
        let identical = "\(machines.identicalCount) identical fact\(machines.identicalCount == 1 ? "" : "s") not shown."
        guard !machines.differing.isEmpty else {
            return "Machines and software: all \(machines.identicalCount) facts compared are identical."
        }
        let table = ResultsTable.grid(
            header: ["", comparison.baseline.label, comparison.against.label],
            rows: machines.differing.map { [$0.fact, $0.baseline, $0.against] }, rightAligned: [], format: format)
        let title = format == .text ? "What differs between the two machines:\n" : ""
        return title + table + (format == .text ? "" : "\n") + identical
    }

    private static func definitionLines(_ changes: DefinitionDifferences) -> [String] {
        var lines: [String] = []
        if let experiments = changes.experiments { lines.append("experiment: \(experiments)") }
        if !changes.overrides.isEmpty {
            lines.append("command-line overrides:")
            lines += changes.overrides.map { "  " + $0 }
        }
        if !changes.placement.isEmpty {
            lines.append("placement (where each role ran):")
            lines += changes.placement.map { "  " + $0 }
        }
        if !changes.lines.isEmpty {
            lines.append("definition text (- baseline, + against):")
            lines += changes.lines.map { "  " + $0 }
        }
        if lines.isEmpty { lines.append("(the stored definition hashes differ; text and overrides are the same)") }
        return lines
    }

    /// "run 3 on bench-1 (CPU, 2 cores), 2026-11-27 16:56 UTC, 3 trials per variant".
    private static func describe(_ side: ComparisonSide) -> String {
        let data = side.data
        if side.isPublished {
            return "\(side.label), one value per variant, \(data.machine.cpuModel)"
        }
        let date = ISO8601DateFormatter.string(
            from: data.run.startedAt, timeZone: TimeZone(identifier: "UTC") ?? .current,
            formatOptions: [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime])
        let trials = side.variants.map(\.trials).max() ?? 0
        var text = "\(side.label) on \(data.machine.hostname) (\(data.machine.cpuModel), \(data.machine.cpuCores) cores), started \(date) UTC, up to \(trials) ok trial\(trials == 1 ? "" : "s") per variant"
        if data.run.quick { text += ", quick" }
        if data.run.status != .complete { text += ", \(data.run.status.rawValue)" }
        return text
    }

    private static func notes(_ comparison: RunComparison) -> [String] {
        var notes: [String] = []
        if comparison.baseline.isPublished {
            notes.append("The baseline is a published table: one value per variant, measured on hardware that is not described, so no ratio has an interval and no difference can be called significant.")
        } else if comparison.machines.sameMachine {
            notes.append("Both runs come from the same machine (fingerprint \(comparison.against.data.machine.fingerprint)).")
        } else {
            notes.append("The runs come from different machines: differences mix the machines with everything else that changed.")
        }
        if comparison.baseline.data.run.quick || comparison.against.data.run.quick {
            notes.append("A quick run is involved: one trial per variant with short windows, a smoke test rather than a result.")
        }
        return notes
    }
}
