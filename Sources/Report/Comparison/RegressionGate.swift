import Core
import Foundation

/// `compare --fail-on-regression 5%`: a gate for CI. A variant fails it when its measure is
/// significantly worse than the baseline (Holm-corrected, as the table says) *and* its ratio
/// is worse by more than the threshold; with `relative`, the ratio judged is the one left
/// after the machine factor, so a slower CI machine alone fails nothing.
public struct RegressionGate: Sendable, Equatable {
    /// 0.05 for 5%.
    public var threshold: Double
    public var measure: RunComparison.Measure
    public var relative: Bool

    public init(threshold: Double, measure: RunComparison.Measure, relative: Bool) {
        self.threshold = threshold
        self.measure = measure
        self.relative = relative
    }

    /// One variant that failed the gate.
    public struct Failure: Sendable, Equatable {
        public var variant: String
        public var ratio: Double
        public var interval: ClosedRange<Double>?

        public var text: String { "\(variant) \(ComparisonReport.ratioText(ratio, interval))" }
    }

    /// The variants that fail, in the table's order.
    public func failures(_ comparison: RunComparison) -> [Failure] {
        comparison.variants.compactMap { variant in
            guard let result = variant.result(measure) else { return nil }
            let ratio: Double?
            let interval: ClosedRange<Double>?
            let verdict: RunComparison.Verdict
            if relative {
                (ratio, interval, verdict) = (result.relative?.ratio, result.relative?.interval, result.relative?.verdict ?? .tooFewTrials)
            } else {
                (ratio, interval, verdict) = (result.ratio, result.interval, result.verdict)
            }
            guard verdict == .worse, let ratio else { return nil }
            let beyond = measure.higherIsBetter ? ratio < 1 - threshold : ratio > 1 + threshold
            return beyond ? Failure(variant: variant.name, ratio: ratio, interval: interval) : nil
        }
    }

    /// The variants on both sides the gate cannot judge, with why: too few trials, a
    /// published baseline, no value. A gate that judged nothing must not say it passed.
    public func unjudged(_ comparison: RunComparison) -> [String] {
        comparison.variants.compactMap { variant in
            guard comparison.against.variant(variant.cell) != nil, comparison.baseline.variant(variant.cell) != nil,
                let result = variant.result(measure)
            else { return nil }
            let verdict = relative ? (result.relative?.verdict ?? .unavailable("no relative change with one variant")) : result.verdict
            switch verdict {
            case .better, .worse, .noSignificantDifference: return nil
            default: return "\(variant.name) (\(verdict.text))"
            }
        }
    }

    /// "requests/s (relative to the machine) worse by more than 5%".
    public var description: String {
        let what = measure == .requestsPerSecond ? "requests/s" : "\(measure.key) latency"
        var percent = ReportNumber.decimal(threshold * 100, places: 2, grouped: false)
        while percent.contains("."), percent.hasSuffix("0") || percent.hasSuffix(".") { percent.removeLast() }
        return "\(what)\(relative ? " relative to the machine factor" : "") significantly worse by more than \(percent)%"
    }

    /// What the gate says: "passed: …" or "FAILED: …", naming the variants.
    public func verdictLine(_ failures: [Failure]) -> String {
        failures.isEmpty
            ? "gate passed: no variant's \(description)"
            : "gate FAILED: \(failures.count) variant\(failures.count == 1 ? "" : "s") \(description): \(failures.map(\.text).joined(separator: ", "))"
    }
}

/// `--summary FILE`: a short GitHub-flavoured Markdown summary of a comparison, for a pull
/// request's comment or a CI step summary ($GITHUB_STEP_SUMMARY).
public enum ComparisonSummary {
    public static func markdown(_ comparison: RunComparison, gate: RegressionGate?, failures: [RegressionGate.Failure]) -> String {
        let text = MarkdownText.escaped
        var parts = ["### reportgen: \(text(comparison.against.label)) against \(text(comparison.baseline.label))"]
        if let gate {
            parts.append(failures.isEmpty ? "✅ " + text(gate.verdictLine(failures)) : "❌ " + text(gate.verdictLine(failures)))
        }
        parts.append("**" + text(ComparisonReport.summaryLine(comparison)) + "**")
        let rows = comparison.variants.filter { comparison.against.variant($0.cell) != nil }.map { variant -> [String] in
            let rps = variant.result(.requestsPerSecond)
            let p99 = variant.result(.p99)
            func verdict(_ estimate: RunComparison.Estimate?) -> String {
                guard let estimate else { return ReportNumber.missing }
                switch estimate.verdict {
                case .better: return "↑ better"
                case .worse: return "↓ worse"
                case .noSignificantDifference: return "unchanged"
                default: return estimate.verdict.text
                }
            }
            return [
                variant.name,
                ComparisonReport.ratioText(rps?.ratio, rps?.interval),
                ComparisonReport.ratioText(rps?.relative?.ratio, rps?.relative?.interval),
                verdict(rps?.relative),
                ComparisonReport.ratioText(p99?.relative?.ratio, p99?.relative?.interval),
                verdict(p99?.relative),
            ]
        }
        parts.append(ResultsTable.grid(
            header: ["variant", "requests/s", "relative", "", "p99 relative", ""], rows: rows, rightAligned: [1, 2, 4],
            format: .markdown))
        if !comparison.claims.isEmpty {
            parts.append(comparison.claims.map { "- \(text($0.claim)): **\($0.verdict.rawValue)**" }.joined(separator: "\n"))
        }
        parts.append("<sub>Ratios are current ÷ baseline with 95% intervals; relative = ratio ÷ the machine factor; verdicts after Holm's correction. Full comparison: comparison.html.</sub>")
        return parts.joined(separator: "\n\n") + "\n"
    }
}
