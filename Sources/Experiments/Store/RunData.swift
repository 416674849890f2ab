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

/// A stored trial with its raw latency distribution, the generator's own percentiles and
/// its resource samples.
public struct StoredTrial: Sendable {
    public var id: Int64
    public var variantID: Int64
    public var trialIndex: Int
    public var runOrder: Int
    public var status: TrialStatus
    public var startedAt: Date
    public var endedAt: Date
    public var durationUs: Int64
    public var requests: Int64
    public var bytes: Int64
    public var errorsConnect: Int64
    public var errorsRead: Int64
    public var errorsWrite: Int64
    public var errorsStatus: Int64
    public var errorsTimeout: Int64
    public var commandLine: String
    public var serverCommandLine: String
    public var failure: String?
    public var logTail: String?
    public var runnerCPUUs: Int64
    public var loadAverage: Double?
    public var memoryAvailableBytes: Int64?
    /// Started while the machine was busy (load average above the core count).
    public var busy: Bool = false
    /// Raw distribution, ascending by latency.
    public var latency: [LatencyBucket]
    public var generatorPercentiles: [Double: Double]
    public var generatorPercentileNote: String?
    /// By time, then role.
    public var resources: [ResourceSample]

    public init(
        id: Int64, variantID: Int64, trialIndex: Int, runOrder: Int, status: TrialStatus,
        startedAt: Date, endedAt: Date, durationUs: Int64, requests: Int64, bytes: Int64,
        errorsConnect: Int64, errorsRead: Int64, errorsWrite: Int64, errorsStatus: Int64,
        errorsTimeout: Int64, commandLine: String, serverCommandLine: String, failure: String?,
        logTail: String?, runnerCPUUs: Int64, loadAverage: Double?, memoryAvailableBytes: Int64?,
        latency: [LatencyBucket], generatorPercentiles: [Double: Double],
        generatorPercentileNote: String?, resources: [ResourceSample], busy: Bool = false
    ) {
        self.busy = busy
        self.id = id
        self.variantID = variantID
        self.trialIndex = trialIndex
        self.runOrder = runOrder
        self.status = status
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.durationUs = durationUs
        self.requests = requests
        self.bytes = bytes
        self.errorsConnect = errorsConnect
        self.errorsRead = errorsRead
        self.errorsWrite = errorsWrite
        self.errorsStatus = errorsStatus
        self.errorsTimeout = errorsTimeout
        self.commandLine = commandLine
        self.serverCommandLine = serverCommandLine
        self.failure = failure
        self.logTail = logTail
        self.runnerCPUUs = runnerCPUUs
        self.loadAverage = loadAverage
        self.memoryAvailableBytes = memoryAvailableBytes
        self.latency = latency
        self.generatorPercentiles = generatorPercentiles
        self.generatorPercentileNote = generatorPercentileNote
        self.resources = resources
    }
}
