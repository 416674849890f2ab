import Core
import Foundation

/// A difference between two runs estimated from their trials, with Welch's uncertainty: an
/// estimate, and the variance it inherits from each side's trial-to-trial spread, each with
/// its own degrees of freedom. Ratios are compared as differences of logarithms, so that a
/// machine factor is an average of contrasts and a relative change is the contrast of one
/// variant less that average; sums of contrasts keep every term, and Welch–Satterthwaite
/// gives the degrees of freedom of any sum.
///
/// With three trials a side a t interval on two to four degrees of freedom is wide, as it
/// should be: a percentile bootstrap over three trials sees ten distinct resamples and
/// covers far less than 95%.
public struct LogContrast: Sendable, Equatable {
    /// One side's contribution: the variance of its mean, and that estimate's degrees of freedom.
    struct Term: Sendable, Equatable {
        var variance: Double
        var degreesOfFreedom: Double
    }

    /// The estimated difference (of logarithms, for a ratio).
    public var estimate: Double
    var terms: [Term]

    /// The variance of the estimate.
    public var variance: Double { terms.reduce(0) { $0 + $1.variance } }

    /// Welch–Satterthwaite: (Σ vᵢ)² / Σ (vᵢ² / dfᵢ). Terms without spread add nothing; with
    /// no spread at all the degrees of freedom are those of the terms together.
    public var degreesOfFreedom: Double {
        let spread = terms.filter { $0.variance > 0 }
        guard !spread.isEmpty else { return max(1, terms.reduce(0) { $0 + $1.degreesOfFreedom }) }
        let total = spread.reduce(0) { $0 + $1.variance }
        return total * total / spread.reduce(0) { $0 + $1.variance * $1.variance / $1.degreesOfFreedom }
    }

    /// Student's t of the estimate against zero; ±infinity when there is no spread and a difference.
    public var t: Double {
        let se = variance.squareRoot()
        guard se > 0 else { return estimate == 0 ? 0 : (estimate > 0 ? .infinity : -.infinity) }
        return estimate / se
    }

    /// Two-sided p of "no difference".
    public var p: Double {
        t == 0 ? 1 : StudentT.twoSidedP(t: t, degreesOfFreedom: degreesOfFreedom)
    }

    /// The 95% interval of the estimate.
    public var interval95: ClosedRange<Double> {
        let half = StudentT.quantile(0.975, degreesOfFreedom: degreesOfFreedom) * variance.squareRoot()
        return (estimate - half)...(estimate + half)
    }

    /// The 95% interval of the ratio exp(estimate).
    public var ratioInterval95: ClosedRange<Double> {
        let interval = interval95
        return exp(interval.lowerBound)...exp(interval.upperBound)
    }

    /// Welch's two-sample contrast of `against` less `baseline` (means of the values as given);
    /// `estimate` replaces the difference of the means when the point is computed otherwise.
    /// nil when either side has fewer than two values or a value is not finite.
    public static func difference(baseline: [Double], against: [Double], estimate: Double? = nil) -> LogContrast? {
        guard baseline.count >= 2, against.count >= 2, (baseline + against).allSatisfy(\.isFinite) else { return nil }
        let (meanA, varA) = StudentT.meanAndVariance(against)
        let (meanB, varB) = StudentT.meanAndVariance(baseline)
        return LogContrast(
            estimate: estimate ?? (meanA - meanB),
            terms: [
                Term(variance: varA / Double(against.count), degreesOfFreedom: Double(against.count - 1)),
                Term(variance: varB / Double(baseline.count), degreesOfFreedom: Double(baseline.count - 1)),
            ])
    }

    /// The contrast of log(against / baseline) for per-trial values of a positive quantity,
    /// centred on log(`ratio`), the ratio of the two runs' own numbers. nil with fewer than
    /// two trials on a side, or a value that is not positive.
    public static func logRatio(baseline: [Double], against: [Double], ratio: Double) -> LogContrast? {
        guard ratio > 0, ratio.isFinite, (baseline + against).allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
        return difference(baseline: baseline.map { log($0) }, against: against.map { log($0) }, estimate: log(ratio))
    }

    /// Σ cᵢ · contrastᵢ: the estimates summed, the variances scaled by cᵢ².
    public static func combination(_ parts: [(coefficient: Double, contrast: LogContrast)]) -> LogContrast {
        LogContrast(
            estimate: parts.reduce(0) { $0 + $1.coefficient * $1.contrast.estimate },
            terms: parts.flatMap { part in
                part.contrast.terms.map {
                    Term(variance: part.coefficient * part.coefficient * $0.variance, degreesOfFreedom: $0.degreesOfFreedom)
                }
            })
    }
}

/// Holm's step-down correction for testing several hypotheses at once: the smallest p is
/// compared with α/m, the next with α/(m−1), and so on until one fails. The adjusted p of
/// each is the running maximum of (m − rank) · p, capped at 1; a test is significant when
/// its adjusted p is below α. It controls the chance of any false call at α, whatever the
/// dependence between the tests.
public enum Holm {
    public static func adjusted(_ ps: [Double?]) -> [Double?] {
        let known = ps.enumerated().compactMap { index, p in p.map { (index, $0) } }.sorted { $0.1 < $1.1 }
        var result = [Double?](repeating: nil, count: ps.count)
        var running = 0.0
        for (rank, (index, p)) in known.enumerated() {
            running = max(running, min(1, Double(known.count - rank) * p))
            result[index] = running
        }
        return result
    }
}

/// Kendall's τ-b between two rankings of the same items: +1 when they agree on the order of
/// every pair, −1 when they disagree on every pair, corrected for ties. nil for fewer than
/// two items or when one side ties everything.
public enum KendallTau {
    public static func tauB(_ pairs: [(Double, Double)]) -> Double? {
        guard pairs.count >= 2 else { return nil }
        var concordant = 0.0
        var discordant = 0.0
        var tiesX = 0.0
        var tiesY = 0.0
        for i in 0..<pairs.count {
            for j in (i + 1)..<pairs.count {
                let dx = pairs[i].0 - pairs[j].0
                let dy = pairs[i].1 - pairs[j].1
                if dx == 0, dy == 0 { continue }
                if dx == 0 { tiesX += 1; continue }
                if dy == 0 { tiesY += 1; continue }
                if (dx > 0) == (dy > 0) { concordant += 1 } else { discordant += 1 }
            }
        }
        let denominator = ((concordant + discordant + tiesX) * (concordant + discordant + tiesY)).squareRoot()
        return denominator > 0 ? (concordant - discordant) / denominator : nil
    }
}
