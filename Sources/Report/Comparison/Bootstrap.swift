import Core
import Foundation

/// The percentile bootstrap for a machine factor, the geometric mean of a statistic's ratios
/// between two runs over several variants: whole trials are resampled with replacement within
/// each variant on each side, the statistics recomputed on each resample, and the 2.5th and
/// 97.5th percentiles of the factors taken as the 95% interval. The generator is
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

    /// One variant's two sides for `meanRatioInterval`: how many trials each side has, and the
    /// statistic of each side given per-trial weights (how often each trial was drawn; all 1
    /// for the data as measured).
    public typealias Pair = (
        baselineTrials: Int, againstTrials: Int, baseline: ([Int]) -> Double?, against: ([Int]) -> Double?
    )

    /// The 95% interval of the geometric mean of several variants' ratios (a machine
    /// factor): each resample draws whole trials again within every variant on both sides.
    /// nil when a variant has fewer than two trials on a side or no resample gives every ratio.
    public func meanRatioInterval(_ pairs: [Pair]) -> ClosedRange<Double>? {
        guard !pairs.isEmpty, resamples > 0, pairs.allSatisfy({ $0.baselineTrials >= 2 && $0.againstTrials >= 2 }) else {
            return nil
        }
        var generator = SplitMix64(seed: seed)
        var baselineCaches = [[[Int]: Double?]](repeating: [:], count: pairs.count)
        var againstCaches = [[[Int]: Double?]](repeating: [:], count: pairs.count)
        var factors: [Double] = []
        factors.reserveCapacity(resamples)
        resampling: for _ in 0..<resamples {
            var sum = 0.0
            for (index, pair) in pairs.enumerated() {
                let b = Self.draw(pair.baselineTrials, &generator)
                let a = Self.draw(pair.againstTrials, &generator)
                guard let bottom = Self.cached(b, in: &baselineCaches[index], pair.baseline),
                    let top = Self.cached(a, in: &againstCaches[index], pair.against),
                    bottom > 0, top > 0, (top / bottom).isFinite
                else { continue resampling }
                sum += log(top / bottom)
            }
            factors.append(exp(sum / Double(pairs.count)))
        }
        guard !factors.isEmpty else { return nil }
        factors.sort()
        return Self.quantile(factors, 0.025)...Self.quantile(factors, 0.975)
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
