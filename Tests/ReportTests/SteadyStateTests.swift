import Foundation
import Testing
@testable import Records

/// The steady-state verdict from a trial's timeline: steady windows pass, a stall, an error
/// burst, a short warm-up and a trend are each found at the right time, and the trend test
/// gives the textbook values.
@Suite("steady state")
struct SteadyStateTests {
    /// A window of 1 s intervals answering `rates[k]` requests in interval k, after a 2 s
    /// warm-up at the first rate; `failures[k]` of them non-2xx.
    static func timeline(_ rates: [Int64], failures: [Int: Int64] = [:]) -> Timeline {
        let warmup = (-2..<0).map { k in
            TrialInterval(startUs: Int64(k) * 1_000_000, lengthUs: 1_000_000, requests: rates[0], errors: ErrorCounts(), p50Us: 1_000, p99Us: 2_000)
        }
        let window = rates.enumerated().map { k, rate in
            TrialInterval(
                startUs: Int64(k) * 1_000_000, lengthUs: 1_000_000, requests: rate,
                errors: ErrorCounts(status: failures[k] ?? 0), p50Us: rate > 0 ? 1_000 : nil, p99Us: rate > 0 ? 2_000 : nil)
        }
        return Timeline(warmupUs: 2_000_000, intervalUs: 1_000_000, inFlightAtStart: nil, inFlightAtEnd: nil, intervals: warmup + window)
    }

    /// 20 intervals around 1000/s, ±3%.
    static let steady: [Int64] = [1000, 1012, 985, 1021, 994, 1003, 978, 1017, 1008, 990, 1025, 997, 1004, 983, 1011, 996, 1019, 988, 1006, 1001]

    @Test("a window that holds steady, and one too short to judge")
    func steady() {
        let verdict = SteadyState.judge(Self.timeline(Self.steady))
        #expect(verdict.isSteady && verdict.judged, "\(verdict.findings)")
        #expect(verdict.summary == nil)
        let short = SteadyState.judge(Self.timeline([1000, 0, 1000]))
        #expect(short.isSteady && !short.judged)
        // Intervals of no length (a file from elsewhere): nothing to judge, and no crash.
        var empty = Self.timeline(Self.steady)
        empty.intervalUs = 0
        empty.intervals = empty.intervals.map { var row = $0; row.lengthUs = 0; return row }
        #expect(!SteadyState.judge(empty).judged)
    }

    @Test("a stall: two intervals without an answer, found at 8 s, 2 s long")
    func stall() {
        var rates = Self.steady
        rates[8] = 0
        rates[9] = 0
        let verdict = SteadyState.judge(Self.timeline(rates))
        #expect(verdict.findings.map(\.reason) == [.stall])
        #expect(verdict.findings.first?.atSeconds == 8)
        #expect(verdict.summary == "stall at 8 s: no answer for 2 s")
    }

    @Test("an error burst at 12 s in an otherwise clean window")
    func errorBurst() {
        let verdict = SteadyState.judge(Self.timeline(Self.steady, failures: [12: 300]))
        #expect(verdict.findings.map(\.reason) == [.errorBurst])
        #expect(verdict.findings.first?.atSeconds == 12)
        // A window failing evenly has no burst: that is the error rate's business.
        let even = SteadyState.judge(Self.timeline(Self.steady, failures: Dictionary(uniqueKeysWithValues: (0..<20).map { ($0, Int64(100)) })))
        #expect(!even.findings.contains { $0.reason == .errorBurst })
    }

    @Test("a warm-up too short: the window's first 2 s at half the rate")
    func shortWarmup() {
        var rates = Self.steady
        rates[0] = 500
        rates[1] = 600
        let verdict = SteadyState.judge(Self.timeline(rates))
        #expect(verdict.findings.map(\.reason) == [.shortWarmup])
        #expect(verdict.findings.first?.detail.contains("55%") == true, "\(verdict.findings)")
    }

    @Test("a trend: answers falling 30% across the window; a significant but small drift is not one")
    func trend() {
        let wobble: [Int] = [0, 8, -6, 4]
        let falling = (0..<20).map { (k: Int) -> Int64 in Int64(1000 - 15 * k + wobble[k % 4]) }
        let verdict = SteadyState.judge(Self.timeline(falling))
        #expect(verdict.findings.map(\.reason) == [.trend], "\(verdict.findings)")
        #expect(verdict.findings.first?.detail.contains("fall") == true)
        let drift = (0..<20).map { (k: Int) -> Int64 in Int64(1000 - 2 * k) }
        #expect(SteadyState.judge(Self.timeline(drift)).isSteady)
    }

    @Test("Mann–Kendall on textbook series: a rising 1…10, ties, and no trend")
    func mannKendall() throws {
        let rising = try #require(MannKendall((1...10).map(Double.init)))
        #expect(rising.s == 45)
        #expect(rising.variance == 125)
        #expect(abs(rising.z - 44 / 125.0.squareRoot()) < 1e-12)
        #expect(abs(rising.p - 8.32e-5) < 0.02e-5)
        #expect(rising.senSlope == 1)
        // Ties: 1 1 2 2 3: S = 8, Var = (5·4·15 − 2·(2·1·9)) / 18 = 264/18.
        let tied = try #require(MannKendall([1, 1, 2, 2, 3]))
        #expect(tied.s == 8)
        #expect(abs(tied.variance - 264.0 / 18) < 1e-12)
        let flat = try #require(MannKendall([3, 1, 4, 1, 5, 9, 2, 6]))
        #expect(flat.p > 0.05)
    }
}
