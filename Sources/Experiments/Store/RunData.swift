import Foundation

/// Everything stored about one run, loaded for reporting: the run with its provenance, its
/// machine, variants in definition order, and every trial with its samples.
public struct RunData: Sendable {
    public var run: StoredRun
    public var kind: String
    public var definitionText: String
    public var toolVersion: String
    public var projectCommit: String?
    public var overridesJSON: String
    public var softwareJSON: String
    public var upstreamCommandLine: String
    public var machine: MachineInfo
    public var variants: [StoredVariant]
    public var trials: [StoredTrial]

    /// Trials of `variant`, by trial index.
    public func trials(of variant: StoredVariant) -> [StoredTrial] {
        trials.filter { $0.variantID == variant.id }.sorted { $0.trialIndex < $1.trialIndex }
    }
}

/// A stored trial: the record written when it finished, with its row id and the note the
/// store keeps beside the generator's percentiles. Reads and writes of the record's fields
/// go straight through (`trial.requests`, `trial.latency`).
@dynamicMemberLookup
public struct StoredTrial: Sendable {
    public var id: Int64
    /// The trial as recorded; its latency distribution is raw, ascending by latency.
    public var record: TrialRecord
    public var generatorPercentileNote: String?
    /// Answered requests (any HTTP status) per `throughputBinUs` of the measured window, by
    /// the time each response completed, read from `requests`; nil when the trial kept no
    /// request log (wrk trials).
    public var throughput: [Int64]?

    /// The width of a `throughput` bin: 100 ms.
    public static let throughputBinUs: Int64 = 100_000

    public subscript<Value>(dynamicMember path: WritableKeyPath<TrialRecord, Value>) -> Value {
        get { record[keyPath: path] }
        set { record[keyPath: path] = newValue }
    }

    public init(
        id: Int64, variantID: Int64, trialIndex: Int, runOrder: Int, status: TrialStatus,
        startedAt: Date, endedAt: Date, durationUs: Int64, requests: Int64, bytes: Int64,
        errorsConnect: Int64, errorsRead: Int64, errorsWrite: Int64, errorsStatus: Int64,
        errorsTimeout: Int64, commandLine: String, serverCommandLine: String, failure: String?,
        logTail: String?, runnerCPUUs: Int64, loadAverage: Double?, memoryAvailableBytes: Int64?,
        latency: [LatencyBucket], generatorPercentiles: [Double: Double],
        generatorPercentileNote: String?, resources: [ResourceSample], busy: Bool = false
    ) {
        self.id = id
        self.generatorPercentileNote = generatorPercentileNote
        record = TrialRecord(
            variantID: variantID, trialIndex: trialIndex, runOrder: runOrder, status: status,
            startedAt: startedAt, endedAt: endedAt, durationUs: durationUs, requests: requests,
            bytes: bytes, errorsConnect: errorsConnect, errorsRead: errorsRead,
            errorsWrite: errorsWrite, errorsStatus: errorsStatus, errorsTimeout: errorsTimeout,
            commandLine: commandLine, serverCommandLine: serverCommandLine, failure: failure,
            logTail: logTail, runnerCPUUs: runnerCPUUs, loadAverage: loadAverage,
            memoryAvailableBytes: memoryAvailableBytes, latency: latency,
            generatorPercentiles: generatorPercentiles, resources: resources, busy: busy)
    }
}
