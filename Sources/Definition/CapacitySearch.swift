import Core
import Foundation

/// The bracketing half of a capacity search for one cell: which offered rate to probe next,
/// decided from the probes stored so far (so a resumed search takes the same steps and
/// repeats none), until the highest rate that keeps the target and the lowest that does not
/// are within the resolution of each other.
///
/// It starts from a rate the caller measured (half a short closed-loop probe's throughput),
/// grows the rate geometrically while the target holds, shrinks it while it does not, then
/// bisects on the geometric mean. A server that fails even at `floor` has no capacity. No
/// rate above `ceiling`, what the generator could drive against the upstream alone, is
/// probed: a server that holds there ends the search at the generator's limit, reported as
/// such and never as the server's.
public struct CapacitySearch: Sendable, Equatable {
    /// One stored probe.
    public struct Probe: Sendable, Equatable {
        /// Requests/s the generator was asked to send.
        public var offered: Double
        /// Whether the probe kept the target.
        public var held: Bool

        public init(offered: Double, held: Bool) {
            (self.offered, self.held) = (offered, held)
        }
    }

    /// Where the bracket ended.
    public enum Outcome: Sendable, Equatable {
        /// The target holds at `held` and fails at `failed`, within the resolution.
        case bracketed(held: Double, failed: Double)
        /// The target fails at every rate down to `floor`.
        case none(lowestTried: Double)
        /// The target held at `offered`, the most the generator can offer.
        case generatorLimited(offered: Double)
    }

    public enum Step: Sendable, Equatable {
        case probe(rate: Double)
        case done(Outcome)
    }

    /// The first rate to probe.
    public var start: Double
    /// Growth and shrink factor of the geometric phase.
    public var growth: Double = 2
    /// The bracket is narrow enough when failed ÷ held − 1 is at most this.
    public var resolution: Double
    /// The lowest rate worth probing; below it the server has no capacity at the target.
    public var floor: Double
    /// The highest rate the generator can offer; none above it is probed.
    public var ceiling: Double

    public init(start: Double, resolution: Double, floor: Double, ceiling: Double = .infinity, growth: Double = 2) {
        (self.start, self.resolution, self.floor, self.growth) = (min(max(start, floor), ceiling), resolution, floor, growth)
        self.ceiling = ceiling
    }

    /// What to do after `probes` (in the order they were measured).
    public func next(after probes: [Probe]) -> Step {
        guard !probes.isEmpty else { return .probe(rate: start) }
        let held = probes.filter(\.held).map(\.offered).max()
        guard let held else {
            // Nothing held yet: shrink below the lowest failure.
            let lowest = probes.map(\.offered).min() ?? start
            // The floor itself is the last rate tried: "none" means it failed there too.
            return lowest <= floor * (1 + 1e-9) ? .done(.none(lowestTried: lowest)) : .probe(rate: max(lowest / growth, floor))
        }
        // The lowest failure above the highest success; a failure below it is noise the
        // confirmation trials weigh, not a bound.
        guard let failed = probes.filter({ !$0.held && $0.offered > held }).map(\.offered).min() else {
            if held >= ceiling { return .done(.generatorLimited(offered: held)) }
            return .probe(rate: min(held * growth, ceiling))
        }
        if failed / held - 1 <= resolution { return .done(.bracketed(held: held, failed: failed)) }
        return .probe(rate: (held * failed).squareRoot())
    }
}
