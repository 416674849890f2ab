import Core
import Definition
import Foundation
import Store

/// A cell's capacity at its target, estimated from its stored probes (the bracketing search
/// and the confirmations, never the closed-loop start): the highest rate at which the target
/// holds reliably, with a 95% interval.
///
/// Whether a probe keeps the target is modelled as a logistic function of the log of the
/// offered rate, P(keeps) = 1 / (1 + e^−(a + b·ln r)), fitted by maximum likelihood. The
/// capacity is the rate at which the fit keeps the target in 9 probes of 10, with a
/// delta-method interval on the log scale. When every probe that kept the target offered
/// less than every probe that missed it (the usual case for a sharp knee), the likelihood has
/// no maximum; the data then say only that the capacity lies between the highest rate that
/// held and the lowest that did not, and that bracket is the interval, with the rate that
/// held as the capacity: no rate is claimed that was not seen to hold.
public struct CapacityEstimate: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// A capacity with its interval.
        case found
        /// The target failed at every rate down to the least a probe can measure.
        case none
        /// The target held at the most the generator offers: the server's capacity is higher.
        case generatorLimited = "generator-limited"
        /// The search stopped (time budget, interrupt) before it bracketed the capacity.
        case unfinished
    }

    public enum Method: String, Sendable {
        /// The logistic fit's 90% point and its delta-method interval.
        case logistic
        /// The highest rate that held and the lowest that did not.
        case bracket
    }

    public var kind: Kind
    /// Requests/s: the capacity when found, the generator's ceiling when generator-limited.
    public var rps: Double?
    public var low: Double?
    public var high: Double?
    public var method: Method?
    /// Probes it rests on (search and confirmation), and how many kept the target.
    public var probes: Int
    public var held: Int
    /// What "none", "generator-limited" or "unfinished" means here, in words.
    public var reason: String?

    /// Every cell's estimate in `run`, by variant id, with the run's target; nil when the run
    /// searched for no capacity (or its stored target does not read).
    public static func of(_ run: RunData) -> (target: CapacityTarget, byVariant: [Int64: CapacityEstimate])? {
        guard let search = run.capacitySearch, case .success(let target) = CapacityTarget.parse(search.target) else { return nil }
        // The probes' windows say how long a probe was, hence the least rate worth one.
        let windows = run.probes.map { Double($0.trial.measurement.durationUs) / 1e6 }.filter { $0 > 0 }.sorted()
        let window = windows.isEmpty ? LoadSettings.defaultProbe.seconds : windows[windows.count / 2]
        let floor = CapacityPlan(
            target: target, probe: .milliseconds(Int64(window * 1000)), resolution: LoadSettings.defaultResolution,
            repetitions: 1, ceiling: nil, seed: 0).floor
        let ceiling = search.generatorLimitRPS.map { $0 * CapacityPlan.generatorHeadroom }
        var byVariant: [Int64: CapacityEstimate] = [:]
        for (variant, probes) in Dictionary(grouping: run.probes, by: { $0.trial.key.variantID }) {
            let rated = probes.filter { $0.role.stage != .start }.compactMap { probe in
                probe.role.offeredRPS.map { (offered: $0, held: probe.role.held ?? false) }
            }
            byVariant[variant] = estimate(rated, ceiling: ceiling, floor: floor)
        }
        return (target, byVariant)
    }

    /// Probes that overlap without a fit: the highest rate that held below every failure
    /// (else the highest that held) as the capacity, and the interval from the lowest
    /// failure (or that rate) to the lowest failure above every rate that held.
    private static func overlapBracket(
        _ partial: CapacityEstimate, heldRates: [Double], lowestFailed: Double, above: Double
    ) -> CapacityEstimate {
        var result = partial
        result.method = .bracket
        let capacity = heldRates.filter { $0 < lowestFailed }.max() ?? heldRates.max() ?? lowestFailed
        (result.rps, result.low, result.high) = (capacity, min(capacity, lowestFailed), above)
        return result
    }

    /// The share of probes that keep the target at the capacity the logistic fit states.
    public static let reliability = 0.9

    /// The estimate from `probes` (offered rate, kept the target) of the search and the
    /// confirmations. `ceiling` is the most the generator was let offer; `floor` the least
    /// rate a probe can measure the target's percentile at.
    public static func estimate(_ probes: [(offered: Double, held: Bool)], ceiling: Double?, floor: Double) -> CapacityEstimate {
        let usable = probes.filter { $0.offered > 0 && $0.offered.isFinite }
        let heldRates = usable.filter(\.held).map(\.offered)
        let failedRates = usable.filter { !$0.held }.map(\.offered)
        var result = CapacityEstimate(kind: .unfinished, probes: usable.count, held: heldRates.count)
        guard let highestHeld = heldRates.max() else {
            // The search tries the floor last; a window a little longer than planned moves the
            // floor computed here a little, hence the margin.
            if let lowest = failedRates.min(), lowest <= floor * 1.05 {
                result.kind = .none
                result.reason = String(format: "the target failed at every rate down to %.0f requests/s", lowest)
            } else {
                result.reason = usable.isEmpty
                    ? "the search stopped before it offered any rate" : "the search stopped before any rate kept the target"
            }
            return result
        }
        let failedAbove = failedRates.filter { $0 > highestHeld }
        guard let lowestFailedAbove = failedAbove.min() else {
            if let ceiling, highestHeld >= ceiling * 0.999 {
                result.kind = .generatorLimited
                result.rps = highestHeld
                result.low = highestHeld
                result.reason = String(format: "the target held at %.0f requests/s, the most the generator offers here; the server's capacity is higher", highestHeld)
            } else {
                result.rps = highestHeld
                result.low = highestHeld
                result.reason = String(format: "the search stopped with the target still held at %.0f requests/s", highestHeld)
            }
            return result
        }
        result.kind = .found
        let lowestFailed = failedRates.min() ?? lowestFailedAbove
        if lowestFailed > highestHeld {
            // Separated: the knee lies in the bracket, and nothing narrower can be said.
            result.method = .bracket
            (result.rps, result.low, result.high) = (highestHeld, highestHeld, lowestFailedAbove)
            return result
        }
        let lowestRate = usable.map(\.offered).min() ?? highestHeld
        let highestRate = usable.map(\.offered).max() ?? lowestFailedAbove
        guard let fit = LogisticFit.fit(usable.map { (log($0.offered), $0.held) }), fit.slope < 0 else {
            // No fit (or one in which higher rates hold more): the probes' own bracket.
            return overlapBracket(result, heldRates: heldRates, lowestFailed: lowestFailed, above: lowestFailedAbove)
        }
        let logit = log(reliability / (1 - reliability))
        let x = (logit - fit.intercept) / fit.slope
        // d x / d(a, b) = (−1/b, −x/b).
        let (ga, gb) = (-1 / fit.slope, -x / fit.slope)
        let variance = ga * ga * fit.covariance[0][0] + 2 * ga * gb * fit.covariance[0][1] + gb * gb * fit.covariance[1][1]
        guard variance >= 0, variance.isFinite, x.isFinite else {
            return overlapBracket(result, heldRates: heldRates, lowestFailed: lowestFailed, above: lowestFailedAbove)
        }
        let half = 1.959964 * variance.squareRoot()
        let clamp = { (value: Double) in min(max(value, lowestRate), highestRate) }
        result.method = .logistic
        result.rps = clamp(exp(x))
        result.low = clamp(exp(x - half))
        result.high = clamp(exp(x + half))
        return result
    }
}

