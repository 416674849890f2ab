import Foundation

/// Whether a trial's window held steady enough to be summed into one number, judged from
/// its timeline (the window's intervals): what a reader of an over-time chart looks for,
/// made a rule.
///
/// - **stall**: an interval in which nothing was answered while the rest of the window was;
/// - **error burst**: an interval in which more than 5% of requests failed, and more than 5
///   times the window's own share;
/// - **warm-up too short**: the window's first intervals (its first 2 s, at least one) ran
///   more than 20% off the rest's median rate, farther than 3 times the rest's own spread;
/// - **trend**: the answers per interval rise or fall over the window: a Mann–Kendall test
///   (two-sided, p < 0.01, ties corrected) on the rest after the first intervals, and a
///   Theil–Sen slope that moves the rate by more than 10% of its median across the window.
///   A significant slope smaller than that is noise a mean can carry.
///
/// Needs 4 whole intervals or more; a window with fewer is steady by default (nothing to
/// judge), and says so.
public struct SteadyState: Sendable, Equatable {
    public enum Reason: String, Sendable, Equatable, CaseIterable {
        case stall
        case errorBurst = "error burst"
        case shortWarmup = "warm-up too short"
        case trend
    }

    public struct Finding: Sendable, Equatable {
        public var reason: Reason
        /// When it starts, s from the window's start.
        public var atSeconds: Double
        /// What was seen, in words.
        public var detail: String
    }

    /// Empty when the window held steady.
    public var findings: [Finding]
    /// Whether there were enough intervals to judge.
    public var judged: Bool

    public var isSteady: Bool { findings.isEmpty }

    /// Every finding, the first with what was seen: "stall at 8 s: no answer for 2 s; trend
    /// at 2 s"; nil when steady.
    public var summary: String? {
        guard let first = findings.first else { return nil }
        var text = "\(first.reason.rawValue) at \(Self.seconds(first.atSeconds)): \(first.detail)"
        for other in findings.dropFirst() { text += "; \(other.reason.rawValue) at \(Self.seconds(other.atSeconds))" }
        return text
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : String(format: "%.2f s", value)
    }

    /// The verdict on `timeline`'s window.
    public static func judge(_ timeline: Timeline) -> SteadyState {
        // Whole intervals of the window only: a short last one would read as a dip.
        let window = timeline.window.filter { $0.lengthUs == timeline.intervalUs }
        guard timeline.intervalUs > 0, window.count >= 4 else { return SteadyState(findings: [], judged: false) }
        let seconds = Double(timeline.intervalUs) / 1e6
        let start = { (interval: TrialInterval) in Double(interval.startUs) / 1e6 }
        let answered = window.map { Double(max(0, $0.requests - $0.errors.read - $0.errors.write - $0.errors.timeout)) / seconds }
        var findings: [Finding] = []

        // Stalls: runs of intervals without an answer, in a window that answered elsewhere.
        if answered.contains(where: { $0 > 0 }) {
            var index = 0
            while index < window.count {
                guard answered[index] == 0 else {
                    index += 1
                    continue
                }
                var end = index
                while end + 1 < window.count && answered[end + 1] == 0 { end += 1 }
                findings.append(Finding(
                    reason: .stall, atSeconds: start(window[index]),
                    detail: "no answer for \(Self.seconds(Double(end - index + 1) * seconds))"))
                index = end + 1
            }
        }

        // Error bursts: an interval failing far more than the rest of the window.
        let failed = window.map { Double($0.errors.status + $0.errors.connect + $0.errors.read + $0.errors.write) }
        let attempts = window.map { Double($0.requests + $0.errors.connect) }
        let (allFailed, allAttempts) = (failed.reduce(0, +), attempts.reduce(0, +))
        for (index, interval) in window.enumerated() where attempts[index] > 0 {
            let share = failed[index] / attempts[index]
            let others = (allFailed - failed[index]) / max(allAttempts - attempts[index], 1)
            if share > 0.05 && share > 5 * others {
                findings.append(Finding(
                    reason: .errorBurst, atSeconds: start(interval),
                    detail: String(format: "%.0f%% of its requests failed, against %.1f%% in the rest of the window", share * 100, others * 100)))
            }
        }

        // The first intervals against the rest.
        let head = max(1, Int((2 / seconds).rounded(.down)))
        if window.count >= head + 3 {
            let rest = Array(answered[head...])
            let restMedian = median(rest)
            if restMedian > 0 {
                let spread = median(rest.map { abs($0 - restMedian) })
                let first = answered[..<head].reduce(0, +) / Double(head)
                let off = abs(first - restMedian)
                if off > 0.2 * restMedian && off > 3 * spread {
                    findings.append(Finding(
                        reason: .shortWarmup, atSeconds: 0,
                        detail: String(format: "the first %@ ran at %.0f%% of the rest's median rate", Self.seconds(Double(head) * seconds), first / restMedian * 100)))
                }
            }
        }

        // A trend over the rest of the window.
        let tail = Array(answered.dropFirst(window.count >= head + 4 ? head : 0))
        if tail.count >= 4, let test = MannKendall(tail), test.p < 0.01 {
            let level = median(tail)
            let change = test.senSlope * Double(tail.count - 1)
            if level > 0 && abs(change) > 0.1 * level {
                findings.append(Finding(
                    reason: .trend, atSeconds: start(window[window.count - tail.count]),
                    detail: String(
                        format: "answers per second %@ %.0f%% across the window (Mann–Kendall p = %.3g, Theil–Sen slope %+.1f/s per s)",
                        change < 0 ? "fall" : "rise", abs(change) / level * 100, test.p, test.senSlope / seconds)))
            }
        }
        findings.sort { ($0.atSeconds, Reason.allCases.firstIndex(of: $0.reason) ?? 0) < ($1.atSeconds, Reason.allCases.firstIndex(of: $1.reason) ?? 0) }
        return SteadyState(findings: findings, judged: true)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

/// The Mann–Kendall trend test on a series in time order: S counts the pairs that rise
/// minus those that fall; its variance is corrected for ties; the two-sided p-value comes
/// from the continuity-corrected normal approximation. The Theil–Sen slope (the median of
/// every pair's slope, per step) says how steep.
public struct MannKendall: Sendable, Equatable {
    public var s: Int
    public var variance: Double
    public var z: Double
    public var p: Double
    public var senSlope: Double

    public init?(_ series: [Double]) {
        let n = series.count
        guard n >= 3 else { return nil }
        var s = 0
        var slopes: [Double] = []
        slopes.reserveCapacity(n * (n - 1) / 2)
        for i in 0..<(n - 1) {
            for j in (i + 1)..<n {
                let difference = series[j] - series[i]
                s += difference > 0 ? 1 : difference < 0 ? -1 : 0
                slopes.append(difference / Double(j - i))
            }
        }
        var ties: [Double: Int] = [:]
        for value in series { ties[value, default: 0] += 1 }
        let tieTerm = ties.values.filter { $0 > 1 }.reduce(0.0) { total, t in total + Double(t * (t - 1) * (2 * t + 5)) }
        let variance = (Double(n * (n - 1) * (2 * n + 5)) - tieTerm) / 18
        let z = variance > 0 ? (s > 0 ? Double(s - 1) : s < 0 ? Double(s + 1) : 0) / variance.squareRoot() : 0
        self.s = s
        self.variance = variance
        self.z = z
        self.p = erfc(abs(z) / 2.0.squareRoot())
        self.senSlope = SteadyState.median(slopes)
    }
}
