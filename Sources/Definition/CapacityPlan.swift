import Core
import Foundation

/// A whole capacity search for one cell, as a function of its stored probes, so that a
/// resumed search takes the same steps and repeats no stored probe: a closed-loop probe for
/// a starting rate, the bracketing search (`CapacitySearch`), then the confirmation probes,
/// `repetitions` at each of five rates around the bracket in an order shuffled by the run's
/// seed, from which the capacity's interval is fitted.
public struct CapacityPlan: Sendable, Equatable {
    /// A stored probe as the plan reads it.
    public struct Probe: Sendable, Equatable {
        public enum Stage: String, Sendable, Codable, CaseIterable {
            /// The closed-loop probe whose throughput the search starts from.
            case start
            /// A probe of the bracketing search.
            case search
            /// A repeated probe around the bracket, for the capacity's interval.
            case confirm
        }
        public var stage: Stage
        /// Requests/s offered; nil for the closed-loop start.
        public var offered: Double?
        /// Whether the window kept the target (false for a failed trial).
        public var held: Bool
        /// Requests/s the window served.
        public var served: Double?

        public init(stage: Stage, offered: Double?, held: Bool, served: Double?) {
            (self.stage, self.offered, self.held, self.served) = (stage, offered, held, served)
        }
    }

    public enum Step: Sendable, Equatable {
        /// The closed-loop probe at the load's connections.
        case start
        /// A bracketing probe at this rate.
        case search(rate: Double)
        /// A confirmation probe at this rate.
        case confirm(rate: Double)
        case done(CapacitySearch.Outcome)

        public var rate: Double? {
            switch self {
            case .search(let rate), .confirm(let rate): return rate
            case .start, .done: return nil
            }
        }
    }

    public var target: CapacityTarget
    /// Each probe's window.
    public var probe: Duration
    public var resolution: Double
    /// Confirmation probes at each of the five rates.
    public var repetitions: Int
    /// The most the generator can offer; nil when unmeasured.
    public var ceiling: Double?
    /// The run's seed and the cell's position, for the confirmation order.
    public var seed: UInt64

    /// Above this share of what the generator drove flat out against the upstream alone, no
    /// rate is probed: past it the generator's own schedule would be measured.
    public static let generatorHeadroom = 0.8

    /// The seed of the confirmation order of the cell at `position` in a run seeded `runSeed`.
    public static func seed(runSeed: UInt64, position: Int) -> UInt64 {
        runSeed &+ UInt64(position + 1) &* 0x9E37_79B9_7F4A_7C15
    }

    /// The number of confirmation rates, spaced a bracket's width apart around its middle.
    public static let confirmationRates = 5

    public init(target: CapacityTarget, probe: Duration, resolution: Double, repetitions: Int, ceiling: Double?, seed: UInt64) {
        (self.target, self.probe, self.resolution) = (target, probe, resolution)
        (self.repetitions, self.ceiling, self.seed) = (max(repetitions, 1), ceiling, seed)
    }

    /// The lowest rate worth probing: one at which a probe's window holds enough requests to
    /// measure the target's percentile at all (100 for p99, 1,000 for p99.9), and at least 1/s.
    public var floor: Double {
        let needed = 1 / (1 - min(target.percentile, 99.9) / 100)
        return max(1, needed.rounded(.up) / probe.seconds)
    }

    /// Where a search starts from the closed-loop probe's throughput: half of it, since
    /// what a server serves flat out is past any latency target.
    public func start(after closedLoop: Double?) -> Double {
        guard let closedLoop, closedLoop > 0 else { return floor * 8 }
        return closedLoop / 2
    }

    /// The highest rate a store holds as a probe's (`capacity_probes.offered_rps`).
    public static let highestRate = 1e9

    /// The bracketing search after the start probe.
    public func search(startingFrom closedLoop: Double?) -> CapacitySearch {
        CapacitySearch(
            start: start(after: closedLoop), resolution: resolution, floor: floor,
            ceiling: min(ceiling ?? Self.highestRate, Self.highestRate))
    }

    /// The five confirmation rates around a bracket: its middle (geometric) and two steps
    /// either side, a step being the bracket's width or the resolution if wider.
    public func confirmationRates(held: Double, failed: Double) -> [Double] {
        let middle = (held * failed).squareRoot()
        let step = max(failed / held, 1 + resolution)
        let half = Self.confirmationRates / 2
        return (-half...half).map { middle * pow(step, Double($0)) }.filter { $0 >= floor && $0 <= (ceiling ?? .infinity) }
    }

    /// Every confirmation probe in the order they run: rounds of the rates, each shuffled.
    public func confirmations(held: Double, failed: Double) -> [Double] {
        var generator = SplitMix64(seed: seed)
        var order: [Double] = []
        for _ in 0..<repetitions {
            var round = confirmationRates(held: held, failed: failed)
            round.shuffle(with: &generator)
            order += round
        }
        return order
    }

    /// What to do after `probes`, the cell's stored probes in the order they ran.
    public func next(after probes: [Probe]) -> Step {
        guard let start = probes.first(where: { $0.stage == .start }) else { return .start }
        let searched = probes.filter { $0.stage == .search }.compactMap { probe in
            probe.offered.map { CapacitySearch.Probe(offered: $0, held: probe.held) }
        }
        switch search(startingFrom: start.served).next(after: searched) {
        case .probe(let rate):
            return .search(rate: rate)
        case .done(let outcome):
            guard case .bracketed(let held, let failed) = outcome else { return .done(outcome) }
            let planned = confirmations(held: held, failed: failed)
            let done = probes.filter { $0.stage == .confirm }.count
            return done < planned.count ? .confirm(rate: planned[done]) : .done(outcome)
        }
    }
}