/// A two-parameter logistic regression of a yes/no outcome on one variable, by Newton's
/// method on the log-likelihood.
struct LogisticFit: Equatable {
    var intercept: Double
    var slope: Double
    /// The inverse of the observed information at the maximum: [[var a, cov], [cov, var b]].
    var covariance: [[Double]]

    /// nil when it does not converge (separated or constant outcomes) or the information is
    /// singular.
    static func fit(_ points: [(x: Double, y: Bool)]) -> LogisticFit? {
        guard points.count >= 3, points.contains(where: \.y), points.contains(where: { !$0.y }) else { return nil }
        // Centred for stability; the intercept is moved back at the end.
        let centre = points.map(\.x).reduce(0, +) / Double(points.count)
        var (a, b) = (0.0, 0.0)
        var information = [[0.0, 0.0], [0.0, 0.0]]
        var converged = false
        for _ in 0..<100 {
            var (ga, gb, iaa, iab, ibb) = (0.0, 0.0, 0.0, 0.0, 0.0)
            for point in points {
                let x = point.x - centre
                let p = 1 / (1 + exp(-(a + b * x)))
                let residual = (point.y ? 1 : 0) - p
                let weight = p * (1 - p)
                ga += residual
                gb += residual * x
                iaa += weight
                iab += weight * x
                ibb += weight * x * x
            }
            let det = iaa * ibb - iab * iab
            guard det > 1e-12 else { return nil }
            let da = (ibb * ga - iab * gb) / det
            let db = (iaa * gb - iab * ga) / det
            a += da
            b += db
            information = [[iaa, iab], [iab, ibb]]
            guard a.isFinite, b.isFinite, abs(b) < 1e4 else { return nil }
            if abs(da) < 1e-9 && abs(db) < 1e-9 {
                converged = true
                break
            }
        }
        guard converged else { return nil }
        let det = information[0][0] * information[1][1] - information[0][1] * information[0][1]
        guard det > 1e-12 else { return nil }
        let centred = [
            [information[1][1] / det, -information[0][1] / det],
            [-information[0][1] / det, information[0][0] / det],
        ]
        // a' = a − b·centre: var a' = var a + centre² var b − 2 centre cov(a, b).
        let varA = centred[0][0] + centre * centre * centred[1][1] - 2 * centre * centred[0][1]
        let cov = centred[0][1] - centre * centred[1][1]
        return LogisticFit(intercept: a - b * centre, slope: b, covariance: [[varA, cov], [cov, centred[1][1]]])
    }
}
