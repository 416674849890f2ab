import Foundation
import Testing

import Definition

/// The bracketing half of a capacity search, against servers whose capacity is known: a
/// probe holds exactly when its rate is at or below it.
@Suite("capacity search: bracketing")
struct CapacitySearchTests {
    /// Runs the search to its end against `holds`; returns the probes and the outcome.
    private func search(
        _ plan: CapacitySearch, holds: (Double) -> Bool
    ) throws -> (probes: [CapacitySearch.Probe], outcome: CapacitySearch.Outcome) {
        var probes: [CapacitySearch.Probe] = []
        for _ in 0..<64 {
            switch plan.next(after: probes) {
            case .probe(let rate):
                #expect(!probes.contains { $0.offered == rate }, "no rate is probed twice: \(rate) in \(probes)")
                                #expect(rate <= plan.ceiling, "no rate above the generator's limit is probed")
                probes.append(CapacitySearch.Probe(offered: rate, held: holds(rate)))
            case .done(let outcome):
                return (probes, outcome)
            }
        }
        Issue.record("the search did not end: \(probes)")
        throw CancellationError()
    }

    @Test("the bracket holds the known capacity within the resolution, from a start far below or far above it, down to just above the floor", arguments: [15.0, 40, 950, 1_000, 5_000, 80_000])
    func bracketsTheCapacity(capacity: Double) throws {
        let plan = CapacitySearch(start: 1_000, resolution: 0.05, floor: 10)
        let (probes, outcome) = try search(plan) { $0 <= capacity }
        guard case .bracketed(let held, let failed) = outcome else {
            Issue.record("\(capacity): \(outcome)")
            return
        }
        #expect(held <= capacity && capacity < failed, "\(held)…\(failed) around \(capacity)")
        #expect(failed / held - 1 <= 0.05)
        // Geometric steps to the bracket (at most 7 doublings or halvings here), then halving
        // its width on the log scale down to 5%: log2(ln 2 / ln 1.05) ≈ 3.8 bisections.
        #expect(probes.count <= 13, "\(probes.count) probes: \(probes.map(\.offered))")
    }

    @Test("each step depends only on the stored probes: resuming from any prefix takes the same next step")
    func resumes() throws {
        let plan = CapacitySearch(start: 1_000, resolution: 0.05, floor: 10)
        let (probes, _) = try search(plan) { $0 <= 3_300 }
        for cut in 0..<probes.count {
            #expect(plan.next(after: Array(probes.prefix(cut))) == .probe(rate: probes[cut].offered))
        }
    }

    @Test("a server that fails even at the floor has no capacity; one that holds at the generator's limit is reported at that limit")
    func noneAndGeneratorLimit() throws {
        let plan = CapacitySearch(start: 1_000, resolution: 0.05, floor: 10)
        let (_, none) = try search(plan) { _ in false }
        guard case .none(let lowest) = none else {
            Issue.record("\(none)")
            return
        }
        #expect(lowest >= 10 && lowest < 20, "\(lowest)")
        let limited = CapacitySearch(start: 1_000, resolution: 0.05, floor: 10, ceiling: 6_000)
        let (probes, outcome) = try search(limited) { _ in true }
        #expect(outcome == .generatorLimited(offered: 6_000), "it held at the most the generator offers")
        #expect(probes.map(\.offered) == [1_000, 2_000, 4_000, 6_000])
    }

    @Test("a failure below a rate that held is noise for the confirmation trials, not a bound")
    func noiseBelow() {
        let plan = CapacitySearch(start: 1_000, resolution: 0.05, floor: 10)
        let probes = [
            CapacitySearch.Probe(offered: 1_000, held: true), CapacitySearch.Probe(offered: 2_000, held: false),
            CapacitySearch.Probe(offered: 1_414, held: true), CapacitySearch.Probe(offered: 1_189, held: false),
        ]
        #expect(plan.next(after: probes) == .probe(rate: (1_414.0 * 2_000).squareRoot()))
    }
}
