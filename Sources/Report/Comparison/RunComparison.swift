import Core
import Definition
import Foundation

/// Two runs of an experiment compared variant by variant, and as machines.
///
/// Per variant (or cell) and measure (requests/s, p50, p99): the ratio against ÷ baseline of
/// the two runs' own numbers, with a 95% interval and a p from the trials (Welch's t on the
/// logarithms of the per-trial values), and a verdict corrected for testing every variant at
/// once (Holm) that knows more requests are better and more latency is worse.
///
/// Per measure, the machine factor: the geometric mean of the variants' ratios, the one
/// number that says how much faster or slower the against machine is, with a 95% bootstrap
/// interval (whole trials resampled within each variant on both sides). Each variant's
/// relative change is its ratio ÷ that factor: what changed beyond the machine, with its own
/// interval and Holm-corrected verdict. Kendall's τ says how far the two runs agree on the
/// order of the variants.
///
/// Intervals and verdicts need two or more counted trials on each side. Against a published
/// table (one value per variant) there is no interval and no verdict, and the output says so.
public struct RunComparison: Sendable {
    /// A compared quantity, with its polarity.
    public enum Measure: String, Sendable, CaseIterable {
        case requestsPerSecond = "requests/s"
        case p50 = "p50 (ms)"
        case p99 = "p99 (ms)"

        public var higherIsBetter: Bool { self == .requestsPerSecond }

        /// How JSON and command-line options name it.
        public var key: String {
            switch self {
            case .requestsPerSecond: return "rps"
            case .p50: return "p50"
            case .p99: return "p99"
            }
        }

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

