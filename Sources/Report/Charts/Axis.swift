import Foundation

/// A value axis: maps data values to a 0…1 fraction of its length and lists labelled ticks.
///
/// Three kinds: linear with "nice" 1-2-5 steps, log10 latency (decades, since latencies span
/// three or more of them), and the "nines" percentile axis where p50, p90, p99, p99.9 and
/// p99.99 are evenly spaced, so the tail gets as much room as the median.
public struct Axis: Sendable, Equatable {
    /// A labelled position on the axis.
    public struct Tick: Sendable, Equatable {
        public var value: Double
        public var label: String
    }

    public enum Kind: Sendable, Equatable {
        case linear, logarithmic, nines
    }

    public let kind: Kind
    public let ticks: [Tick]
    /// Unlabelled positions for faint grid lines (log axes only).
    public let minorTicks: [Double]
    /// The ends of the axis in transformed units (value, log10 value, or nines).
    let lower: Double
    let upper: Double

    /// The position of `value` as a fraction of the axis (0 at `lower`), or nil when the value
    /// has no place on this kind of axis (≤ 0 on a log axis, ≥ 100 on the nines axis).
    public func fraction(_ value: Double) -> Double? {
        guard value.isFinite, let transformed = Self.transform(value, kind) else { return nil }
        return (transformed - lower) / (upper - lower)
    }

    private static func transform(_ value: Double, _ kind: Kind) -> Double? {
        switch kind {
        case .linear: return value
        case .logarithmic: return value > 0 ? log10(value) : nil
        case .nines: return value < 100 ? -log10(1 - value / 100) : nil
        }
    }

    /// A linear axis from `minimum` (default 0) to at least `maximum`, with about
    /// `targetTicks` ticks on a 1-2-5 step and thousands separators in the labels.
    public static func linear(through maximum: Double, from minimum: Double = 0, targetTicks: Int = 5) -> Axis {
        let low = minimum.isFinite ? minimum : 0
        // An empty or flat range still needs an axis: show 0…1 rather than divide by zero.
        let high = maximum.isFinite && maximum > low ? maximum : low + 1
        let step = niceStep((high - low) / Double(max(targetTicks, 1)))
        let first = (low / step).rounded(.down) * step
        let last = (high / step).rounded(.up) * step
        // Values beyond what a double's precision can step through (1e300 and 1e300 + 1) or
        // span (±1e308) get the empty axis: never a loop that does not advance.
        guard first.isFinite, last.isFinite, last > first, (last - first) / step <= 1_000 else {
            return minimum == 0 && maximum == 1 ? Axis(kind: .linear, ticks: [], minorTicks: [], lower: 0, upper: 1) : linear(through: 1, from: 0, targetTicks: targetTicks)
        }
        let digits = max(0, Int(-log10(step).rounded(.down)))
        var ticks: [Tick] = []
        var index = 0.0
        while first + index * step <= last + step / 2 {
            let value = first + index * step
            ticks.append(Tick(value: value, label: formatted(value, fractionDigits: digits)))
            index += 1
        }
        return Axis(kind: .linear, ticks: ticks, minorTicks: [], lower: first, upper: last)
    }

    /// A log10 latency axis in ms covering `minimum…maximum`, from decade to decade.
    /// Spans of two decades or less also label 2× and 5× so the axis is not bare.
    public static func latency(minimum: Double, maximum: Double) -> Axis {
        let low = minimum.isFinite && minimum > 0 ? minimum : 1
        let high = maximum.isFinite && maximum > low ? maximum : low
        let firstDecade = Int(log10(low).rounded(.down))
        var lastDecade = Int(log10(high).rounded(.up))
        if lastDecade <= firstDecade { lastDecade = firstDecade + 1 }
        let labelHalves = lastDecade - firstDecade <= 2
        var ticks: [Tick] = []
        var minor: [Double] = []
        for decade in firstDecade...lastDecade {
            let base = pow(10, Double(decade))
            let digits = max(0, -decade)
            ticks.append(Tick(value: base, label: formatted(base, fractionDigits: digits)))
            guard decade < lastDecade else { break }
            for multiple in 2...9 {
                let value = base * Double(multiple)
                if labelHalves && (multiple == 2 || multiple == 5) {
                    ticks.append(Tick(value: value, label: formatted(value, fractionDigits: digits)))
                } else {
                    minor.append(value)
                }
            }
        }
        return Axis(kind: .logarithmic, ticks: ticks, minorTicks: minor, lower: Double(firstDecade), upper: Double(lastDecade))
    }

    /// The percentiles the nines axis labels.
    public static let ninesTicks: [Double] = [50, 90, 99, 99.9, 99.99]

    /// The percentile axis from p50 to `highest` (p99.99 by default), spaced by
    /// −log10(1 − p/100), so each extra nine gets the same width.
    public static func nines(upTo highest: Double = 99.99) -> Axis {
        let ticks = ninesTicks.filter { $0 <= highest }.map { Tick(value: $0, label: "p\(formatted($0, fractionDigits: $0 == $0.rounded() ? 0 : 2))") }
        let lower = -log10(0.5)
        let upper = -log10(1 - min(highest, 99.9999) / 100)
        return Axis(kind: .nines, ticks: ticks, minorTicks: [], lower: lower, upper: max(upper, lower + 1))
    }

    /// 1, 2 or 5 times a power of ten, the nearest to `raw` (on a log scale, roughly), so
    /// the tick count stays close to the target rather than always falling below it.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, log10(raw).rounded(.down))
        let normalized = raw / magnitude
        let factor: Double = normalized < 1.5 ? 1 : normalized < 3 ? 2 : normalized < 7 ? 5 : 10
        return factor * magnitude
    }

    /// `value` with `fractionDigits` decimals and a thousands separator ("30,702", "0.25"),
    /// trailing zeros of the fraction dropped ("99.9", not "99.90").
    public static func formatted(_ value: Double, fractionDigits: Int = 0) -> String {
        guard value.isFinite else { return "–" }
        let scale = pow(10, Double(fractionDigits))
        let scaled = (abs(value) * scale).rounded()
        let whole = (scaled / scale).rounded(.down)
        var fraction = String(Int(scaled - whole * scale))
        if fractionDigits > 0 {
            fraction = String(repeating: "0", count: max(0, fractionDigits - fraction.count)) + fraction
            while fraction.hasSuffix("0") { fraction.removeLast() }
        }
        var digits = Array(String(format: "%.0f", whole))
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + String(digits.suffix(3)) + grouped
            digits.removeLast(3)
        }
        grouped = String(digits) + grouped
        let sign = value < 0 && scaled > 0 ? "−" : ""
        return sign + grouped + (fractionDigits > 0 && !fraction.isEmpty ? "." + fraction : "")
    }
}
