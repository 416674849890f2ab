import Core
import Foundation

/// The percentile bootstrap for the ratio of a statistic between two runs: whole trials are
/// resampled with replacement on each side, the statistic recomputed on each resample, and
/// the 2.5th and 97.5th percentiles of the ratios taken as the 95% interval. The generator is
/// seeded, so the same data always gives the same interval.
public struct Bootstrap: Sendable {
    /// Resamples per interval.
    public var resamples: Int
    /// The generator's seed.
    public var seed: UInt64

    public static let standard = Bootstrap(resamples: 10_000, seed: 0x2017_0915)

    public init(resamples: Int, seed: UInt64) {
        self.resamples = resamples
        self.seed = seed
    }

    /// The 95% interval of statistic(against) / statistic(baseline). A statistic takes
    /// per-trial weights (how often each trial was drawn; all 1 for the data as measured).
    /// nil when either side has fewer than two trials or no resample gives a ratio.
    public func ratioInterval(
        baselineTrials: Int, againstTrials: Int,
        baseline: ([Int]) -> Double?, against: ([Int]) -> Double?
    ) -> ClosedRange<Double>? {
        guard baselineTrials >= 2, againstTrials >= 2, resamples > 0 else { return nil }
        var generator = SplitMix64(seed: seed)
        // A resample is determined by its draw counts; with a few trials there are few
        // distinct ones, so each statistic is computed once per distinct resample.
        var baselineCache: [[Int]: Double?] = [:]
        var againstCache: [[Int]: Double?] = [:]
        var ratios: [Double] = []
        ratios.reserveCapacity(resamples)
        for _ in 0..<resamples {
            let b = Self.draw(baselineTrials, &generator)
            let a = Self.draw(againstTrials, &generator)
            let bottom = Self.cached(b, in: &baselineCache, baseline)
            let top = Self.cached(a, in: &againstCache, against)
            if let bottom, let top, bottom != 0, (top / bottom).isFinite { ratios.append(top / bottom) }
        }
        guard !ratios.isEmpty else { return nil }
        ratios.sort()
        return Self.quantile(ratios, 0.025)...Self.quantile(ratios, 0.975)
    }

    private static func cached(_ weights: [Int], in cache: inout [[Int]: Double?], _ statistic: ([Int]) -> Double?) -> Double? {
        if let known = cache[weights] { return known }
        let value = statistic(weights)
        cache.updateValue(value, forKey: weights)
        return value
    }

    /// How often each of `count` trials is drawn in `count` draws with replacement.
    static func draw(_ count: Int, _ generator: inout SplitMix64) -> [Int] {
        var weights = Array(repeating: 0, count: count)
        for _ in 0..<count {
            // The high half of a 64×64-bit product maps the draw onto 0..<count without the
            // bias of a modulo; it does not depend on the standard library's algorithm.
            let index = Int(generator.next().multipliedFullWidth(by: UInt64(count)).high)
            weights[index] += 1
        }
        return weights
    }

    /// The q-quantile of sorted values, interpolating between neighbours.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down))
        let high = min(low + 1, sorted.count - 1)
        let fraction = position - Double(low)
        return sorted[low] + (sorted[high] - sorted[low]) * fraction
    }
}
