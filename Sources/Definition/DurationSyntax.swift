import Core

/// Reads durations written as text — "20s", "500ms", "1.5s", "2m", "1m30s" — as used in
/// `experiment.toml` and on the command line.
public enum DurationSyntax {
    /// Nanoseconds per unit; "us" stands in for "µs" where typing µ is awkward.
    private static let units: [String: Int64] = [
        "h": 3_600_000_000_000, "m": 60_000_000_000, "s": 1_000_000_000,
        "ms": 1_000_000, "us": 1_000, "µs": 1_000, "ns": 1,
    ]

    /// Units in the order a message should list them.
    static let unitList = "h, m, s, ms, us"

    /// The duration `text` denotes, or nil when it is not one (a bare number has no unit and is not).
    public static func parse(_ text: String) -> Duration? {
        let characters = Array(text.trimmingSpaces)
        guard !characters.isEmpty else { return nil }
        var index = 0
        var total: Int64 = 0
        func isDigit(_ at: Int) -> Bool {
            at < characters.count && characters[at].isASCII && characters[at].isNumber
        }
        while index < characters.count {
            let integerStart = index
            while isDigit(index) { index += 1 }
            let integerDigits = String(characters[integerStart..<index])
            var fractionDigits = ""
            if index < characters.count, characters[index] == "." {
                index += 1
                let fractionStart = index
                while isDigit(index) { index += 1 }
                fractionDigits = String(characters[fractionStart..<index])
                guard !fractionDigits.isEmpty else { return nil }
            }
            guard !integerDigits.isEmpty || !fractionDigits.isEmpty else { return nil }
            let unitStart = index
            while index < characters.count, characters[index].isLetter { index += 1 }
            guard let perUnit = units[String(characters[unitStart..<index])] else { return nil }

            let whole = integerDigits.isEmpty ? 0 : Int64(integerDigits)
            guard let whole else { return nil }
            let (wholeNanos, overflow) = whole.multipliedReportingOverflow(by: perUnit)
            guard !overflow else { return nil }
            let fraction = fractionDigits.isEmpty ? 0 : (Double("0." + fractionDigits) ?? 0)
            let fractionNanos = Int64((fraction * Double(perUnit)).rounded())
            let (sum, sumOverflow) = total.addingReportingOverflow(wholeNanos)
            guard !sumOverflow else { return nil }
            let (withFraction, fractionOverflow) = sum.addingReportingOverflow(fractionNanos)
            guard !fractionOverflow else { return nil }
            total = withFraction
        }
        return .nanoseconds(total)
    }

    /// A short text form such as "20s", "1.5s" or "500ms", for messages.
    public static func format(_ duration: Duration) -> String {
        let microseconds = duration.microseconds
        if microseconds % 1_000_000 == 0 { return "\(microseconds / 1_000_000)s" }
        if microseconds % 1_000 == 0 && microseconds < 1_000_000 { return "\(microseconds / 1_000)ms" }
        return "\(duration.seconds)s"
    }
}
