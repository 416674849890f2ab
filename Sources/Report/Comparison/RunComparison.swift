import Core
import Definition
import Foundation

/// Two runs of an experiment compared variant by variant: the ratio (against / baseline) of
/// requests/s and of p50 and p99 latency, each with a 95% interval from the trials and a
/// verdict that knows more requests are better and more latency is worse; the change in rank
/// by requests/s; what differs between the two machines; and, when allowed, how the two
/// definitions differ.
///
/// Significance: requests/s differ significantly when Welch's t-test on the per-trial rates
/// gives p < 0.05 *and* the bootstrap interval of the ratio excludes 1 (with a handful of
/// trials either test alone can be fooled; a reader never sees one say yes while the other
/// says no). Latency ratios are significant when their bootstrap interval excludes 1. Both
/// need two or more ok trials on each side. Against a published table (one value per
/// variant) there is no interval and no verdict, and the output says so.
public struct RunComparison: Sendable {
    /// A compared quantity, with its polarity.
    public enum Measure: String, Sendable, CaseIterable {
        case requestsPerSecond = "requests/s"
        case p50 = "p50 (ms)"
        case p99 = "p99 (ms)"

        public var higherIsBetter: Bool { self == .requestsPerSecond }

        func value(_ variant: ComparisonSide.Variant) -> Double? {
            switch self {
            case .requestsPerSecond: return variant.requestsPerSecond
            case .p50: return variant.latencyMs(50)
            case .p99: return variant.latencyMs(99)
            }
        }

        func value(_ variant: ComparisonSide.Variant, weights: [Int]) -> Double? {
            switch self {
            case .requestsPerSecond: return variant.requestsPerSecond(weights: weights)
            case .p50: return variant.latencyMs(50, weights: weights)
            case .p99: return variant.latencyMs(99, weights: weights)
            }
        }
    }

    /// What the numbers say about one measure of one variant.
    public enum Verdict: Sendable, Equatable {
        case better
        case worse
        case noSignificantDifference
        /// The baseline is a published table: one value, no interval.
        case singlePublishedValue
        /// A side has fewer than two ok trials.
        case tooFewTrials
        /// A side lacks the variant or it failed there; the text says which.
        case unavailable(String)

        public var text: String {
            switch self {
            case .better: return "better"
            case .worse: return "worse"
            case .noSignificantDifference: return "no significant difference"
            case .singlePublishedValue: return "single published value: no interval"
            case .tooFewTrials: return "fewer than 2 trials on a side: no interval"
            case .unavailable(let why): return why
            }
        }
    }

    /// One measure of one variant on both sides.
    public struct MeasureResult: Sendable {
        public var measure: Measure
        public var baseline: Double?
        public var against: Double?
        /// against / baseline.
        public var ratio: Double?
        /// 95% percentile-bootstrap interval of the ratio.
        public var interval: ClosedRange<Double>?
        /// requests/s only.
        public var welch: WelchTest?
        public var verdict: Verdict
    }

    /// One variant (or cell) on both sides.
    public struct VariantResult: Sendable {
        public var cell: CellID
        /// How the cell is shown.
        public var name: String { cell.description }
        public var measures: [MeasureResult]
        /// Rank by requests/s (1 = most) among the variants both sides have.
        public var baselineRank: Int?
        public var againstRank: Int?

        public func result(_ measure: Measure) -> MeasureResult? {
            measures.first { $0.measure == measure }
        }
    }

    public var baseline: ComparisonSide
    public var against: ComparisonSide
    public var variants: [VariantResult]
    public var machines: MachineDifferences
    /// How the definitions differ; nil when they are the same or the baseline is published.
    public var definitionChanges: DefinitionDifferences?
    public var bootstrap: Bootstrap

