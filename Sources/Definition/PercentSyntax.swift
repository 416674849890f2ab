import Core

/// Percentages as written in definitions and on the command line: "5%", "2.5 %".
public enum PercentSyntax {
    /// The share a percentage stands for ("5%" is 0.05); nil for text that is not a finite
    /// number followed by "%".
    public static func parse(_ text: String) -> Double? {
        let trimmed = text.trimmingSpaces
        guard trimmed.hasSuffix("%"), let percent = Double(trimmed.dropLast().trimmingSpaces), percent.isFinite
        else { return nil }
        return percent / 100
    }
}