        /// The value of each counted trial on its own.
        func perTrial(_ variant: ComparisonSide.Variant) -> [Double] {
            switch self {
            case .requestsPerSecond: return variant.rates
            case .p50: return variant.trialLatency.compactMap { $0.percentile(50).map { Double($0) / 1000 } }
            case .p99: return variant.trialLatency.compactMap { $0.percentile(99).map { Double($0) / 1000 } }
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
        /// A side has fewer than two counted trials.
        case tooFewTrials
        /// A side lacks the variant or it failed there; the text says which.
        case unavailable(String)

        public var text: String {
            switch self {
            case .better: return "better"
            case .worse: return "worse"
            case .noSignificantDifference: return "no significant difference"
            case .singlePublishedValue: return "single published value: no interval"
            case .tooFewTrials: return "fewer than 2 trials on a side: too few to tell"
            case .unavailable(let why): return why
            }
        }

        public var isChange: Bool { self == .better || self == .worse }
    }

    /// A ratio with what the trials say about it.
    public struct Estimate: Sendable {
        public var ratio: Double
        /// 95% interval of the ratio.
        public var interval: ClosedRange<Double>?
        /// The contrast behind the interval, on the log scale.
        public var contrast: LogContrast?
        /// Holm-adjusted p over every variant of the measure.
        public var adjustedP: Double?
        public var verdict: Verdict
    }

    /// One measure of one variant on both sides.
    public struct MeasureResult: Sendable {
        public var measure: Measure
        public var baseline: Double?
        public var against: Double?
        /// against / baseline.
        public var ratio: Double?
        /// 95% interval of the ratio.
        public var interval: ClosedRange<Double>?
        public var contrast: LogContrast?
        /// Holm-adjusted p over every variant of the measure.
        public var adjustedP: Double?
        public var verdict: Verdict
        /// The ratio ÷ the measure's machine factor; nil when the factor rests on fewer than
        /// two variants or this variant is not part of it.
        public var relative: Estimate?
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

    /// How much the against machine differs on one measure, all variants together.
    public struct MachineFactor: Sendable {
        public var measure: Measure
        /// Geometric mean of the variants' ratios.
        public var ratio: Double
        /// 95% bootstrap interval; nil against a published table or with fewer than two trials a side.
        public var interval: ClosedRange<Double>?
        /// The variants it averages over.
        public var cells: [CellID]
        /// Kendall's τ-b between the two runs' orders of the variants by this measure.
        public var kendallTau: Double?
    }

    public var baseline: ComparisonSide
    public var against: ComparisonSide
    public var variants: [VariantResult]
    /// One per measure that at least one variant has on both sides.
    public var factors: [MachineFactor]
    public var machines: MachineDifferences
    /// How the definitions differ; nil when they are the same or the baseline is published.
    public var definitionChanges: DefinitionDifferences?
    public var bootstrap: Bootstrap
    /// The claims of both runs' write-ups, checked on both; empty when neither has any.
    public var claims: [ClaimReplication] = []
    /// Why some claims could not be read (a write-up naming variants the runs lack, …).
    public var claimNotes: [String] = []

    public func factor(_ measure: Measure) -> MachineFactor? {
        factors.first { $0.measure == measure }
    }

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
        var results = cells.map { cell in
            VariantResult(
                cell: cell,
                measures: Measure.allCases.map { measure(cell, $0, baseline: baseline, against: against) },
                baselineRank: ranked.baseline[cell], againstRank: ranked.against[cell])
        }
        var factors: [MachineFactor] = []
        for (index, measure) in Measure.allCases.enumerated() {
            judge(&results, index, measure)
            if let factor = machineFactor(measure, results: &results, index: index, baseline: baseline, against: against, bootstrap: bootstrap) {
                factors.append(factor)
            }
        }
        let claims = ClaimReplication.check(baseline: baseline, against: against)
        return RunComparison(
            baseline: baseline, against: against, variants: results, factors: factors,
            machines: MachineDifferences(baseline: baseline, against: against),
            definitionChanges: changes, bootstrap: bootstrap, claims: claims.claims, claimNotes: claims.notes)
    }

    /// One measure of one cell: the values, the ratio and its contrast; the verdict waits
    /// for every variant's p (`judge`).
    static func measure(_ cell: CellID, _ measure: Measure, baseline: ComparisonSide, against: ComparisonSide) -> MeasureResult {
        let old = baseline.variant(cell)
        let new = against.variant(cell)
        var result = MeasureResult(
            measure: measure, baseline: old.flatMap { measure.value($0) }, against: new.flatMap { measure.value($0) },
            ratio: nil, interval: nil, contrast: nil, adjustedP: nil, verdict: .tooFewTrials)
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
        guard before > 0, after >= 0 else {
            result.verdict = .unavailable("no ratio: \(baseline.label) has \(ReportNumber.decimal(before, places: 2, grouped: true))")
            return result
        }
        let ratio = after / before
        result.ratio = ratio
        if baseline.isPublished || old.published != nil {
            result.verdict = .singlePublishedValue
            return result
        }
        guard old.trials >= 2, new.trials >= 2 else {
            result.verdict = .tooFewTrials
            return result
        }
        result.contrast = LogContrast.logRatio(baseline: measure.perTrial(old), against: measure.perTrial(new), ratio: ratio)
        result.interval = result.contrast?.ratioInterval95
        if result.contrast == nil { result.verdict = .unavailable("a trial without a positive value: no interval") }
        return result
    }

    /// Holm over the variants of one measure: the verdict of each ratio.
    private static func judge(_ results: inout [VariantResult], _ index: Int, _ measure: Measure) {
        let adjusted = Holm.adjusted(results.map { $0.measures[index].contrast?.p })
        for row in results.indices {
            var result = results[row].measures[index]
            // Without a contrast the verdict stays what `measure` found (published, too few, absent).
            guard let contrast = result.contrast, let p = adjusted[row] else { continue }
            result.adjustedP = p
            result.verdict = verdict(p: p, estimate: contrast.estimate, measure)
            results[row].measures[index] = result
        }
    }

    private static func verdict(p: Double, estimate: Double, _ measure: Measure) -> Verdict {
        guard p < 0.05, estimate != 0 else { return .noSignificantDifference }
        return (estimate > 0) == measure.higherIsBetter ? .better : .worse
    }

    /// The machine factor of one measure and every variant's change relative to it.
    private static func machineFactor(
        _ measure: Measure, results: inout [VariantResult], index: Int,
        baseline: ComparisonSide, against: ComparisonSide, bootstrap: Bootstrap
    ) -> MachineFactor? {
        // Every variant with a positive ratio on both sides counts once.
        let rows = results.indices.filter { (results[$0].measures[index].ratio ?? 0) > 0 }
        guard !rows.isEmpty else { return nil }
        let logs = rows.map { log(results[$0].measures[index].ratio ?? 1) }
        let k = Double(rows.count)
        let ratio = exp(logs.reduce(0, +) / k)
        let pairs = rows.compactMap { row -> (ComparisonSide.Variant, ComparisonSide.Variant)? in
            guard let old = baseline.variant(results[row].cell), let new = against.variant(results[row].cell) else { return nil }
            return (old, new)
        }
        let contrasts = rows.map { results[$0].measures[index].contrast }
        let complete = contrasts.allSatisfy { $0 != nil }
        var interval: ClosedRange<Double>?
        if baseline.isPublished || pairs.contains(where: { $0.0.trials < 2 || $0.1.trials < 2 }) {
            interval = nil
        } else if measure == .requestsPerSecond {
            interval = bootstrap.meanRatioInterval(pairs.map { pair in
                (baselineTrials: pair.0.trials, againstTrials: pair.1.trials,
                 baseline: { measure.value(pair.0, weights: $0) }, against: { measure.value(pair.1, weights: $0) })
            })
        } else if complete {
            // A latency factor's interval from the same Welch terms as its relative changes:
            // resampling merged percentiles 10,000 times costs seconds and says no more.
            interval = LogContrast.combination(contrasts.compactMap { $0.map { (coefficient: 1 / k, contrast: $0) } }).ratioInterval95
        }
        // Relative changes: log ratio less the mean of all the logs, a combination of every
        // variant's contrast; without a contrast for each there is no interval for any.
        if rows.count >= 2 {
            var relatives: [Estimate] = []
            for position in rows.indices {
                let value = exp(logs[position] - log(ratio))
                var estimate = Estimate(ratio: value, interval: nil, contrast: nil, adjustedP: nil, verdict: .tooFewTrials)
                if baseline.isPublished {
                    estimate.verdict = .singlePublishedValue
                } else if complete {
                    let parts = contrasts.enumerated().compactMap { other, contrast in
                        contrast.map { (coefficient: (other == position ? 1 : 0) - 1 / k, contrast: $0) }
                    }
                    estimate.contrast = LogContrast.combination(parts)
                    estimate.interval = estimate.contrast?.ratioInterval95
                }
                relatives.append(estimate)
            }
            let adjusted = Holm.adjusted(relatives.map { $0.contrast?.p })
            for (position, row) in rows.enumerated() {
                var estimate = relatives[position]
                if let p = adjusted[position], let contrast = estimate.contrast {
                    estimate.adjustedP = p
                    estimate.verdict = verdict(p: p, estimate: contrast.estimate, measure)
                }
                results[row].measures[index].relative = estimate
            }
        }
        let orders = rows.compactMap { row -> (Double, Double)? in
            guard let old = results[row].measures[index].baseline, let new = results[row].measures[index].against else { return nil }
            return (old, new)
        }
        return MachineFactor(
            measure: measure, ratio: ratio, interval: interval, cells: rows.map { results[$0].cell },
            kendallTau: KendallTau.tauB(orders))
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
        let resampling = "a percentile bootstrap (\(ReportNumber.integer(Int64(bootstrap.resamples), grouped: true)) resamples, whole trials drawn again within each variant on both sides, fixed seed \(bootstrap.seed))"
        return "Ratios are against ÷ baseline of each run's own numbers: requests/s is the mean of the counted trials' rates, "
            + "p50 and p99 are nearest-rank percentiles of all counted trials' latencies merged. "
            + "The 95% interval of a ratio and its p come from the trials: Welch's t on the logarithms of each trial's own value, on both sides, "
            + "so three trials a side give a wide interval, as they should. "
            + "A ratio is significant when its p, corrected with Holm's method for testing every variant at once, is below 0.05. "
            + "The machine factor is the geometric mean of the variants' ratios; for requests/s its interval is \(resampling); "
            + "for p50 and p99 it comes from the same per-trial Welch terms as the ratios. "
            + "A relative change is a variant's ratio ÷ the machine factor: what changed beyond the machine, "
            + "with an interval from the same per-trial spread of every variant, and the same correction. "
            + "Kendall's τ compares the two runs' orders of the variants (1: the same order). "
            + "Intervals and tests need two or more counted trials on each side; unsteady trials are left out as in the report. "
            + "More requests is better; more latency is worse. Rank is by requests/s among the variants both sides measured."
    }
}
