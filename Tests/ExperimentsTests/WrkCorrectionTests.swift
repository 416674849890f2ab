import Foundation
import Testing
@testable import Core
@testable import Definition
@testable import Hosts
@testable import Records
@testable import Runner


@Suite("wrk's coordinated-omission correction")
struct WrkCorrectionTests {
    @Test("undoing the correction recovers random histograms exactly")
    func roundTrip() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<50 {
            let interval = Int64(generator.next() % 500) + 1
            var raw: [Int64: Int64] = [:]
            for _ in 0..<Int(generator.next() % 300) + 1 {
                let latency = Int64(generator.next() % 5000)
                raw[latency, default: 0] += Int64(generator.next() % 20) + 1
            }
            let buckets = raw.sorted { $0.key < $1.key }.map { LatencyBucket(latencyUs: $0.key, count: $0.value) }
            let corrected = WrkCorrection.apply(to: buckets, interval: interval)
            #expect(WrkCorrection.remove(from: corrected, interval: interval) == buckets)
        }
    }

    @Test("a hand-worked example: one slow request adds synthetic samples below it")
    func handWorked() {
        // E = 100: a 450 µs sample adds one sample each at 350, 250 and 150 (stops at > 100).
        let raw = [LatencyBucket(latencyUs: 50, count: 3), LatencyBucket(latencyUs: 450, count: 1)]
        let corrected = WrkCorrection.apply(to: raw, interval: 100)
        #expect(corrected.map(\.latencyUs) == [50, 150, 250, 350, 450])
        #expect(corrected.reduce(0) { $0 + $1.count } == 7)
        #expect(WrkCorrection.remove(from: corrected, interval: 100) == raw)
    }

    @Test("the interval is wrk's integer arithmetic, and zero when too few requests")
    func interval() {
        #expect(WrkCorrection.interval(durationUs: 20_000_000, requests: 30_702, connections: 400) == 263_157)
        #expect(WrkCorrection.interval(durationUs: 20_000_000, requests: 399, connections: 400) == 0)
    }

    @Test("a report decodes and its raw histogram sums to the measured requests")
    func decodesReport() throws {
        // 4 connections, 2 s: 8 requests → E = 2_000_000 / 2 = 1_000_000 µs; the 2.5 s
        // response adds a synthetic sample at 1.5 s.
        let json = """
            {"duration_us":2000000,"requests":8,"bytes":800,"errors":{"connect":0,"read":0,"write":0,"status":1,"timeout":0},
             "min_us":100,"max_us":2500000,"mean_us":1.0,"stdev_us":1.0,"percentiles":{"50":120,"99.9":2500000},
             "buckets":[100,5,120,2,1500000,1,2500000,1]}
            """
        let report = try WrkReport(json: Data(json.utf8), connections: 4)
        #expect(report.rawCount == 8)
        #expect(report.rawBuckets.map(\.latencyUs) == [100, 120, 2_500_000])
        #expect(report.correctedPercentiles[99.9] == 2_500_000)
        #expect(report.errors.status == 1)
    }

    @Test("garbage from wrk is a clear error, not a crash")
    func badReport() {
        #expect(throws: ReportgenError.self) { try WrkReport(json: Data("{".utf8), connections: 1) }
        let odd = #"{"duration_us":1,"requests":1,"bytes":1,"errors":{"connect":0,"read":0,"write":0,"status":0,"timeout":0},"buckets":[1]}"#
        #expect(throws: ReportgenError.self) { try WrkReport(json: Data(odd.utf8), connections: 1) }
    }
}

@Suite("trial plan")
struct TrialPlanTests {
    let names = (1...11).map { "v\($0)" }
    var cells: [CellID] { names.map { CellID(variant: $0) } }

    @Test("every variant's trial k runs before any trial k+1")
    func interleaved() {
        let plan = TrialPlan(cells: cells, trialsPerCell: 3, seed: 7)
        #expect(plan.trials.count == 33)
        for round in 1...3 {
            let slice = plan.trials[(round - 1) * 11..<round * 11]
            #expect(slice.allSatisfy { $0.trialIndex == round })
            #expect(Set(slice.map(\.cell)) == Set(cells))
        }
        #expect(plan.trials.map(\.runOrder) == Array(1...33))
    }

    @Test("the same seed gives the same order; rounds are shuffled differently")
    func reproducible() {
        let a = TrialPlan(cells: cells, trialsPerCell: 3, seed: 99)
        let b = TrialPlan(cells: cells, trialsPerCell: 3, seed: 99)
        let c = TrialPlan(cells: cells, trialsPerCell: 3, seed: 100)
        #expect(a == b)
        #expect(a.trials.map(\.cell) != c.trials.map(\.cell))
        #expect(Array(a.trials[0..<11].map(\.cell)) != Array(a.trials[11..<22].map(\.cell)))
    }

    @Test("remaining skips stored trials and keeps plan order")
    func remaining() {
        let a = CellID(variant: "a")
        let b = CellID(variant: "b")
        let plan = TrialPlan(cells: [a, b], trialsPerCell: 2, seed: 1)
        let done: Set = [PlannedTrialKey(cell: a, trial: 1), PlannedTrialKey(cell: b, trial: 2)]
        let left = plan.remaining(excluding: done)
        #expect(left.count == 2)
        #expect(Set(left.map(\.key)) == [PlannedTrialKey(cell: b, trial: 1), PlannedTrialKey(cell: a, trial: 2)])
        #expect(left.map(\.runOrder) == left.map(\.runOrder).sorted())
    }

    @Test("a trial is keyed by its cell's variant and levels, whatever the names hold and in whatever order the levels come")
    func keyedByValue() {
        let fast = SweepLevel.delay(.zero)
        let slow = SweepLevel.delay(.milliseconds(50))
        let hundred = SweepLevel(setting: .connections, value: 100)
        // Names that a text key ("variant#index", "variant @ level") could confuse.
        let cells = [
            CellID(variant: "a#1", levels: [fast, hundred]), CellID(variant: "a", levels: [fast, hundred]),
            CellID(variant: "a#1", levels: [slow, hundred]), CellID(variant: "a@b", levels: [fast, hundred]),
        ]
        let plan = TrialPlan(cells: cells, trialsPerCell: 2, seed: 3)
        #expect(Set(plan.trials.map(\.key)).count == 8)
        // A store gives a cell's levels without their order: the same trial still counts as done.
        let stored = PlannedTrialKey(cell: CellID(variant: "a#1", levels: [hundred, fast]), trial: 2)
        let left = plan.remaining(excluding: [stored])
        #expect(left.count == 7)
        #expect(!left.contains { $0.cell == cells[0] && $0.trialIndex == 2 })
        #expect(left.contains { $0.cell == cells[2] && $0.trialIndex == 2 })
    }
}
