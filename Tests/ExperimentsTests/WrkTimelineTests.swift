import Foundation
import Testing
@testable import Core
@testable import Hosts
@testable import Records

/// wrk's timeline as its threads' timers write it (see `WrkScript`), decoded: the edges laid
/// from the window's start, intervals from what the counters and the histogram gained, the
/// window the sum of its intervals, and a report without a usable timeline refused.
@Suite("wrk's timeline")
struct WrkTimelineTests {
    @Test("edges: the warm-up laid back from the window's start in intervals, its first what is left; then the window to its end")
    func edges() {
        #expect(WrkTimelinePlan(warmupUs: 2_000_000, durationUs: 3_000_000, intervalUs: 1_000_000).edgesUs
            == [1_000_000, 2_000_000, 3_000_000, 4_000_000, 5_000_000])
        #expect(WrkTimelinePlan(warmupUs: 1_500_000, durationUs: 2_000_000, intervalUs: 1_000_000).edgesUs
            == [500_000, 1_500_000, 2_500_000, 3_500_000])
        #expect(WrkTimelinePlan(warmupUs: 0, durationUs: 2_500_000, intervalUs: 1_000_000).edgesUs
            == [1_000_000, 2_000_000, 2_500_000])
    }

    /// A run of 1 s warm-up and 2 s window, two threads, edges at 1, 2 and 3 s.
    static let json = """
        {"duration_us":4000000,"requests":999,"bytes":99999,
         "errors":{"connect":0,"read":0,"write":0,"status":0,"timeout":0},
         "timeline":{
           "threads":[
             [[10,3,300,0,0,0,0,0],[20,6,600,0,1,0,1,0],[5,9,900,1,1,0,1,1]],
             [[11,2,200,0,0,0,0,0],[25,5,500,0,0,0,0,0],[7,7,700,0,0,0,0,0]]],
           "histograms":[[100,3,200,2],[150,4,300,2],[100,1,150,2,900,1,5000,1]]},
         "buckets":[100,1]}
        """

    @Test("the window is the intervals after the warm-up: counts, bytes, errors by kind, the raw histogram; exact p50 and p99 per interval")
    func window() throws {
        let plan = WrkTimelinePlan(warmupUs: 1_000_000, durationUs: 2_000_000, intervalUs: 1_000_000)
        let report = try WrkReport(json: Data(Self.json.utf8), connections: 4, timeline: plan)
        let timeline = try #require(report.timeline)
        #expect(timeline.intervals.map(\.startUs) == [-1_000_000, 0, 1_000_000])
        #expect(timeline.intervals.map(\.lengthUs) == [1_000_000, 1_000_000, 1_000_000])
        // Requests: what the histogram gained, plus the timeouts wrk keeps out of it.
        #expect(timeline.intervals.map(\.requests) == [5, 6, 6])
        #expect(timeline.intervals.map(\.errors.read) == [0, 1, 0])
        #expect(timeline.intervals.map(\.errors.connect) == [0, 0, 1])
        #expect(timeline.intervals.map(\.errors.timeout) == [0, 0, 1])
        #expect(timeline.intervals[0].p50Us == 100 && timeline.intervals[0].p99Us == 200)
        #expect(timeline.intervals[2].p50Us == 150 && timeline.intervals[2].p99Us == 5000)

        #expect(report.durationUs == 2_000_000)
        #expect(report.requests == 12)
        #expect(report.bytes == (900 - 300) + (700 - 200))
        #expect(report.errors == ErrorCounts(connect: 1, read: 1, write: 0, status: 1, timeout: 1))
        #expect(report.latency == [
            LatencyBucket(latencyUs: 100, count: 1), LatencyBucket(latencyUs: 150, count: 6),
            LatencyBucket(latencyUs: 300, count: 2), LatencyBucket(latencyUs: 900, count: 1),
            LatencyBucket(latencyUs: 5000, count: 1),
        ])
        #expect(report.latency.reduce(0) { $0 + $1.count } == report.requests - report.errors.timeout)
        #expect(report.generatorPercentiles[50] != nil)
    }

    @Test("a report whose timeline failed, is missing, or does not match its edges is a failed trial that says why")
    func refused() throws {
        let plan = WrkTimelinePlan(warmupUs: 1_000_000, durationUs: 2_000_000, intervalUs: 1_000_000)
        let failed = Self.json.replacing(
            #/"timeline":\{.*\]\]\},/#.dotMatchesNewlines(), with: #""timeline":{"failure":"wrk's latency histogram was found 0 times in its memory"},"#)
        let error = try #require(throws: ReportgenError.self) { try WrkReport(json: Data(failed.utf8), connections: 4, timeline: plan) }
        #expect(error.message.contains("wrk's timeline could not be read: wrk's latency histogram was found 0 times"))
        #expect(error.hint?.contains("builtin") == true)

        let shorter = WrkTimelinePlan(warmupUs: 1_000_000, durationUs: 3_000_000, intervalUs: 1_000_000)
        let mismatch = try #require(throws: ReportgenError.self) { try WrkReport(json: Data(Self.json.utf8), connections: 4, timeline: shorter) }
        #expect(mismatch.message.contains("do not match the edges"))

        let none = #"{"duration_us":1,"requests":1,"bytes":1,"errors":{"connect":0,"read":0,"write":0,"status":0,"timeout":0},"buckets":[1,1]}"#
        #expect(throws: ReportgenError.self) { try WrkReport(json: Data(none.utf8), connections: 4, timeline: plan) }
    }
}
