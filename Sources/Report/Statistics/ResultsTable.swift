import Foundation

/// The report's results table: one row per variant, the seed's latency columns plus
/// requests with their interval across trials, errors and trial counts.
public enum ResultsTable {
    /// Column headers, units in parentheses.
    public static let header = [
        "variant", "min (ms)", "p50 (ms)", "p99 (ms)", "p99.9 (ms)", "max (ms)", "mean (ms)",
        "duration (s)", "requests (mean of trials)", "requests 95% CI", "errors", "trials",
    ]

    /// Written in every numeric cell of a variant whose trials all failed.
    public static let failedCell = "failed"

    /// The table for `stats`, rows in the given order; failed variants keep their row.
    public static func render(_ stats: [VariantStatistics], format: TableFormat) -> String {
        grid(
            header: header, rows: stats.map(row),
            rightAligned: Set(1..<header.count), format: format)
    }

    static func row(_ stats: VariantStatistics) -> [String] {
        var trials = stats.trialsFailed == 0 ? "\(stats.trialsOK)" : "\(stats.trialsOK) of \(stats.trialsTotal)"
        if stats.unsteadyLeftOut > 0 {
            trials += " (+\(stats.unsteadyLeftOut) unsteady)"
        } else if stats.trialsUnsteady > 0 {
            trials += " (\(stats.trialsUnsteady) unsteady)"
        }
        if stats.isFailed {
            return [stats.name] + Array(repeating: failedCell, count: header.count - 2) + [trials]
        }
        let interval: String
        if let ci = stats.throughput.requestsCI95 {
            interval = ReportNumber.count(ci.lowerBound) + "–" + ReportNumber.count(ci.upperBound)
        } else if stats.trialsOK == 1 {
            interval = "n=1"
        } else {
            interval = ReportNumber.missing
        }
        return [
            stats.name,
            ReportNumber.milliseconds(stats.latency.minMs),
            ReportNumber.milliseconds(stats.latency.p50Ms),
            ReportNumber.milliseconds(stats.latency.p99Ms),
            ReportNumber.milliseconds(stats.latency.p999Ms),
            ReportNumber.milliseconds(stats.latency.maxMs),
            ReportNumber.milliseconds(stats.latency.meanMs),
            ReportNumber.seconds(stats.throughput.meanDurationS),
            ReportNumber.count(stats.throughput.requestsMean),
            interval,
            stats.trialsOK > 0 ? ReportNumber.count(stats.errors.counts.total) : ReportNumber.missing,
            trials,
        ]
    }

    /// Under the table when a variant had trials whose window did not hold steady: what its
    /// trials cell means. Nil when every trial held steady (or none was judged).
    public static func unsteadyNote(_ stats: [VariantStatistics]) -> String? {
        let marked = stats.filter { $0.trialsUnsteady > 0 }
        guard !marked.isEmpty else { return nil }
        let leftOut = marked.contains { $0.unsteadyLeftOut > 0 }
        let counted = marked.contains { $0.unsteadyLeftOut == 0 }
        var parts: [String] = []
        if leftOut { parts.append("“+N unsteady”: trials whose window did not hold steady, left out of the row's numbers") }
        if counted {
            parts.append("“N unsteady”: trials whose window did not hold steady, counted in the row's numbers (every trial of the variant was unsteady, or unsteady trials were included)")
        }
        return parts.joined(separator: "; ") + ". The section “Trials that did not hold steady” says why."
    }

    /// Any table as padded columns: Markdown (GitHub-flavoured, alignment row, every cell
    /// text escaped by `MarkdownText` unless `cellsAreMarkdown`, "|" escaped) or text.
    /// Columns in `rightAligned` (by index) are right-aligned; short rows are padded with
    /// empty cells. The result ends with a newline.
    public static func grid(
        header: [String], rows: [[String]], rightAligned: Set<Int>, format: TableFormat, cellsAreMarkdown: Bool = false
    ) -> String {
        let columns = max(header.count, rows.map(\.count).max() ?? 0)
        let clean: ([String]) -> [String] = { cells in
            (0..<columns).map { index in
                let cell = index < cells.count ? cells[index] : ""
                guard format == .markdown else { return textCell(cell) }
                return MarkdownText.tableCell(cellsAreMarkdown ? cell : MarkdownText.escaped(cell))
            }
        }
        let head = clean(header)
        let body = rows.map(clean)
        let minimum = format == .markdown ? 3 : 1
        let widths = (0..<columns).map { index in
            ([head] + body).map { $0[index].count }.reduce(minimum, max)
        }
        let pad: ([String]) -> [String] = { cells in
            cells.enumerated().map { index, cell in
                let fill = String(repeating: " ", count: widths[index] - cell.count)
                return rightAligned.contains(index) ? fill + cell : cell + fill
            }
        }
        let rules = widths.enumerated().map { index, width in
            if format == .text { return String(repeating: "-", count: width) }
            return rightAligned.contains(index)
                ? String(repeating: "-", count: width - 1) + ":"
                : String(repeating: "-", count: width)
        }
        let lines = [pad(head), rules] + body.map(pad)
        switch format {
        case .markdown:
            return lines.map { "| " + $0.joined(separator: " | ") + " |\n" }.joined()
        case .text:
            return lines.map { line in
                // Trailing padding of a left-aligned last column is invisible noise in a terminal.
                var text = line.joined(separator: "  ")
                while text.last == " " { text.removeLast() }
                return text + "\n"
            }.joined()
        }
    }

    /// A cell is one line; a newline would break either layout.
    private static func textCell(_ cell: String) -> String {
        cell.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