    /// Compares `against` with `baseline`. Runs of different definitions (text, overrides
    /// other than trial counts, or experiment) are refused with `.badDefinition` (exit 65) unless
    /// `allowDefinitionChange`; a published baseline has no definition to compare.
    /// `definitionFile` is the definition a refusal points at.
    public static func compare(
        baseline: ComparisonSide, against: ComparisonSide, allowDefinitionChange: Bool,
        definitionFile: String, bootstrap: Bootstrap = .standard
    ) throws -> RunComparison {
        var changes: DefinitionDifferences?
        if !baseline.isPublished, !against.isPublished {
            let differences = DefinitionDifferences(baseline: baseline.data, against: against.data)
            // Not the definition hash: it also changes with the number of trials, which two
            // runs of the same experiment may differ in.
            if !differences.isEmpty {
                guard allowDefinitionChange else {
                    throw ReportgenError(
                        .badDefinition,
                        "\(baseline.label) and \(against.label) were measured with different definitions (\(differences.summary.isEmpty ? "different definition hashes" : differences.summary))",
                        at: SourceLocation(file: definitionFile),
                        hint: "compare runs of the same definition, or pass --allow-definition-change to compare anyway and list the differences")
                }
                changes = differences
            }
        }
        var cells = against.variants.map(\.cell)
        for variant in baseline.variants where !cells.contains(variant.cell) { cells.append(variant.cell) }
        let ranked = ranks(baseline: baseline, against: against)
        let variants = cells.map { cell in
            VariantResult(
                cell: cell,
                measures: Measure.allCases.map { measure(cell, $0, baseline: baseline, against: against, bootstrap: bootstrap) },
                baselineRank: ranked.baseline[cell], againstRank: ranked.against[cell])
        }
        return RunComparison(
            baseline: baseline, against: against, variants: variants,
            machines: MachineDifferences(baseline: baseline, against: against),
            definitionChanges: changes, bootstrap: bootstrap)
    }

    static func measure(
        _ cell: CellID, _ measure: Measure, baseline: ComparisonSide, against: ComparisonSide, bootstrap: Bootstrap
    ) -> MeasureResult {
        let old = baseline.variant(cell)
        let new = against.variant(cell)
        var result = MeasureResult(
            measure: measure, baseline: old.flatMap { measure.value($0) }, against: new.flatMap { measure.value($0) },
            ratio: nil, interval: nil, welch: nil, verdict: .tooFewTrials)
        guard let old, let new else {
            result.verdict = .unavailable("not in \(old == nil ? baseline.label : against.label)")
            return result
        }
        guard !old.failed, !new.failed else {
            result.verdict = .unavailable("failed in \(old.failed ? baseline.label : against.label)")
            return result
        }
        guard let before = result.baseline, let after = result.against else {
            result.verdict = .unavailable("no value in \(result.baseline == nil ? baseline.label : against.label)")
            return result
        }
        if before != 0 { result.ratio = after / before }
        if baseline.isPublished || old.published != nil {
            result.verdict = .singlePublishedValue
            return result
        }
        guard old.trials >= 2, new.trials >= 2 else {
            result.verdict = .tooFewTrials
            return result
        }
        result.interval = bootstrap.ratioInterval(
            baselineTrials: old.trials, againstTrials: new.trials,
            baseline: { measure.value(old, weights: $0) }, against: { measure.value(new, weights: $0) })
        var significant = result.interval.map { !$0.contains(1) } ?? false
        if measure == .requestsPerSecond {
            result.welch = WelchTest(baseline: old.rates, against: new.rates)
            significant = significant && (result.welch?.isSignificant ?? false)
        }
        if significant, let ratio = result.ratio {
            result.verdict = (ratio > 1) == measure.higherIsBetter ? .better : .worse
        } else {
            result.verdict = .noSignificantDifference
        }
        return result
    }

    /// Ranks by mean requests/s (1 = most) on each side, among the variants both have values for.
    static func ranks(baseline: ComparisonSide, against: ComparisonSide) -> (baseline: [CellID: Int], against: [CellID: Int]) {
        let common = against.variants.compactMap { variant -> CellID? in
            guard variant.requestsPerSecond != nil, baseline.variant(variant.cell)?.requestsPerSecond != nil else { return nil }
            return variant.cell
        }
        func rank(_ side: ComparisonSide) -> [CellID: Int] {
            let ordered = common.compactMap { cell in side.variant(cell)?.requestsPerSecond.map { (cell, $0) } }
                .sorted { $0.1 > $1.1 }
            return Dictionary(uniqueKeysWithValues: ordered.enumerated().map { ($1.0, $0 + 1) })
        }
        return (rank(baseline), rank(against))
    }

    /// The method, stated for the reader of a comparison.
    public var methodText: String {
        let resampling = "a percentile bootstrap (\(ReportNumber.integer(Int64(bootstrap.resamples), grouped: true)) resamples of whole trials on each side, fixed seed \(bootstrap.seed))"
        return "Ratios are against ÷ baseline. The 95% interval of each ratio comes from \(resampling). "
            + "Requests/s (mean of per-trial rates) differ significantly when Welch's t-test on the per-trial rates gives p < 0.05 and the interval excludes 1; "
            + "p50 and p99 (nearest-rank percentiles of all trials' latencies merged) differ significantly when the interval excludes 1. "
            + "Intervals and tests need two or more ok trials on each side. More requests is better; more latency is worse. "
            + "Rank is by requests/s among the variants both sides measured."
    }
}
