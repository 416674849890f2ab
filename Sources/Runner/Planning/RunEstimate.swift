import Core
import Definition
import Foundation

/// How long a run of a definition takes: trials × (warm-up + window + what a trial costs
/// beyond them — starting the app, waiting for it, stopping it), with that cost measured on
/// this machine's earlier runs of the experiment when there are any.
public struct RunEstimate: Sendable, Equatable {
    /// Trials every cell gets.
    public var trials: Int
    /// With trials added until the answer is clear, the most there can be.
    public var maximumTrials: Int?
    /// Warm-up plus window of one trial, in seconds.
    public var measuredSeconds: Double
    /// What a trial costs beyond its warm-up and window, in seconds.
    public var overheadSeconds: Double
    /// Whether `overheadSeconds` comes from stored trials, not the assumption.
    public var overheadMeasured: Bool

    /// Assumed cost of a trial beyond warm-up and window before any was measured here.
    public static let assumedOverheadSeconds = 3.0

    /// `storedOverhead` is what `ResultStore.trialOverhead` measured (nil: nothing stored).
    public init(definition: ExperimentDefinition, storedOverhead: Double?) {
        let cells = definition.cells.count
        trials = cells * definition.trials
        maximumTrials = definition.precision.map { cells * $0.maxTrials }
        measuredSeconds = definition.load.warmup.seconds + definition.load.duration.seconds
        overheadMeasured = storedOverhead != nil
        overheadSeconds = max(0.5, (storedOverhead ?? Self.assumedOverheadSeconds + definition.load.warmup.seconds)
            - definition.load.warmup.seconds)
        let load = definition.load
        if load.capacity != nil {
            // Geometric steps from half the closed loop's throughput (about two), then
            // bisections until the bracket is within the resolution: log2(ln 2 / ln(1 + r)).
            let bisections = Int((log2(log(2) / log(1 + load.resolution))).rounded(.up))
            let confirmations = CapacityPlan.confirmationRates * max(definition.trials, 1)
            let typical = 1 + 2 + bisections + confirmations
            search = Search(
                probesPerCell: typical, mostProbesPerCell: typical + 5, cells: cells,
                perProbeSeconds: min(load.warmup, load.probe).seconds + load.probe.seconds + overheadSeconds,
                confirmations: confirmations)
        }
    }

    public var perTrialSeconds: Double { measuredSeconds + overheadSeconds }
    public var seconds: Double { Double(trials) * perTrialSeconds }
    public var maximumSeconds: Double? { maximumTrials.map { Double($0) * perTrialSeconds } }

    /// "72 trials × (22 s measured + 4.1 s start and stop, measured here) ≈ 32 min".
    public var text: String {
        let cost = String(format: "%.1f", overheadSeconds)
        let measured = String(format: "%g", measuredSeconds)
        let source = overheadMeasured ? "measured in earlier runs here" : "assumed: nothing measured here yet"
        var line = "\(trials) trials × (\(measured) s warm-up and window + \(cost) s to start and stop, \(source)) ≈ \(Self.format(seconds))"
        if let maximumTrials, let maximumSeconds, maximumTrials > trials {
            line += ", up to \(maximumTrials) trials ≈ \(Self.format(maximumSeconds)) if every cell needs the most"
        }
        if let search {
            line += "; then the capacity search: " + search.text
        }
        return line
    }

    /// How long a capacity search takes after the trials, when the definition asks for one.
    public struct Search: Sendable, Equatable {
        /// Probes each cell is expected to need: the closed-loop start, about two steps to find
        /// the bracket and the bisections down to the resolution, and the confirmations.
        public var probesPerCell: Int
        /// With a start far from the capacity: five more doublings or halvings.
        public var mostProbesPerCell: Int
        public var cells: Int
        public var perProbeSeconds: Double
        public var confirmations: Int

        public var seconds: Double { Double(probesPerCell * cells) * perProbeSeconds }
        public var mostSeconds: Double { Double(mostProbesPerCell * cells) * perProbeSeconds }

        /// "11 cells × about 14 probes (1 closed-loop start, 3 + 5 to bracket, 5 × 3 confirmations) × 9.1 s ≈ 23 min, up to 28 min".
        public var text: String {
            let bracket = probesPerCell - 1 - confirmations
            return "\(cells) cell\(cells == 1 ? "" : "s") × about \(probesPerCell) probes (1 closed-loop start, about \(bracket) to bracket, "
                + "\(confirmations) confirmations) × \(String(format: "%.1f", perProbeSeconds)) s ≈ \(RunEstimate.format(seconds)), "
                + "up to \(RunEstimate.format(mostSeconds)) if a start is far from the capacity"
        }
    }

    /// The capacity search's estimate; nil without a target.
    public var search: Search?

    /// "45 s", "32 min", "2 h 5 min".
    public static func format(_ seconds: Double) -> String {
        if seconds < 90 { return "\(Int(seconds.rounded())) s" }
        let minutes = Int((seconds / 60).rounded())
        if minutes < 120 { return "\(minutes) min" }
        return "\(minutes / 60) h \(minutes % 60) min"
    }
}
