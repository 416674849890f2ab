import Foundation
import LoadGen

/// The machine a run was measured on. `fingerprint` identifies it across runs.
public struct MachineInfo: Sendable, Equatable, Codable {
    /// Hex hash of CPU model, cores, memory and kernel.
    public var fingerprint: String
    public var hostname: String
    public var cpuModel: String
    public var cpuCores: Int
    public var memoryBytes: Int64
    public var kernel: String
    public var os: String
    /// CPU frequency governor, when readable.
    public var cpuGovernor: String?

    public init(
        fingerprint: String, hostname: String, cpuModel: String, cpuCores: Int,
        memoryBytes: Int64, kernel: String, os: String, cpuGovernor: String?
    ) {
        self.fingerprint = fingerprint
        self.hostname = hostname
        self.cpuModel = cpuModel
        self.cpuCores = cpuCores
        self.memoryBytes = memoryBytes
        self.kernel = kernel
        self.os = os
        self.cpuGovernor = cpuGovernor
    }
}

/// Run status as stored in `runs.status`.
public enum RunStatus: String, Sendable, Codable {
    case running, complete, interrupted, failed
}

/// Trial status as stored in `trials.status`. Interrupted trials are never stored.
public enum TrialStatus: String, Sendable, Codable {
    case ok, failed
}

/// What is known about a run when it starts.
public struct NewRun: Sendable {
    public var experiment: String
    public var definitionHash: String
    public var definitionText: String
    public var machineID: Int64
    public var startedAt: Date
    public var toolVersion: String
    public var projectCommit: String?
    public var shuffleSeed: UInt64
    /// Command-line overrides that shaped the effective definition, as JSON.
    public var overridesJSON: String
    /// Whether this is a `--quick` smoke run.
    public var quick: Bool
    /// Software versions (python, pip freeze, nginx, wrk, gunicorn, …) as JSON object.
    public var softwareJSON: String
    /// The upstream's exact command line.
    public var upstreamCommandLine: String

    public init(
        experiment: String, definitionHash: String, definitionText: String, machineID: Int64,
        startedAt: Date, toolVersion: String, projectCommit: String?, shuffleSeed: UInt64,
        overridesJSON: String, quick: Bool, softwareJSON: String, upstreamCommandLine: String
    ) {
        self.experiment = experiment
        self.definitionHash = definitionHash
        self.definitionText = definitionText
        self.machineID = machineID
        self.startedAt = startedAt
        self.toolVersion = toolVersion
        self.projectCommit = projectCommit
        self.shuffleSeed = shuffleSeed
        self.overridesJSON = overridesJSON
        self.quick = quick
        self.softwareJSON = softwareJSON
        self.upstreamCommandLine = upstreamCommandLine
    }
}

/// A variant as stored with its run.
public struct NewVariant: Sendable {
    public var name: String
    public var position: Int
    /// Resolved configuration including the exact app command line, as JSON.
    public var configJSON: String

    public init(name: String, position: Int, configJSON: String) {
        self.name = name
        self.position = position
        self.configJSON = configJSON
    }
}

public struct StoredVariant: Sendable, Equatable {
    public var id: Int64
    public var runID: Int64
    public var name: String
    public var position: Int
    public var configJSON: String
}

public struct StoredRun: Sendable, Equatable {
    public var id: Int64
    public var experiment: String
    public var definitionHash: String
    public var machineID: Int64
    public var startedAt: Date
    public var finishedAt: Date?
    public var status: RunStatus
    public var shuffleSeed: UInt64
    public var quick: Bool
}

/// One periodic reading of a process group's CPU time and memory.
public struct ResourceSample: Sendable, Equatable {
    /// Milliseconds since the trial's measured window started (negative during warm-up).
    public var tMs: Int64
    /// "app", "upstream" or "loadgen".
    public var role: String
    public var cpuUserMs: Int64
    public var cpuSystemMs: Int64
    public var rssBytes: Int64

    public init(tMs: Int64, role: String, cpuUserMs: Int64, cpuSystemMs: Int64, rssBytes: Int64) {
        self.tMs = tMs
        self.role = role
        self.cpuUserMs = cpuUserMs
        self.cpuSystemMs = cpuSystemMs
        self.rssBytes = rssBytes
    }
}

/// One (latency, count) bucket of a distribution.
public struct LatencyBucket: Sendable, Equatable {
    public var latencyUs: Int64
    public var count: Int64

    public init(latencyUs: Int64, count: Int64) {
        self.latencyUs = latencyUs
        self.count = count
    }
}

extension Array where Element == LatencyBucket {
    /// The nearest-rank latency at percentile `p` (0…100) of buckets in ascending latency;
    /// nil when they hold no request.
    public func percentile(_ p: Double) -> Int64? {
        let total = reduce(0) { $0 + $1.count }
        guard total > 0 else { return nil }
        let rank = Swift.max(Int64((p / 100 * Double(total)).rounded(.up)), 1)
        var seen: Int64 = 0
        for bucket in self {
            seen += bucket.count
            if seen >= rank { return bucket.latencyUs }
        }
        return last?.latencyUs
    }
}

