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
        return line
    }

    /// "45 s", "32 min", "2 h 5 min".
    public static func format(_ seconds: Double) -> String {
        if seconds < 90 { return "\(Int(seconds.rounded())) s" }
        let minutes = Int((seconds / 60).rounded())
        if minutes < 120 { return "\(minutes) min" }
        return "\(minutes / 60) h \(minutes % 60) min"
    }
}
