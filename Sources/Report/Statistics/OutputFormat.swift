/// The formats a table can be written in. Text and Markdown tables share one layout code
/// path (`ResultsTable.grid`); only the separators differ.
public enum TableFormat: String, Sendable, CaseIterable {
    /// GitHub-flavoured Markdown: pipes, an alignment row, "|" in cells escaped.
    case markdown
    /// Plain aligned columns for the terminal.
    case text
}

/// How every table in the report writes numbers, so the same quantity reads the same
/// everywhere: milliseconds and seconds with two decimals, counts as integers, "," between
/// thousands, "." as the decimal mark whatever the locale, "—" for a missing value.
public enum ReportNumber {
    /// Written where a value is missing.
    public static let missing = "—"

    /// Latency in milliseconds: two decimals, grouped ("1,414.08").
    public static func milliseconds(_ value: Double?) -> String {
        value.map { decimal($0, places: 2, grouped: true) } ?? missing
    }

    /// Duration in seconds: two decimals, grouped.
    public static func seconds(_ value: Double?) -> String {
        value.map { decimal($0, places: 2, grouped: true) } ?? missing
    }

    /// A count, rounded to an integer, grouped ("30,702").
    public static func count(_ value: Double?) -> String {
        value.map { decimal($0, places: 0, grouped: true) } ?? missing
    }

    /// A count, grouped.
    public static func count(_ value: Int64?) -> String {
        value.map { integer($0, grouped: true) } ?? missing
    }

    /// `value` rounded half away from zero to `places` decimals, "." as the decimal mark and,
    /// when `grouped`, "," every three integer digits. Non-finite values are `missing`.
    public static func decimal(_ value: Double, places: Int, grouped: Bool) -> String {
        guard value.isFinite else { return missing }
        let places = max(0, min(places, 9))
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = abs(value) * scale
        // Values like 247.725 are stored as 247.72499…; a relative nudge far below any
        // printed digit makes decimal halves round as a reader expects.
        let rounded = (scaled * (1 + 1e-12)).rounded(.toNearestOrAwayFromZero)
        guard let digits = Int64(exactly: rounded) else { return String(value) }
        let divisor = Int64(scale)
        let whole = integer(digits / divisor, grouped: grouped)
        let sign = (value < 0 && digits != 0) ? "-" : ""
        guard places > 0 else { return sign + whole }
        let fraction = String(digits % divisor)
        return sign + whole + "." + String(repeating: "0", count: places - fraction.count) + fraction
    }

    /// An integer with "," every three digits when `grouped`.
    public static func integer(_ value: Int64, grouped: Bool) -> String {
        let digits = String(value.magnitude)
        let sign = value < 0 ? "-" : ""
        guard grouped, digits.count > 3 else { return sign + digits }
        var result = ""
        for (offset, character) in digits.enumerated() {
            if offset > 0, (digits.count - offset) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return sign + result
    }
}
