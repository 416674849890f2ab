import Foundation

/// Welch's t-test for the difference of two means with unequal variances: used on the
/// per-trial requests/s of two runs. Two-sided; significant at the 5% level.
public struct WelchTest: Sendable, Equatable {
    /// (mean of `against` − mean of `baseline`) / its standard error.
    public var t: Double
    /// Welch–Satterthwaite degrees of freedom.
    public var degreesOfFreedom: Double
    /// Two-sided p-value.
    public var p: Double

    public var isSignificant: Bool { p < 0.05 }

    /// The test of `against` against `baseline`; nil when either side has fewer than two
    /// values, since there is then no variance to test with.
    public init?(baseline: [Double], against: [Double]) {
        guard baseline.count >= 2, against.count >= 2 else { return nil }
        let (meanA, varA) = Self.meanAndVariance(against)
        let (meanB, varB) = Self.meanAndVariance(baseline)
        let a = varA / Double(against.count)
        let b = varB / Double(baseline.count)
        let difference = meanA - meanB
        guard a + b > 0 else {
            // No spread on either side: any difference is certain, none is no evidence.
            t = difference == 0 ? 0 : (difference > 0 ? .infinity : -.infinity)
            degreesOfFreedom = Double(against.count + baseline.count - 2)
            p = difference == 0 ? 1 : 0
            return
        }
        t = difference / (a + b).squareRoot()
        degreesOfFreedom = (a + b) * (a + b)
            / (a * a / Double(against.count - 1) + b * b / Double(baseline.count - 1))
        p = Self.twoSidedP(t: t, degreesOfFreedom: degreesOfFreedom)
    }

    static func meanAndVariance(_ values: [Double]) -> (Double, Double) {
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        return (mean, variance)
    }

    /// P(|T| ≥ |t|) for Student's t with `df` degrees of freedom: I_{df/(df+t²)}(df/2, 1/2).
    static func twoSidedP(t: Double, degreesOfFreedom df: Double) -> Double {
        guard t.isFinite else { return 0 }
        return regularizedIncompleteBeta(df / (df + t * t), a: df / 2, b: 0.5)
    }

    /// The regularized incomplete beta function I_x(a, b), by its continued fraction
    /// (Lentz's method), using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where that
    /// converges faster.
    static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
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
