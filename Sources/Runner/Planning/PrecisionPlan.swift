import Core
import Definition
import Foundation
import Store

/// Where one cell stands against a run's precision target.
public struct VariantPrecision: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Its 95% interval of requests/s is within the target.
        case met
        /// Wider than the target, or too few ok trials to tell: it gets another trial.
        case open
        /// Wider than the target, but it has had the most trials a cell gets.
        case capped
        /// As many of its trials failed as succeeded: more trials measure a fault, not noise.
        case failing
        /// At least three of its windows did not hold steady, more than held: more trials
        /// would measure its drift, not noise.
        case unsteady
    }

    public var cell: CellID
    public var trials: Int
    /// Ok trials that count toward the target: with a steady window (or any, when unsteady
    /// trials enter the statistics).
    public var okTrials: Int
    /// Ok trials whose window did not hold steady, left out of `okTrials`; a replacement is
    /// measured for each.
    public var unsteadyTrials: Int = 0
    /// Half the 95% interval's width over the mean; nil with fewer than two ok trials.
    public var precision: Double?
    public var state: State
}

/// Decides, from what a run has stored, which cells get another trial when trials are
/// added until the answer is clear, and in what order. It is a function of the stored trials
/// and the run's seed, so a resumed run makes the same decisions.
public struct PrecisionPlan: Sendable {
    public var target: PrecisionTarget
    /// The cells in definition order.
    public var cells: [CellID]
    public var seed: UInt64
    /// Whether trials whose window did not hold steady count toward the target, as they
    /// enter the statistics (`include_unsteady`); by default they do not, and each gets a
    /// replacement.
    public var countsUnsteady: Bool

    public init(target: PrecisionTarget, cells: [CellID], seed: UInt64, countsUnsteady: Bool = false) {
        self.target = target
        self.cells = cells
        self.seed = seed
        self.countsUnsteady = countsUnsteady
    }

    /// Every cell's standing, in definition order.
    public func assess(_ results: [StoredTrialResult]) -> [VariantPrecision] {
        cells.map { cell in
            let own = results.filter { $0.key.cell == cell }
            let ok = own.filter { $0.key.status == .ok }
            let counted = countsUnsteady ? ok : ok.filter { $0.steady != false }
            let rates = counted.compactMap(\.requestsPerSecond)
            let failed = own.count - ok.count
            let unsteady = ok.count - counted.count
            let precision = StudentT.relativePrecision(rates)
            let state: VariantPrecision.State
            // An unsteady trial is replaced: the minimum is of trials that count.
            if let precision, precision <= target.target, own.count - unsteady >= PrecisionTarget.minimumTrials {
                state = .met
            } else if own.count >= target.maxTrials {
                state = .capped
            } else if failed > 0 && failed >= ok.count {
                state = .failing
            } else if unsteady >= 3 && unsteady > rates.count {
                state = .unsteady
            } else {
                state = .open
            }
            return VariantPrecision(
                cell: cell, trials: own.count, okTrials: rates.count, unsteadyTrials: unsteady, precision: precision,
                state: state)
        }
    }

    /// What happens next: the round to run, or why none runs. A round runs only if it is
    /// expected to end within the time budget, counting every stored trial's wall time and
    /// `perTrial` seconds for each of the round's trials.
    public func decide(_ results: [StoredTrialResult], perTrial: Double?) -> (round: [PlannedTrial], stop: PrecisionProgress.Stop?) {
        let round = nextRound(results)
        if round.isEmpty {
            return ([], assess(results).allSatisfy { $0.state == .met } ? .met : .exhausted)
        }
        if let budget = target.timeBudget, let perTrial {
            let spent = results.map(\.wallSeconds).reduce(0, +)
            if spent + perTrial * Double(round.count) > budget.seconds { return ([], .timeBudget) }
        }
        return (round, nil)
    }

    /// The next round: one trial for each open cell, in an order shuffled by the run's
    /// seed and the round, numbered after every trial already stored. Empty when no cell
    /// is open.
    public func nextRound(_ results: [StoredTrialResult]) -> [PlannedTrial] {
        let open = assess(results).filter { $0.state == .open }
        guard !open.isEmpty else { return [] }
        var order = open.map(\.cell)
        let round = open.map(\.trials).min() ?? 0
        var generator = SplitMix64(seed: seed &+ UInt64(round) &* 0x9E37_79B9_7F4A_7C15)
        order.shuffle(with: &generator)
        var runOrder = results.map(\.runOrder).max() ?? 0
        return order.map { cell in
            runOrder += 1
            let last = results.filter { $0.key.cell == cell }.map(\.key.trialIndex).max() ?? 0
            return PlannedTrial(cell: cell, trialIndex: last + 1, runOrder: runOrder)
        }
    }
}
