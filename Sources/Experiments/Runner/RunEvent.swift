import Foundation

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
    /// A phase inside the trial, with its length when it is timed.
    case trialPhase(PlannedTrial, TrialPhase, length: Duration?)
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

    init(_ record: TrialRecord) {
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
    public var trialsRun: Int
    public var trialsFailed: Int
    public var failedVariants: [String]
}
