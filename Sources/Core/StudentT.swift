import Foundation

/// Student's t distribution, for intervals across a handful of trials, for deciding when a
/// variant has enough of them, and for Welch's test:
/// exact critical values for every degree of freedom, from the regularized incomplete beta
/// function.
public enum StudentT {
    /// t(0.975, df): the two-sided 95% critical value; nil for df < 1.
    public static func critical95(degreesOfFreedom df: Int) -> Double? {
        guard df >= 1 else { return nil }
        return quantile(0.975, degreesOfFreedom: Double(df))
    }

    /// The t with P(T ≤ t) = `p` (0.5 < p < 1), by bisection on the distribution function
    /// to the last bits of a Double.
    public static func quantile(_ p: Double, degreesOfFreedom df: Double) -> Double {
        var low = 0.0
        var high = 1.0
        while 1 - twoSidedP(t: high, degreesOfFreedom: df) / 2 < p { high *= 2 }
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if middle == low || middle == high { break }
            if 1 - twoSidedP(t: middle, degreesOfFreedom: df) / 2 < p { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }

    /// mean ± t(n−1) · s/√n with the sample standard deviation s; nil for n < 2. For values
    /// that may be negative, such as differences.
    public static func interval95(_ values: [Double]) -> ClosedRange<Double>? {
        let n = values.count
        guard n >= 2, let t = critical95(degreesOfFreedom: n - 1) else { return nil }
        let (mean, variance) = meanAndVariance(values)
        let half = t * variance.squareRoot() / Double(n).squareRoot()
        return (mean - half)...(mean + half)
    }

    /// The 95% interval of a positive quantity (a count, a rate): the t interval of the
    /// values' logarithms, taken back. It is centred on the geometric mean, cannot go below
    /// zero, and widens upwards as counts do; nil for n < 2. A zero among the values leaves
    /// only the ordinary interval, floored at zero.
    public static func ratioInterval95(_ values: [Double]) -> ClosedRange<Double>? {
        guard values.allSatisfy({ $0 > 0 }) else {
            return interval95(values).map { max(0, $0.lowerBound)...max(0, $0.upperBound) }
        }
        return interval95(values.map { log($0) }).map { exp($0.lowerBound)...exp($0.upperBound) }
    }

    /// Standard deviation over mean; nil for n < 2 or a zero mean.
    public static func coefficientOfVariation(_ values: [Double]) -> Double? {
        guard values.count >= 2 else { return nil }
        let (mean, variance) = meanAndVariance(values)
        return mean != 0 ? variance.squareRoot() / mean : nil
    }

    public static func meanAndVariance(_ values: [Double]) -> (Double, Double) {
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        return (mean, variance)
    }

    /// P(|T| ≥ |t|) for Student's t with `df` degrees of freedom: I_{df/(df+t²)}(df/2, 1/2).
    public static func twoSidedP(t: Double, degreesOfFreedom df: Double) -> Double {
        guard t.isFinite else { return 0 }
        return regularizedIncompleteBeta(df / (df + t * t), a: df / 2, b: 0.5)
    }

    /// The regularized incomplete beta function I_x(a, b), by its continued fraction
    /// (Lentz's method), using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where that
    /// converges faster.
    public static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logBeta: Double = lgamma(a) + lgamma(b) - lgamma(a + b)
        let logPowers: Double = a * log(x) + b * log(1 - x)
        let logFront = logPowers - logBeta
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * continuedFraction(x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * continuedFraction(1 - x, a: b, b: a) / b
    }

    private static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var result = d
        for m in 1...300 {
            let m = Double(m)
            let even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + even * d
            if abs(d) < tiny { d = tiny }
            c = 1 + even / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            result *= d * c
            let odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + odd * d
            if abs(d) < tiny { d = tiny }
            c = 1 + odd / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            result *= step
            if abs(step - 1) < 1e-15 { break }
        }
        return result
    }
}

extension StudentT {
    /// How wide the 95% interval of a positive quantity is, as a share of its mean: half the
    /// interval's width over the mean (0.05: within ±5%); nil for n < 2.
    public static func relativePrecision(_ values: [Double]) -> Double? {
        guard let interval = ratioInterval95(values) else { return nil }
        let mean = values.reduce(0, +) / Double(values.count)
        return mean > 0 ? (interval.upperBound - interval.lowerBound) / 2 / mean : nil
    }
}
