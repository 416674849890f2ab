import Core
import Definition
import Foundation
import Records

/// Everything stored about one run, loaded for reporting: the run with its provenance, its
/// machine, variants in definition order, and every trial with its samples.
public struct RunData: Sendable {
    public var run: StoredRun
    public var definitionText: String
    public var toolVersion: String
    public var projectCommit: String?
    /// The command-line overrides, as stored text and as read.
    public var overridesJSON: String
    public var overrides: RunOverrides
    /// The software versions, as stored text and as read.
    public var softwareJSON: String
    public var software: SoftwareVersions
    public var upstreamCommandLine: String
    /// The share of requests a trial could lose to errors and still count; nil for runs
    /// stored before trials were held to one.
    public var maxErrorRate: Double?
    /// The precision the run added trials for; nil for a fixed number of trials.
    public var precision: PrecisionTarget?
    /// The write-up the run was measured with; nil when the experiment had none.
    public var writeupText: String? = nil
    public var machine: MachineInfo
    /// The hosts its roles ran on; empty for runs stored before hosts were recorded (every
    /// role on `machine`, unpinned).
    public var hosts: [RunHost] = []

    /// The date documents made from this run carry (a PDF's creation date): when the run
    /// ended, or began if it never did. Never the clock, so a render of it is the same bytes
    /// at any time.
    public var documentDate: Date { run.finishedAt ?? run.startedAt }
    public var variants: [StoredVariant]
    public var trials: [StoredTrial]
    /// A capacity search's probes, in the order they ran (not among `trials`).
    public var probes: [CapacityProbe] = []
    /// The run's capacity target and the generator's limit; nil without a search.
    public var capacitySearch: StoredCapacitySearch? = nil

    public var kind: RunKind { run.kind }

    /// Trials of `variant`, by trial index.
    public func trials(of variant: StoredVariant) -> [StoredTrial] {
        trials.filter { $0.key.variantID == variant.id }.sorted { $0.key.trialIndex < $1.key.trialIndex }
    }
}

/// A stored capacity probe: the trial it ran as, and its role in the search.
public struct CapacityProbe: Sendable {
    public var trial: StoredTrial
    public var role: ProbeRole
}

/// A stored trial: the record written when it finished, with its row id, and what the store
/// aggregates from its request log. The record's parts read straight through
/// (`trial.measurement`, `trial.outcome`); writes go to `record` itself.
@dynamicMemberLookup
public struct StoredTrial: Sendable {
    public var id: Int64
    /// The trial as recorded; its latency distribution is raw, ascending by latency.
    public var record: TrialRecord
    /// Answered requests (any HTTP status) per `throughputBinUs` of the measured window, by
    /// the time each response completed, read from `requests`; nil when the trial kept no
    /// request log (wrk trials).
    public var throughput: [Int64]? = nil

    /// Whether the measured window held steady, from its timeline; nil for a failed trial
    /// or one without a timeline (stored before timelines).
    public var steadiness: SteadyState? {
        guard record.status == .ok else { return nil }
        return record.measurement.timeline.map(SteadyState.judge)
    }

    /// The width of a `throughput` bin: 100 ms.
    public static let throughputBinUs: Int64 = 100_000

    public subscript<Value>(dynamicMember path: KeyPath<TrialRecord, Value>) -> Value {
        record[keyPath: path]
    }
}
