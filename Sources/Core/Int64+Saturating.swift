extension Int64 {
    /// `self + other`, held at the nearest bound instead of trapping. For totals of counts
    /// read from a results file: the store's checks keep each count far below the bounds, and
    /// a total of absurdly many of them reads as the largest number, never a crash.
    public func saturatingAdd(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }

    /// `self * other`, held at the nearest bound instead of trapping (see `saturatingAdd`).
    public func saturatingMultiply(_ other: Int64) -> Int64 {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? ((self < 0) == (other < 0) ? .max : .min) : product
    }
}
