import Core

/// A setting that the rules check and the command line may override. Its key path names it
/// in a definition file, its flag on the command line.
public enum Setting: String, Sendable, CaseIterable {
    case trials
    case precision
    case maxTrials = "max_trials"
    case timeBudget = "time_budget"
    case generator = "load.generator"
    case path = "load.path"
    case connections = "load.connections"
    case threads = "load.threads"
    case duration = "load.duration"
    case timeout = "load.timeout"
    case warmup = "load.warmup"
    case rate = "load.rate"
    case capacity = "load.capacity"
    case probe = "load.probe"
    case resolution = "load.resolution"

    public var keyPath: String { rawValue }

    /// The run flag that sets it, if one does.
    public var flag: String? {
        switch self {
        case .trials: return "--trials"
        case .precision: return "--precision"
        case .maxTrials: return "--max-trials"
        case .timeBudget: return "--time-budget"
        case .generator: return "--generator"
        case .connections: return "--connections"
        case .threads: return "--threads"
        case .duration: return "--duration"
        case .warmup: return "--warmup"
        case .rate: return "--rate"
        case .capacity: return "--capacity"
        case .path, .timeout, .probe, .resolution: return nil
        }
    }
}

/// Where a setting's value came from, so that an error points at what the person wrote.
public enum SettingSource: Sendable, Equatable {
    /// Written in the definition file on `line`; nil when left out (its default applies).
    case file(line: Int?)
    /// Given on the command line with `flag`, or implied by one (`--quick`).
    case flag(String)
}

extension LoadSettings {
    /// The duration-valued settings by name, for rules that treat them alike.
    subscript(duration setting: Setting) -> Duration {
        switch setting {
        case .timeout: return timeout
        case .warmup: return warmup
        default: return duration
        }
    }
}
