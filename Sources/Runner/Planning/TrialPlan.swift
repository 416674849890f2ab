import Core
import Definition

/// Which trial of which cell: what a plan is keyed by and what a stored trial answers to.
public struct PlannedTrialKey: Sendable, Hashable {
    public var cell: CellID
    /// 1-based repetition of the cell.
    public var trial: Int
}

/// One planned trial: which cell, which repetition, and where it falls in the run.
public struct PlannedTrial: Sendable, Equatable {
    public var cell: CellID
    /// 1-based repetition of the cell.
    public var trialIndex: Int
    /// 1-based position in the whole plan.
    public var runOrder: Int

    public var key: PlannedTrialKey { PlannedTrialKey(cell: cell, trial: trialIndex) }
}

/// The order trials run in: rounds (every cell's trial k before any trial k+1), each round
/// shuffled with a recorded seed, so slow drift on a shared machine spreads over all cells
/// instead of landing on whichever ran last.
public struct TrialPlan: Sendable, Equatable {
    public var seed: UInt64
    public var trials: [PlannedTrial]

    public init(cells: [CellID], trialsPerCell: Int, seed: UInt64) {
        self.seed = seed
        var generator = SplitMix64(seed: seed)
        var planned: [PlannedTrial] = []
        for round in 1...max(trialsPerCell, 1) {
            var order = cells
            order.shuffle(with: &generator)
            for cell in order {
                planned.append(PlannedTrial(cell: cell, trialIndex: round, runOrder: planned.count + 1))
            }
        }
        trials = planned
    }

    /// The trials not yet in `done`, in plan order.
    public func remaining(excluding done: Set<PlannedTrialKey>) -> [PlannedTrial] {
        trials.filter { !done.contains($0.key) }
    }
}
