import Core
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
        StudentT.meanAndVariance(values)
    }

    /// P(|T| ≥ |t|) for Student's t with `df` degrees of freedom.
    static func twoSidedP(t: Double, degreesOfFreedom df: Double) -> Double {
        StudentT.twoSidedP(t: t, degreesOfFreedom: df)
    }
}
