/// The one nearest-rank rule every percentile in reportgen follows (the report, calibrate,
/// the progress line, the built-in generator's stored percentiles and `reportgen load`): the
/// p-th percentile of n values is the value of rank ⌈p/100 · n⌉ (at least 1), counting from
/// the smallest.
public enum NearestRank {
    /// ⌈p/100 · n⌉ (at least 1), in integers, so that p = 99.9 of n = 1000 is rank 999 and not
    /// the 1000 floating point gives; p is taken to six decimal places. nil when n is 0 or p
    /// is outside 0…100.
    public static func rank(_ p: Double, of n: Int64) -> Int64? {
        guard n > 0, p.isFinite, p >= 0, p <= 100 else { return nil }
        let scale: Int64 = 100_000_000
        let pScaled = Int64((p * 1_000_000).rounded())
        let product = pScaled.multipliedFullWidth(by: n)
        let (quotient, remainder) = scale.dividingFullWidth(product)
        return max(1, quotient + (remainder > 0 ? 1 : 0))
    }
}