/// A finished trial, written in one transaction with its samples.
public struct TrialRecord: Sendable {
    public var variantID: Int64
    public var trialIndex: Int
    public var runOrder: Int
    public var status: TrialStatus
    public var startedAt: Date
    public var endedAt: Date
    /// The measured window as the load generator reports it.
    public var durationUs: Int64
    public var requests: Int64
    public var bytes: Int64
    public var errorsConnect: Int64
    public var errorsRead: Int64
    public var errorsWrite: Int64
    public var errorsStatus: Int64
    public var errorsTimeout: Int64
    /// The exact load command line of the measured window.
    public var commandLine: String
    /// The exact app server command line.
    public var serverCommandLine: String
    public var failure: String?
    /// The tail of the app server's log, kept for failed trials.
    public var logTail: String?
    /// CPU time reportgen itself used during the measured window.
    public var runnerCPUUs: Int64
    /// 1-minute load average and available memory when the trial started.
    public var loadAverage: Double?
    public var memoryAvailableBytes: Int64?
    /// Whether the machine was busy when the trial started: other processes used at least
    /// half the cores (and at least one) while reportgen's servers were idle.
    public var busy: Bool = false
    /// Raw latency distribution (no coordinated-omission correction).
    public var latency: [LatencyBucket]
    /// The load generator's own percentiles, keyed by percentile (e.g. 99.9), in µs.
    /// For wrk these include its coordinated-omission correction.
    public var generatorPercentiles: [Double: Double]
    public var resources: [ResourceSample]
    /// Every request of the measured window, in send order, when the generator keeps them
    /// (the built-in one); nil for wrk. Written to `requests`; a stored trial reads back
    /// `StoredTrial.throughput` instead of the rows.
    public var requestLog: ContiguousArray<RequestSample>?

    public init(
        variantID: Int64, trialIndex: Int, runOrder: Int, status: TrialStatus,
        startedAt: Date, endedAt: Date, durationUs: Int64, requests: Int64, bytes: Int64,
        errorsConnect: Int64, errorsRead: Int64, errorsWrite: Int64, errorsStatus: Int64,
        errorsTimeout: Int64, commandLine: String, serverCommandLine: String,
        failure: String?, logTail: String?, runnerCPUUs: Int64, loadAverage: Double?,
        memoryAvailableBytes: Int64?, latency: [LatencyBucket],
        generatorPercentiles: [Double: Double], resources: [ResourceSample], busy: Bool = false,
        requestLog: ContiguousArray<RequestSample>? = nil
    ) {
        self.busy = busy
        self.requestLog = requestLog
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
        self.resources = resources
    }
}

/// A stored trial's identity, for resuming: which (variant, trial index) pairs are done.
public struct StoredTrialKey: Sendable, Hashable {
    public var variantName: String
    public var trialIndex: Int
    public var status: TrialStatus

    public init(variantName: String, trialIndex: Int, status: TrialStatus) {
        self.variantName = variantName
        self.trialIndex = trialIndex
        self.status = status
    }
}

/// One line of `reportgen list`.
public struct RunListing: Sendable {
    public var run: StoredRun
    public var hostname: String
    public var variantCount: Int
    public var trialsOK: Int
    public var trialsFailed: Int
}

/// What a run holds, as stored in `runs.kind`.
public enum RunKind: String, Sendable, Codable {
    /// Trials measured by reportgen, with every raw latency sample.
    case measured
    /// A results table someone published, imported from CSV: one summary row per variant,
    /// no trials and no samples.
    case published
}

/// One variant's row of a published results table (`published_results`), in the units of
/// the seed's `published-2017.csv`: latencies in ms, the window in s. A value the table
/// leaves empty is nil; `requests` is always given.
public struct PublishedRow: Sendable, Equatable {
    public var variant: String
    public var minMs: Double?
    public var p50Ms: Double?
    public var p99Ms: Double?
    public var p999Ms: Double?
    public var maxMs: Double?
    public var meanMs: Double?
    /// The measured window.
    public var durationS: Double?
    /// Requests completed in the window.
    public var requests: Int64

    public init(
        variant: String, minMs: Double?, p50Ms: Double?, p99Ms: Double?, p999Ms: Double?,
        maxMs: Double?, meanMs: Double?, durationS: Double?, requests: Int64
    ) {
        self.variant = variant
        self.minMs = minMs
        self.p50Ms = p50Ms
        self.p99Ms = p99Ms
        self.p999Ms = p999Ms
        self.maxMs = maxMs
        self.meanMs = meanMs
        self.durationS = durationS
        self.requests = requests
    }

    /// Requests per second over the published window; nil without a positive window.
    public var requestsPerSecond: Double? {
        guard let durationS, durationS > 0 else { return nil }
        return Double(requests) / durationS
    }
}

/// One run that `importRuns(from:)` found in a portable file.
public struct PortableRun: Sendable, Equatable {
    /// The run's stable identity (`runs.uid`), the same in every store that holds it.
    public var uid: String
    /// The run's row id in the store this value describes: the one imported into, or the one
    /// exported from. Row ids differ between stores; `uid` does not.
    public var id: Int64
    public var experiment: String
    public var kind: String
    public var status: RunStatus
}

/// What importing a portable file did: runs added, runs the store already held (left as
/// they were), and machines it did not know yet.
public struct ImportOutcome: Sendable, Equatable {
    public var imported: [PortableRun] = []
    public var alreadyPresent: [PortableRun] = []
    public var machinesAdded: Int = 0
}

/// What an export wrote.
public struct ExportSummary: Sendable, Equatable {
    public var file: URL
    public var run: PortableRun
    public var variants: Int
    public var trials: Int
    public var latencyRows: Int
}
