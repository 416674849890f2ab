/// One planned trial: which variant, which repetition, and where it falls in the run.
public struct PlannedTrial: Sendable, Equatable {
    public var variant: String
    /// 1-based repetition of the variant.
    public var trialIndex: Int
    /// 1-based position in the whole plan.
    public var runOrder: Int
}

/// The order trials run in: rounds (every variant's trial k before any trial k+1), each
/// round shuffled with a recorded seed, so slow drift on a shared machine spreads over all
/// variants instead of landing on whichever ran last.
public struct TrialPlan: Sendable, Equatable {
    public var seed: UInt64
    public var trials: [PlannedTrial]

    public init(variants: [String], trialsPerVariant: Int, seed: UInt64) {
        self.seed = seed
        var generator = SplitMix64(seed: seed)
        var planned: [PlannedTrial] = []
        for round in 1...max(trialsPerVariant, 1) {
            var order = variants
            order.shuffle(with: &generator)
            for name in order {
                planned.append(PlannedTrial(variant: name, trialIndex: round, runOrder: planned.count + 1))
            }
        }
        trials = planned
    }

    /// The trials not yet in `done` (keys: variant name and trial index), in plan order.
    public func remaining(excluding done: Set<String>) -> [PlannedTrial] {
        trials.filter { !done.contains(TrialPlan.key($0.variant, $0.trialIndex)) }
    }

    public static func key(_ variant: String, _ trialIndex: Int) -> String {
        "\(variant)#\(trialIndex)"
    }
}
