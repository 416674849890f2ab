import Core
import Definition
import Foundation
import LoadGen
import Records

/// Trial status as stored in `trials.status`. Interrupted trials are never stored.
public enum TrialStatus: String, Sendable, Codable {
    case ok, failed
}

/// Which trial a record is: its variant, its repetition, and its place in the run's plan.
public struct TrialKey: Sendable, Hashable {
    public var variantID: Int64
    /// 1-based repetition of the variant.
    public var trialIndex: Int
    /// 1-based position in the run's plan.
    public var runOrder: Int

    package init(variantID: Int64, trialIndex: Int, runOrder: Int) {
        (self.variantID, self.trialIndex, self.runOrder) = (variantID, trialIndex, runOrder)
    }
}

/// How a trial ended: measured, or failed with its reason (a server that did not start or
/// died, a generator that wrote nothing) and the tail of the app server's log.
public enum TrialOutcome: Sendable, Equatable {
    case ok
    case failed(reason: String, log: String?)

    public var status: TrialStatus {
        if case .ok = self { return .ok }
        return .failed
    }

    public var failure: String? {
        if case .failed(let reason, _) = self { return reason }
        return nil
    }

    public var logTail: String? {
        if case .failed(_, let log) = self { return log }
        return nil
    }
}

/// The machine around a trial: how loaded it was when the trial started, and how much CPU
/// reportgen itself used while the window was measured.
public struct HostConditions: Sendable, Equatable {
    /// 1-minute load average when the trial started.
    public var loadAverage: Double?
    public var memoryAvailableBytes: Int64?
    /// Other processes used at least half the cores (and at least one) while the app server
    /// started: the numbers may be disturbed.
    public var busy = false
    /// reportgen's own CPU time during the measured window.
    public var runnerCPUUs: Int64 = 0

    package init(
        loadAverage: Double? = nil, memoryAvailableBytes: Int64? = nil, busy: Bool = false, runnerCPUUs: Int64 = 0
    ) {
        (self.loadAverage, self.memoryAvailableBytes) = (loadAverage, memoryAvailableBytes)
        (self.busy, self.runnerCPUUs) = (busy, runnerCPUUs)
    }
}

/// The exact command lines of a trial, shell-quoted, as stored with it.
public struct TrialCommands: Sendable, Equatable {
    /// The load generator's, for the measured window.
    public var load: String
    /// The app server's.
    public var server: String

    package init(load: String, server: String) {
        (self.load, self.server) = (load, server)
    }
}

/// A finished trial, written in one transaction with its samples: which trial, when, how it
/// ended, what the load generator measured (nothing for a failed trial), the conditions on
/// the machine, the command lines and the resource samples.
public struct TrialRecord: Sendable {
    public var key: TrialKey
    public var startedAt: Date
    public var endedAt: Date
    public var outcome: TrialOutcome
    public var measurement: LoadMeasurement
    public var conditions: HostConditions
    public var commands: TrialCommands
    public var resources: [ResourceSample] = []
    /// Where the trial ran in a capacity search; nil for a measured trial.
    public var probe: ProbeRole? = nil

    public var status: TrialStatus { outcome.status }
    public var failure: String? { outcome.failure }

    package init(
        key: TrialKey, startedAt: Date, endedAt: Date, outcome: TrialOutcome, measurement: LoadMeasurement,
        conditions: HostConditions, commands: TrialCommands, resources: [ResourceSample] = []
    ) {
        (self.key, self.startedAt, self.endedAt, self.outcome) = (key, startedAt, endedAt, outcome)
        (self.measurement, self.conditions) = (measurement, conditions)
        (self.commands, self.resources) = (commands, resources)
    }
}

/// What a capacity probe was: its stage in the search, the rate it offered and whether it
/// kept the target (`capacity_probes`).
public struct ProbeRole: Sendable, Equatable {
    /// The closed-loop start, a bracketing probe, or a confirmation.
    public typealias Stage = CapacityPlan.Probe.Stage

    public var stage: Stage
    /// Requests/s offered; nil for the closed-loop start.
    public var offeredRPS: Double?
    /// Whether the window kept the target; nil for the start and for a failed trial.
    public var held: Bool?

    public init(stage: Stage, offeredRPS: Double?, held: Bool?) {
        (self.stage, self.offeredRPS, self.held) = (stage, offeredRPS, held)
    }
}

/// A stored trial's identity, for resuming: which (cell, trial index) pairs are done.
public struct StoredTrialKey: Sendable, Hashable {
    public var cell: CellID
    public var trialIndex: Int
    public var status: TrialStatus
}

/// A stored trial with the numbers that decide whether its variant needs more trials.
public struct StoredTrialResult: Sendable, Equatable {
    public var key: StoredTrialKey
    public var runOrder: Int
    /// Requests per second of the measured window; nil when no window was measured.
    public var requestsPerSecond: Double?
    /// From the trial's start to its end: server start, warm-up, window and stop.
    public var wallSeconds: Double
    /// Whether the window held steady (`SteadyState`); nil when it was not judged: a failed
    /// trial, one stored before timelines, or a window too short to judge.
    public var steady: Bool?

    public init(key: StoredTrialKey, runOrder: Int, requestsPerSecond: Double?, wallSeconds: Double, steady: Bool? = nil) {
        (self.key, self.runOrder) = (key, runOrder)
        (self.requestsPerSecond, self.wallSeconds, self.steady) = (requestsPerSecond, wallSeconds, steady)
    }
}
