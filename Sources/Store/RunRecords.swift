import Core
import Definition
import Foundation
import Records

/// Run status as stored in `runs.status`.
public enum RunStatus: String, Sendable, Codable {
    case running, complete, interrupted, failed
}

/// What a run holds, as stored in `runs.kind`.
public enum RunKind: String, Sendable, Codable {
    /// Trials measured by reportgen, with every raw latency sample.
    case measured
    /// A results table someone published, imported from CSV: one summary row per variant,
    /// no trials and no samples.
    case published
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
    /// Command-line overrides that shaped the effective definition.
    public var overrides: RunOverrides
    /// Software versions (python, pip freeze, nginx, wrk, gunicorn, …).
    public var software: SoftwareVersions
    /// The upstream's exact command line.
    public var upstreamCommandLine: String
    /// The share of requests a trial may lose to errors before it counts as failed.
    public var maxErrorRate = LoadSettings.defaultMaxErrorRate
    /// What trials were added for; nil for a fixed number.
    public var precision: PrecisionTarget?
    /// The experiment's write-up (report.md) as it was when the run started; nil without one.
    public var writeupText: String?
    /// The hosts its roles run on.
    public var hosts: [RunHost] = []

    package init(
        experiment: String, definitionHash: String, definitionText: String, machineID: Int64, startedAt: Date,
        toolVersion: String, projectCommit: String? = nil, shuffleSeed: UInt64, overrides: RunOverrides,
        software: SoftwareVersions, upstreamCommandLine: String,
        maxErrorRate: Double = LoadSettings.defaultMaxErrorRate, precision: PrecisionTarget? = nil,
        writeupText: String? = nil, hosts: [RunHost] = []
    ) {
        (self.experiment, self.definitionHash) = (experiment, definitionHash)
        (self.definitionText, self.machineID) = (definitionText, machineID)
        (self.startedAt, self.toolVersion) = (startedAt, toolVersion)
        (self.projectCommit, self.shuffleSeed) = (projectCommit, shuffleSeed)
        (self.overrides, self.software) = (overrides, software)
        (self.upstreamCommandLine, self.maxErrorRate) = (upstreamCommandLine, maxErrorRate)
        (self.precision, self.writeupText, self.hosts) = (precision, writeupText, hosts)
    }
}

/// A host a run's roles ran on, as stored in `run_hosts`.
public struct RunHost: Sendable, Equatable {
    public var name: String
    public var machine: MachineInfo
    /// What ssh was given; nil for the controlling machine.
    public var ssh: String?
    public var address: String
    public var roles: [ProcessRole]
    public var cpus: [ProcessRole: CPUSet]
    public var clockOffset: ClockOffset?
    /// On the app's host: the round trip from the load generator's host.
    public var loadToAppRoundTrip: RoundTrip?

    public init(
        name: String, machine: MachineInfo, ssh: String?, address: String, roles: [ProcessRole],
        cpus: [ProcessRole: CPUSet], clockOffset: ClockOffset?, loadToAppRoundTrip: RoundTrip?
    ) {
        (self.name, self.machine, self.ssh, self.address) = (name, machine, ssh, address)
        (self.roles, self.cpus) = (roles, cpus)
        (self.clockOffset, self.loadToAppRoundTrip) = (clockOffset, loadToAppRoundTrip)
    }

    public var isLocal: Bool { ssh == nil }
}

// `run_hosts.cpus_json` holds `RunHost.cpus` as JSON: {"app": "0-1"}, role names as keys and
// Linux CPU lists as values.
extension ProcessRole: CodingKeyRepresentable {}

extension CPUSet: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let set = CPUSet(list: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(text.quoted) is not a Linux CPU list such as \"0-1,3\"")
        }
        self = set
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A variant's resolved configuration as stored in `variants.config_json`: what its app
/// server ran with. A published table's variants hold only `source`.
public struct VariantConfig: Sendable, Equatable, Codable {
    /// "gunicorn" or "command"; nil in runs stored before command servers.
    public var server: String? = nil
    public var module: String? = nil
    public var workerClass: String? = nil
    public var workers: Int? = nil
    public var threads: Int? = nil
    public var environment: [String: String]? = nil
    /// A command server's argv as the definition writes it.
    public var command: [String]? = nil
    /// The app server's command line with the machine-local parts as placeholders.
    public var commandLine: String? = nil
    /// "published" for a row of a published table.
    public var source: String? = nil

    enum CodingKeys: String, CodingKey {
        case server, module, workers, threads, environment, command, source
        case workerClass = "worker_class"
        case commandLine = "command_line"
    }

    package init(
        server: String? = nil, module: String? = nil, workerClass: String? = nil, workers: Int? = nil,
        threads: Int? = nil, environment: [String: String]? = nil, command: [String]? = nil,
        commandLine: String? = nil, source: String? = nil
    ) {
        (self.server, self.module, self.workerClass, self.workers) = (server, module, workerClass, workers)
        (self.threads, self.environment) = (threads, environment)
        (self.command, self.commandLine) = (command, commandLine)
        self.source = source
    }
}

/// A variant (a cell, in a sweep) as stored with its run: `variants.name` is how it is shown,
/// `variants.variant` and `cell_levels` which cell it is.
public struct NewVariant: Sendable {
    public var cell: CellID
    public var position: Int
    public var config: VariantConfig

    package init(cell: CellID, position: Int, config: VariantConfig) {
        (self.cell, self.position, self.config) = (cell, position, config)
    }
}

public struct StoredVariant: Sendable, Equatable {
    public var id: Int64
    public var runID: Int64
    /// Which cell this row measures; its variant alone outside a sweep.
    public var cell: CellID
    /// How the row was shown when it was stored (`variants.name`).
    public var name: String
    public var position: Int
    /// The stored text of `config`, exported as it is.
    public var configJSON: String
    public var config: VariantConfig

    public init(
        id: Int64, runID: Int64, cell: CellID, name: String? = nil, position: Int, configJSON: String,
        config: VariantConfig
    ) {
        self.id = id
        self.runID = runID
        self.cell = cell
        self.name = name ?? cell.description
        self.position = position
        self.configJSON = configJSON
        self.config = config
    }
}

public struct StoredRun: Sendable, Equatable {
    public var id: Int64
    public var experiment: String
    public var definitionHash: String
    public var machineID: Int64
    public var startedAt: Date
    public var finishedAt: Date?
    public var status: RunStatus
    public var kind: RunKind
    public var shuffleSeed: UInt64
    public var quick: Bool
    /// The run's stable identity (`runs.uid`), the same in every store that holds it.
    public var uid: String = ""
}

/// One line of `reportgen list`.
public struct RunListing: Sendable {
    public var run: StoredRun
    public var hostname: String
    public var variantCount: Int
    public var trialsOK: Int
    public var trialsFailed: Int
}
