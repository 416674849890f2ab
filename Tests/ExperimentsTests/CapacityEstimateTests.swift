import Foundation
import Testing
@testable import Definition
@testable import Report

/// The capacity stated from a cell's probes, and the plan that decides them.
@Suite("capacity: the estimate and the plan")
struct CapacityEstimateTests {
    @Test("separated probes: the capacity is the highest rate that held, the interval the bracket")
    func separated() {
        let probes = [(97.0, true), (194, true), (388, false), (274, false), (231, false), (212, false), (203, false),
                      (180, true), (189, true), (198, true), (208, false), (219, false)]
        let estimate = CapacityEstimate.estimate(probes.map { ($0.0, $0.1) }, ceiling: 26_000, floor: 50)
        #expect(estimate.kind == .found && estimate.method == .bracket)
        #expect(estimate.rps == 198 && estimate.low == 198 && estimate.high == 203)
        #expect(estimate.probes == 12 && estimate.held == 5)
    }

    @Test("overlapping probes: the logistic fit's 90% point, inside its interval and the probed rates")
    func overlapping() {
        // At each rate, 10 probes keep the target with a falling share: 1.0 at 900 … 0.0 at 1,100.
        var probes: [(offered: Double, held: Bool)] = []
        for (rate, kept) in [(900.0, 10), (950, 9), (1_000, 5), (1_050, 1), (1_100, 0)] {
            probes += (0..<10).map { (rate, $0 < kept) }
        }
        let estimate = CapacityEstimate.estimate(probes, ceiling: nil, floor: 10)
        #expect(estimate.kind == .found && estimate.method == .logistic)
        let (rps, low, high) = (estimate.rps ?? 0, estimate.low ?? 0, estimate.high ?? 0)
        // Half hold at 1,000; nine in ten a little under 950.
        #expect(rps > 920 && rps < 980, "\(rps)")
        #expect(low < rps && rps < high && low >= 900 && high <= 1_100, "\(low)…\(high)")
    }

    @Test("none below the floor, the generator's limit, and an unfinished search are said as such")
    func outcomes() {
        let none = CapacityEstimate.estimate([(160, false), (80, false)], ceiling: nil, floor: 100)
        #expect(none.kind == .none && none.rps == nil)
        let limited = CapacityEstimate.estimate([(1_000, true), (2_000, true)], ceiling: 2_000, floor: 10)
        #expect(limited.kind == .generatorLimited && limited.rps == 2_000)
        let unfinished = CapacityEstimate.estimate([(1_000, true)], ceiling: 8_000, floor: 10)
        #expect(unfinished.kind == .unfinished && unfinished.rps == 1_000)
    }

    @Test("the plan: the closed-loop start, the search from half its throughput, then five rates confirmed in a seeded order, and done")
    func plan() throws {
        let target = try CapacityTarget.parse("p99 <= 60ms").get()
        let plan = CapacityPlan(target: target, probe: .seconds(2), resolution: 0.05, repetitions: 2, ceiling: nil, seed: 7)
        #expect(plan.floor == 50, "100 requests for a p99 in a 2 s window")
        var probes: [CapacityPlan.Probe] = []
        #expect(plan.next(after: probes) == .start)
        probes.append(CapacityPlan.Probe(stage: .start, offered: nil, held: false, served: 400))
        var confirmations: [Double] = []
        for _ in 0..<40 {
            switch plan.next(after: probes) {
            case .start: Issue.record("a second start")
            case .search(let rate):
                probes.append(CapacityPlan.Probe(stage: .search, offered: rate, held: rate <= 300, served: min(rate, 300)))
            case .confirm(let rate):
                confirmations.append(rate)
                probes.append(CapacityPlan.Probe(stage: .confirm, offered: rate, held: rate <= 300, served: min(rate, 300)))
            case .done(let outcome):
                guard case .bracketed(let held, let failed) = outcome else {
                    Issue.record("\(outcome)")
                    return
                }
                #expect(held <= 300 && 300 < failed)
                #expect(probes.first { $0.stage == .search }?.offered == 200, "half the closed loop's 400")
                #expect(confirmations.count == 10 && Set(confirmations).count == 5, "\(confirmations)")
                #expect(confirmations == plan.confirmations(held: held, failed: failed))
                #expect(Array(confirmations.prefix(5)) != Array(confirmations.suffix(5)), "each round shuffled on its own")
                return
            }
        }
        Issue.record("the plan did not end")
    }
}
