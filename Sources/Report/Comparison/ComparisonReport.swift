import Core
import Foundation

/// The files `reportgen compare` writes into its output folder.
public struct ComparisonFiles: Sendable {
    public var folder: URL
    public var markdown: URL
    public var pdf: URL
    public var html: URL
    public var json: URL
    public var charts: [ChartFiles]
}

/// Writes a `RunComparison` for people: the terminal's text, a one-line summary, and a
/// Markdown document with its charts (comparison.md) rendered as PDF pages (comparison.pdf)
/// and as one self-contained page (comparison.html).
public enum ComparisonReport {
    /// The terminal output: who is compared, the machine factor, the per-variant table with
    /// relative changes, the claims, the method, and what differs between the machines.
    public static func text(_ comparison: RunComparison) -> String {
        var lines = [
            "Comparing \(comparison.against.label) (against) with \(comparison.baseline.label) (baseline) of \(comparison.against.data.run.experiment)",
            "  baseline: \(describe(comparison.baseline))",
            "  against:  \(describe(comparison.against))",
        ]
        lines += notes(comparison).map { "  note: " + $0 }
        lines.append("")
        lines += factorLines(comparison)
        lines.append("")
        lines.append(table(comparison, format: .text))
        if !comparison.claims.isEmpty || !comparison.claimNotes.isEmpty {
            lines.append("Claims of the write-ups, checked on both runs:")
            lines.append(claimsTable(comparison, format: .text))
            lines += comparison.claimNotes.map { "  note: " + $0 }
            lines.append("")
        }
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

    /// "0.66× [0.62–0.71]": a ratio and its interval, when there is one.
    static func ratioText(_ ratio: Double?, _ interval: ClosedRange<Double>?) -> String {
        var text = ReportNumber.ratio(ratio)
        if let interval { text += " [" + intervalText(interval) + "]" }
        return text
    }

    static func intervalText(_ interval: ClosedRange<Double>) -> String {
        ReportNumber.decimal(interval.lowerBound, places: 2, grouped: true) + "–" + ReportNumber.decimal(interval.upperBound, places: 2, grouped: true)
    }

    /// One line per measure's machine factor, and the rank agreement.
    static func factorLines(_ comparison: RunComparison) -> [String] {
        guard let rps = comparison.factor(.requestsPerSecond) else {
            return ["No variant has requests/s on both sides: no machine factor."]
        }
        var lines = [
            "Machine factor (geometric mean of \(rps.cells.count) variant\(rps.cells.count == 1 ? "" : "s")' ratios, 95% interval): requests/s \(ratioText(rps.ratio, rps.interval))"
                + comparison.factors.filter { $0.measure != .requestsPerSecond }.map { ", \($0.measure.key) latency \(ratioText($0.ratio, $0.interval))" }.joined(),
        ]
        if let tau = rps.kendallTau {
            lines.append("Order of the variants by requests/s: Kendall's τ \(ReportNumber.decimal(tau, places: 2, grouped: false)) (1: the same order on both runs)")
        }
        lines.append(relativeSentence(comparison, measures: RunComparison.Measure.allCases))
        return lines
    }

    /// "Relative to the machine: no variant changed." or the variants that did.
    static func relativeSentence(_ comparison: RunComparison, measures: [RunComparison.Measure]) -> String {
        if comparison.baseline.isPublished {
            return "Relative changes have no interval against a published table: one value per variant."
        }
        return relativeClause(comparison, measures: measures, opening: "Relative to the machine factor") + "."
    }

    /// "relative to that, no variant changed", the changes, or why nothing can be said.
    static func relativeClause(_ comparison: RunComparison, measures: [RunComparison.Measure], opening: String) -> String {
        let changed = relativeChanges(comparison, measures: measures)
        if !changed.isEmpty { return opening + ", " + changed.joined(separator: ", ") }
        if (comparison.factor(.requestsPerSecond)?.cells.count ?? 0) < 2 {
            return opening + ", nothing: one variant alone is its own machine factor"
        }
        let judged = comparison.variants.contains { $0.measures.contains { $0.relative?.contrast != nil } }
        return opening + (judged ? ", no variant changed" : ", too few trials to tell (two or more a side are needed)")
    }

    /// "aiohttp rps 1.30× [1.18–1.43] better", for each significant relative change.
    static func relativeChanges(_ comparison: RunComparison, measures: [RunComparison.Measure]) -> [String] {
        comparison.variants.flatMap { variant in
            variant.measures.filter { measures.contains($0.measure) }.compactMap { result -> String? in
                guard let relative = result.relative, relative.verdict.isChange else { return nil }
                return "\(variant.name) \(result.measure.key) \(ratioText(relative.ratio, relative.interval)) \(relative.verdict.text)"
            }
        }
    }

    /// The closing line of a build: the machine factor first, then only what changed
    /// relative to it, then how many claims replicate.
    public static func summaryLine(_ comparison: RunComparison) -> String {
        guard let rps = comparison.factor(.requestsPerSecond) else {
            return "vs \(comparison.baseline.label): no variant measured on both sides"
        }
        var parts = ["this machine: \(ratioText(rps.ratio, rps.interval)) \(comparison.baseline.label) in requests/s"]
        if comparison.baseline.isPublished {
            parts.append("one published value per variant, so no change can be called")
        } else {
            parts.append(relativeClause(comparison, measures: RunComparison.Measure.allCases, opening: "relative to that"))
        }
        if let claims = claimCount(comparison) { parts.append(claims) }
        return parts.joined(separator: "; ")
    }

    /// "4 of 4 claims replicate", with the others counted by verdict.
    static func claimCount(_ comparison: RunComparison) -> String? {
        let claims = comparison.claims
        guard !claims.isEmpty else { return nil }
        let replicate = claims.filter { $0.verdict == .replicates }.count
        var text = "\(replicate) of \(claims.count) claim\(claims.count == 1 ? "" : "s") replicate"
        let others = ClaimReplication.Verdict.allOthers.compactMap { verdict -> String? in
            let count = claims.filter { $0.verdict == verdict }.count
            return count == 0 ? nil : "\(count) \(verdict.rawValue)"
        }
        if !others.isEmpty { text += " (" + others.joined(separator: ", ") + ")" }
        return text
    }

    /// The Markdown document; `charts` are placed after the table.
    public static func markdown(_ comparison: RunComparison, charts: [ReportChart]) -> String {
        let text = MarkdownText.escaped
        var parts = [
            "# Comparison: \(text(comparison.against.label)) against \(text(comparison.baseline.label))",
            "*Experiment \(MarkdownText.codeSpan(comparison.against.data.run.experiment)). Baseline: \(text(describe(comparison.baseline))). Against: \(text(describe(comparison.against))).*",
        ]
        let remarks = notes(comparison)
        if !remarks.isEmpty { parts.append(remarks.map { "> " + text($0) }.joined(separator: "\n>\n")) }
        parts.append("## The machine, and what changed beyond it")
        parts.append(factorLines(comparison).map(text).joined(separator: "\n\n"))
        if !comparison.claims.isEmpty || !comparison.claimNotes.isEmpty {
            parts.append("## Claims, checked on both runs")
            parts.append(claimsTable(comparison, format: .markdown))
            parts.append(ClaimReplication.explanation)
            if !comparison.claimNotes.isEmpty { parts.append(comparison.claimNotes.map { "- " + text($0) }.joined(separator: "\n")) }
        }
        parts.append("## Per variant")
        parts.append(table(comparison, format: .markdown))
        parts.append(text(comparison.methodText))
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

    /// Grouped bars per variant: requests/s and p50 latency, baseline next to against; and
    /// each variant's relative change in requests/s, against the machine factor's line at 1.
    public static func charts(_ comparison: RunComparison) -> [ReportChart] {
        let sources = [comparison.baseline.label, comparison.against.label]
        let shown = comparison.variants.filter { comparison.against.variant($0.cell) != nil }
        func grouped(_ measure: RunComparison.Measure) -> [GroupedBarChart.Group] {
            shown.map { variant in
                let result = variant.result(measure)
                return GroupedBarChart.Group(name: variant.name, values: [result?.baseline, result?.against])
            }
        }
        var charts = [
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
        let relative = shown.map { variant in
            GroupedBarChart.Group(name: variant.name, values: [variant.result(.requestsPerSecond)?.relative?.ratio])
        }
        if relative.contains(where: { $0.values.contains { $0 != nil } }) {
            charts.append(ReportChart(
                name: "relative", fileName: "comparison-relative",
                chart: GroupedBarChart(
                    title: "Requests/s relative to the machine factor (1 = changed as the machine did)",
                    yLabel: "ratio ÷ machine factor", groups: relative, sources: ["relative change"])))
        }
        return charts
    }

    /// Writes comparison.md, comparison.html, comparison.pdf, comparison.json and the charts
    /// (PNG, SVG, PDF) into `folder`.
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
            pdf: folder.appendingPathComponent("comparison.pdf"), html: folder.appendingPathComponent("comparison.html"),
            json: folder.appendingPathComponent("comparison.json"), charts: chartFiles)
        try writeDocuments(text, title: "Comparison: \(comparison.against.label) against \(comparison.baseline.label)",
                  drawn: drawn, chartFiles: chartFiles, created: created, files: files)
        try AtomicFile.write(try ComparisonJSON.document(comparison).layout() + "\n", to: files.json)
        return files
    }

    /// The Markdown, its PDF and its HTML page, charts drawn as vectors in the PDF and
    /// inlined as SVG in the page.
    static func writeDocuments(
        _ text: String, title: String, drawn: [ReportChart], chartFiles: [ChartFiles],
        created: Date, files: ComparisonFiles
    ) throws {
        try AtomicFile.write(text, to: files.markdown)
        let byFile = Dictionary(uniqueKeysWithValues: drawn.map { ("\($0.fileName).png", $0) })
        try PDFRenderer().render(markdown: text, to: files.pdf, title: title, created: created) { src in
            guard let chart = byFile[src] else { return nil }
            return .vector(width: chart.chart.width, height: chart.chart.height, draw: chart.chart.draw)
        }
        let svgByFile = Dictionary(uniqueKeysWithValues: chartFiles.map { ($0.png.lastPathComponent, $0.svg) })
        let page = try HTMLRenderer().render(markdown: text, title: title) { src in
            guard let svg = svgByFile[src] else { return nil }
            do {
                return .svg(try String(contentsOf: svg, encoding: .utf8))
            } catch {
                throw ReportgenError(.io, "cannot read \(DisplayPath.of(svg))", underlying: error)
            }
        }
        try AtomicFile.write(page, to: files.html)
    }

    /// The per-variant table: one row per measure, with the relative change; the rank change
    /// on the requests/s row.
    static func table(_ comparison: RunComparison, format: TableFormat) -> String {
        let header = [
            "variant", "measure", comparison.baseline.label, comparison.against.label, "ratio", "95% interval",
            "verdict (Holm)", "relative", "95% interval", "relative verdict", "rank by requests/s",
        ]
        var rows: [[String]] = []
        // Variants only the baseline has would fill the table with empty rows; one line names them.
        let onlyBaseline = comparison.variants.filter { comparison.against.variant($0.cell) == nil }.map(\.name)
        for variant in comparison.variants where comparison.against.variant(variant.cell) != nil {
            for (index, result) in variant.measures.enumerated() {
                let value: (Double?) -> String = result.measure == .requestsPerSecond
                    ? { ReportNumber.count($0) } : { ReportNumber.milliseconds($0) }
                var verdict = result.verdict.text
                if let p = result.adjustedP { verdict += " (\(pValue(p)))" }
                var relativeVerdict = result.relative?.verdict.text ?? ReportNumber.missing
                if let p = result.relative?.adjustedP { relativeVerdict += " (\(pValue(p)))" }
                rows.append([
                    index == 0 ? variant.name : "",
                    result.measure.rawValue,
                    value(result.baseline),
                    value(result.against),
                    ReportNumber.ratio(result.ratio),
                    result.interval.map(intervalText) ?? ReportNumber.missing,
                    verdict,
                    ReportNumber.ratio(result.relative?.ratio),
                    result.relative?.interval.map(intervalText) ?? ReportNumber.missing,
                    relativeVerdict,
                    result.measure == .requestsPerSecond ? rank(variant) : "",
                ])
            }
        }
        let table = ResultsTable.grid(header: header, rows: rows, rightAligned: [2, 3, 4, 5, 7, 8], format: format)
        guard !onlyBaseline.isEmpty else { return table }
        let only = "Only in \(comparison.baseline.label), not measured in \(comparison.against.label): \(onlyBaseline.joined(separator: ", "))."
        return table + (format == .markdown ? "\n" + MarkdownText.escaped(only) : only) + "\n"
    }

    /// One row per claim: what each run says and the verdict.
    static func claimsTable(_ comparison: RunComparison, format: TableFormat) -> String {
        guard !comparison.claims.isEmpty else { return format == .text ? "  (none could be read)" : "No claim could be read." }
        func side(_ result: ClaimResult) -> String {
            let firm = result.verdict == .cannotCheck || result.firm ? "" : ", within the noise"
            return "\(result.verdict.rawValue)\(firm): \(result.detail)"
        }
        // The verdict next to the claim: on a narrow page the numbers behind it scroll, it does not.
        let rows = comparison.claims.map { claim in
            [claim.claim, claim.verdict.rawValue, claim.from, side(claim.baseline), side(claim.against)]
        }
        return ResultsTable.grid(
            header: ["claim", "verdict", "written in", comparison.baseline.label, comparison.against.label],
            rows: rows, rightAligned: [], format: format)
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

    static func definitionLines(_ changes: DefinitionDifferences) -> [String] {
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
