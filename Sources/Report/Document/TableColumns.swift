/// Column widths for a table: natural widths when they fit, otherwise every column keeps
/// its longest word and the room left goes to the columns that want more.
enum TableColumns {
    /// `natural`: each column's widest unwrapped cell; `minimum`: its longest word (both
    /// with padding). Nil when even the longest words do not fit in `available`.
    static func widths(natural: [Double], minimum: [Double], available: Double) -> [Double]? {
        let minimum = zip(minimum, natural).map { min($0, $1) }
        if natural.reduce(0, +) <= available { return natural }
        let floor = minimum.reduce(0, +)
        guard floor <= available else { return nil }
        let wanted = zip(natural, minimum).map { $0 - $1 }
        let totalWanted = wanted.reduce(0, +)
        guard totalWanted > 0 else { return minimum }
        let spare = available - floor
        return zip(minimum, wanted).map { $0 + spare * $1 / totalWanted }
    }

    /// Last resort: shrink every column in proportion, so words break inside.
    static func squeezed(minimum: [Double], available: Double) -> [Double] {
        let total = minimum.reduce(0, +)
        guard total > 0 else { return minimum }
        return minimum.map { $0 * available / total }
    }
}
