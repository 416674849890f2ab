import Foundation

/// What the runner reports while it works; the CLI turns these into progress output.
public enum RunEvent: Sendable {
    /// A step outside trials (environment, upstream, resume decisions).
    case note(String)
    /// A trial is about to start: `position` of `total` trials left in this invocation.
    case trialStarted(PlannedTrial, position: Int, total: Int, estimatedEnd: Date?)
    /// A phase inside the trial ("ready", "warm-up", "measuring") with its length, if timed.
    case trialPhase(PlannedTrial, phase: String, length: Duration?)
    /// A trial was stored.
    case trialFinished(PlannedTrial, TrialSummary)
}

/// The few numbers shown for a stored trial.
public struct TrialSummary: Sendable {
    public var status: TrialStatus
    public var requests: Int64
    public var requestsPerSecond: Double
    public var p50Ms: Double?
    public var errors: Int64
    public var failure: String?
}

/// How a run ended.
public struct RunOutcome: Sendable {
    public var runID: Int64
    /// Whether the run was already complete, so nothing was measured.
    public var alreadyComplete: Bool
    public var resumed: Bool
    public var trialsRun: Int
    public var trialsFailed: Int
    public var failedVariants: [String]
}
