extension ReportNumber {
    /// "a", "a and b", "a, b and c".
    public static func list(_ parts: [String]) -> String {
        guard parts.count > 1, let last = parts.last else { return parts.first ?? "" }
        return parts.dropLast().joined(separator: ", ") + " and " + last
    }

    /// A ratio such as "3.92×".
    public static func ratio(_ value: Double?) -> String {
        value.map { decimal($0, places: 2, grouped: true) + "×" } ?? missing
    }

    /// Bytes as MiB with one decimal, unit included.
    public static func mebibytes(_ bytes: Double?) -> String {
        bytes.map { decimal($0 / 1_048_576, places: 1, grouped: true) + " MiB" } ?? missing
    }

    /// Bytes as GiB with one decimal, unit included.
    public static func gibibytes(_ bytes: Int64) -> String {
        decimal(Double(bytes) / 1_073_741_824, places: 1, grouped: true) + " GiB"
    }
}
