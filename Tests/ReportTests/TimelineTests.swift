import Testing
@testable import LoadGen
@testable import Records

/// A built-in run's timeline from hand-made requests: each falls in the interval in which it
/// completed (a warm-up request completing in the window counts there), failed connects in
/// the one in which they failed, and each interval's percentiles are exact nearest ranks.
@Suite("timeline of a built-in run")
struct TimelineTests {
    static func sample(start: UInt32, latency: UInt32, status: UInt16 = 200) -> RequestSample {
        RequestSample(startUs: start, latencyUs: latency, bytes: 10, status: status, connection: 0)
    }

    @Test("intervals laid both ways from the window's start: a short first warm-up interval, requests by completion, errors by kind")
    func split() {
        // Warm-up 1.5 s, window 3 s, intervals of 1 s: [-1.5,-1) [-1,0) [0,1) [1,2) [2,3).
        let samples: ContiguousArray<RequestSample> = [
            Self.sample(start: 0, latency: 100_000),  // ends 0.1: warm-up, first interval
            Self.sample(start: 1_000_000, latency: 400_000, status: RequestSample.timedOut),  // ends 1.4: warm-up, second
            Self.sample(start: 1_400_000, latency: 200_000),  // sent in the warm-up, ends 1.6: window, first
            Self.sample(start: 1_500_000, latency: 10),  // ends 1.50001: window, first
            Self.sample(start: 2_000_000, latency: 499_999, status: 503),  // ends 2.499999: window, first
            Self.sample(start: 2_600_000, latency: 1, status: RequestSample.readFailed),  // ends 2.600001: window, second
            Self.sample(start: 4_000_000, latency: 499_999),  // ends 4.499999: window, last
        ]
        let result = LoadResult(
            durationUs: 3_000_000, warmupUs: 1_500_000, connectFailuresUs: [10, 1_500_000, 4_499_999],
            inFlightAtWindowStart: 2, inFlightAtEnd: 3, reconnects: 0, samples: samples)
        #expect(result.requests == 5)
        #expect(result.errors.connect == 2)

        let timeline = Timeline.of(result, intervalUs: 1_000_000)
        #expect(timeline.warmupUs == 1_500_000)
        #expect(timeline.inFlightAtStart == 2 && timeline.inFlightAtEnd == 3)
        #expect(timeline.intervals.map(\.startUs) == [-1_500_000, -1_000_000, 0, 1_000_000, 2_000_000])
        #expect(timeline.intervals.map(\.lengthUs) == [500_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000])
        #expect(timeline.intervals.map(\.requests) == [1, 1, 3, 1, 1])
        #expect(timeline.window.map(\.requests).reduce(0, +) == result.requests)
        #expect(timeline.intervals.map(\.errors.connect) == [1, 0, 1, 0, 1])
        #expect(timeline.intervals.map(\.errors.timeout) == [0, 1, 0, 0, 0])
        #expect(timeline.intervals.map(\.errors.status) == [0, 0, 1, 0, 0])
        #expect(timeline.intervals.map(\.errors.read) == [0, 0, 0, 1, 0])
        // The window's first interval holds latencies 10, 200000, 499999.
        #expect(timeline.intervals[2].p50Us == 200_000)
        #expect(timeline.intervals[2].p99Us == 499_999)
        #expect(timeline.intervals[3].p50Us == 1)
    }

    @Test("exact nearest-rank percentiles per interval, from many requests; an interval without requests has none")
    func percentiles() {
        // Window 2 s, no warm-up: 1,000 requests end in the first second with latencies
        // 1…1000 µs, none in the second.
        let samples = ContiguousArray((1...1000).map { Self.sample(start: UInt32(500_000 - $0), latency: UInt32($0)) })
        let result = LoadResult(durationUs: 2_000_000, connectFailuresUs: [], inFlightAtEnd: 0, reconnects: 0, samples: samples)
        let timeline = Timeline.of(result, intervalUs: 1_000_000)
        #expect(timeline.inFlightAtStart == nil)
        #expect(timeline.intervals.map(\.requests) == [1000, 0])
        #expect(timeline.intervals[0].p50Us == 500)
        #expect(timeline.intervals[0].p99Us == 990)
        #expect(timeline.intervals[1].p50Us == nil && timeline.intervals[1].p99Us == nil)
    }
}
