import Core
import Definition
import Foundation
import Store

/// A timed step inside a trial, as progress shows it.
public enum TrialPhase: String, Sendable {
    /// The app server answered its route.
    case ready
    /// The discarded warm-up under load.
    case warmUp = "warm-up"
    /// The measured window.
    case measuring
}

/// What the runner reports while it works; the CLI turns these into progress output.
public enum RunEvent: Sendable {
    /// A step outside trials (environment, upstream, resume decisions).
    case note(String)
    /// A trial is about to start: `position` of `total` trials left in this invocation.
    case trialStarted(PlannedTrial, position: Int, total: Int, estimatedEnd: Date?)
    /// A capacity probe is about to start: `position` of `total` probes in this round; a
    /// nil rate is the closed-loop start.
    case probeStarted(PlannedTrial, stage: ProbeRole.Stage, rate: Double?, position: Int, total: Int)
    /// A phase inside the trial, with its length when it is timed.
    case trialPhase(PlannedTrial, TrialPhase, length: Duration?)
    /// A trial was stored.
    case trialFinished(PlannedTrial, TrialSummary)
    /// Where the variants stand against the precision target, before each added round and
    /// when no round is added.
    case precision(PrecisionProgress)
}

/// The state of a run that adds trials until each variant's requests/s is known well enough.
public struct PrecisionProgress: Sendable {
    public enum Stop: Sendable {
        /// Every variant is within the target.
        case met
        /// Every variant that is not within the target had the most trials or kept failing.
        case exhausted
        /// The next round would not end within the time budget.
        case timeBudget
    }

    public var target: PrecisionTarget
    public var standings: [VariantPrecision]
    /// Trials in the round about to start; 0 when `stop` is set.
    public var roundSize: Int
    /// When that round should end, from the mean trial so far.
    public var roundEnd: Date?
    /// When the run would end if every open variant needed the most trials.
    public var latestEnd: Date?
    public var stop: Stop?

    /// The variant with the widest interval (the least precise), if any has one.
    public var widest: VariantPrecision? {
        standings.filter { $0.precision != nil }.max { $0.precision! < $1.precision! }
    }
}

/// The few numbers shown for a stored trial.
public struct TrialSummary: Sendable {
    public var status: TrialStatus
    public var requests: Int64
    public var requestsPerSecond: Double
    public var p50Ms: Double?
    public var errors: Int64
    public var failure: String?
    /// A capacity probe's role, with whether it kept the target.
    public var probe: ProbeRole?

    init(_ record: TrialRecord) {
        probe = record.probe
        let measured = record.measurement
        status = record.status
        requests = measured.requests
        requestsPerSecond = measured.requestsPerSecond
        p50Ms = measured.latency.percentile(50).map { Double($0) / 1000 }
        errors = measured.errors.total
        failure = record.failure
    }
}

/// How a run ended.
public struct RunOutcome: Sendable {
    public var runID: Int64
    /// Whether the run was already complete, so nothing was measured.
    public var alreadyComplete: Bool
    public var resumed: Bool
    /// Trials measured by this invocation, and how many of them failed.
    public var trialsRun: Int
    /// Capacity probes measured by this invocation.
    public var probesRun = 0
    public var trialsFailed: Int
    /// Cells with a failed trial in the run as stored once it is complete, an earlier
    /// invocation's included; during the run, this invocation's.
    public var failedVariants: [CellID]
}
