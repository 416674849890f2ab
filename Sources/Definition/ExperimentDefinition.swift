import Core
import Foundation

/// A parsed, validated and expanded experiment: what `experiment.toml` declares, with every
/// path resolved against the experiment's folder and every list value expanded into variants.
public struct ExperimentDefinition: Sendable, Equatable {
    /// The experiment's name: its folder's name.
    public var name: String
    /// The folder that holds `experiment.toml`; apps are imported with it as working directory.
    public var directory: URL
    /// The definition file itself.
    public var file: URL
    /// The file's text exactly as read, stored with every run.
    public var text: String

    public var title: String
    /// Trials per variant; with `precision`, the rounds every variant gets before more are
    /// added only where needed.
    public var trials: Int
    /// Trials until the answer is clear (`trials = "auto"`); nil for a fixed number.
    public var precision: PrecisionTarget?
    /// The time budget of a capacity search run without trials added for precision
    /// (`--time-budget` with `--capacity`).
    public var searchBudget: Duration?
    /// No new round of added trials or capacity probes starts past this much of the run.
    public var timeBudget: Duration? { precision?.timeBudget ?? searchBudget }
    /// Whether trials whose window did not hold steady enter the statistics
    /// (`include_unsteady = true`); by default they are shown, not counted.
    public var includeUnsteady = false
    public var upstream: UpstreamSettings
    public var app: AppSettings
    public var load: LoadSettings
    /// Expanded variants in definition order.
    public var variants: [VariantDefinition]
    /// The settings written as lists, at most two: each variant runs at every combination
    /// of their levels (`cells`). Empty for an experiment at one fixed load.
    public var sweeps: [Sweep]
    /// Where the checked settings came from: a line of the file, or a flag. A setting left
    /// out of both has no entry.
    public var sources: [Setting: SettingSource]
    /// Which host each role runs on, and on which CPUs.
    public var placement: Placement

    public init(
        name: String, directory: URL, file: URL, text: String, title: String, trials: Int,
        precision: PrecisionTarget? = nil, upstream: UpstreamSettings, app: AppSettings, load: LoadSettings,
        variants: [VariantDefinition], sweeps: [Sweep] = [], sources: [Setting: SettingSource] = [:],
        placement: Placement = .local
    ) {
        self.placement = placement
        self.sweeps = sweeps
        self.precision = precision
        self.name = name
        self.directory = directory
        self.file = file
        self.text = text
        self.title = title
        self.trials = trials
        self.upstream = upstream
        self.app = app
        self.load = load
        self.variants = variants
        self.sources = sources
    }
}

/// When a run adds trials until each variant's requests/s is known well enough: after the
/// minimum rounds, another round for every variant whose 95% interval is still wider than
/// `target` (as a share of its mean, either side), until each meets it, reaches `maxTrials`,
/// or the time budget runs out — as Phoronix Test Suite's dynamic run counts do, with
/// intervals.
public struct PrecisionTarget: Sendable, Equatable {
    /// Half the interval's width over the mean: 0.05 is ±5%.
    public var target: Double
    public var maxTrials: Int
    /// No new round starts once this much of the run's wall time has passed.
    public var timeBudget: Duration?

    public static let defaultTarget = 0.05
    public static let defaultMaxTrials = 10
    /// The rounds every variant gets before any is judged.
    public static let minimumTrials = 3

    public init(target: Double = defaultTarget, maxTrials: Int = defaultMaxTrials, timeBudget: Duration? = nil) {
        self.target = target
        self.maxTrials = maxTrials
        self.timeBudget = timeBudget
    }

    /// "5%", "2.5%": a share as a percentage with the digits it needs.
    public static func percent(_ share: Double) -> String {
        let value = share * 100
        return (value.rounded() == value ? String(Int(value)) : String(format: "%.1f", value)) + "%"
    }
}

/// `[upstream]`: the shared server every variant's route calls.
public struct UpstreamSettings: Sendable, Equatable {
    /// Only "nginx" is supported.
    public var server: String
    /// Absolute path of the folder it serves.
    public var root: URL
    /// nginx worker processes (default 1).
    public var workers: Int
    /// How long nginx holds each response before sending it, on a timer (no CPU); zero for
    /// none. A swept delay's levels are in `ExperimentDefinition.sweeps`, and this is the first.
    public var delay: Duration

    public init(server: String, root: URL, workers: Int, delay: Duration = .zero) {
        self.server = server
        self.root = root
        self.workers = workers
        self.delay = delay
    }
}

/// `[app]`: defaults for every variant.
public struct AppSettings: Sendable, Equatable {
    /// The variants' server unless a variant names another.
    public var server: AppServerKind
    /// Absolute path of the pinned lock file; nil when the experiment needs no Python.
    public var requirements: URL?

    public init(server: AppServerKind, requirements: URL?) {
        self.server = server
        self.requirements = requirements
    }
}

/// `[load]`: how the load generator drives each variant.
public struct LoadSettings: Sendable, Equatable {
    public var generator: LoadGeneratorKind
    /// Route requested on the app, starting with "/".
    public var path: String
    public var connections: Int
    public var threads: Int
    /// Measured window.
    public var duration: Duration
    /// Per-request timeout.
    public var timeout: Duration
    /// Load before the measured window, not counted; zero for none.
    public var warmup: Duration
    /// The length of a timeline's intervals (`[load] interval`).
    public var interval: Duration
    /// Requests per second over all connections for an open loop (built-in generator only);
    /// nil for a closed loop, where each connection sends its next request on each response.
    public var rate: Double?
    /// The share of a trial's requests that may fail (non-2xx answers, connect, read and write
    /// errors; not timeouts) before the trial counts as failed.
    public var maxErrorRate: Double
    /// The target a capacity search finds each variant's highest rate for (`[load] capacity`);
    /// nil for no search.
    public var capacity: CapacityTarget?
    /// Each probe's measured window in a capacity search (`[load] probe`).
    public var probe: Duration = LoadSettings.defaultProbe
    /// How close the search brackets the capacity before it confirms it (`[load] resolution`):
    /// 0.05 stops when the highest rate that holds is within 5% of the lowest that does not.
    public var resolution: Double = LoadSettings.defaultResolution

    /// A capacity probe's window unless the definition says.
    public static let defaultProbe: Duration = .seconds(5)

    /// A capacity search's resolution unless the definition says.
    public static let defaultResolution = 0.05

    /// A timeline's intervals unless the definition says.
    public static let defaultInterval: Duration = .seconds(1)

    /// A trial may lose this share of its requests to errors unless the definition says.
    public static let defaultMaxErrorRate = 0.01

    public init(
        generator: LoadGeneratorKind, path: String, connections: Int, threads: Int,
        duration: Duration, timeout: Duration, warmup: Duration, interval: Duration = LoadSettings.defaultInterval,
        rate: Double? = nil, maxErrorRate: Double = LoadSettings.defaultMaxErrorRate
    ) {
        self.interval = interval
        self.rate = rate
        self.maxErrorRate = maxErrorRate
        self.generator = generator
        self.path = path
        self.connections = connections
        self.threads = threads
        self.duration = duration
        self.timeout = timeout
        self.warmup = warmup
    }
}

/// One expanded variant: the app settings merged with the variant's own keys.
public struct VariantDefinition: Sendable, Equatable {
    /// Which cell this is: the variant's unique name after expansion ("flask:50") and, for a
    /// cell of a sweep, the levels it runs at.
    public var cell: CellID
    /// How the cell is shown: "flask:50", or in a sweep "flask:50 @ delay=10ms".
    public var name: String { cell.description }
    /// Position in definition order, from 0.
    public var position: Int
    /// What runs: gunicorn with a module and worker class, or a command.
    public var server: AppServerSpec
    /// Worker processes: gunicorn `-w`, `{workers}` for a command.
    public var workers: Int
    /// gunicorn `--threads`, `{threads}` for a command; nil when not set.
    public var threads: Int?
    /// Extra environment for the app process (`env` table), sorted by key when used.
    public var environment: [String: String]
    /// The path that must answer 200 before the server counts as ready; nil: `load.path`.
    public var readyPath: String?
    /// How long it may take to get there; nil: the runner's default.
    public var readyTimeout: Duration?

    public init(
        name: String, position: Int, server: AppServerSpec, workers: Int, threads: Int?,
        environment: [String: String] = [:], readyPath: String? = nil, readyTimeout: Duration? = nil
    ) {
        self.cell = CellID(variant: name)
        self.position = position
        self.server = server
        self.workers = workers
        self.threads = threads
        self.environment = environment
        self.readyPath = readyPath
        self.readyTimeout = readyTimeout
    }

    /// A gunicorn variant.
    public init(
        name: String, position: Int, module: String, workerClass: String, workers: Int, threads: Int?,
        environment: [String: String] = [:]
    ) {
        self.init(
            name: name, position: position, server: .gunicorn(module: module, workerClass: workerClass),
            workers: workers, threads: threads, environment: environment)
    }

    /// The WSGI/ASGI target of a gunicorn variant.
    public var module: String? {
        if case .gunicorn(let module, _) = server { return module }
        return nil
    }

    /// gunicorn's `-k` of a gunicorn variant.
    public var workerClass: String? {
        if case .gunicorn(_, let workerClass) = server { return workerClass }
        return nil
    }

    /// Whether it needs the experiment's Python environment.
    public var needsPython: Bool {
        switch server {
        case .gunicorn: return true
        case .command(let template): return template.placeholders(environment: environment).contains(Placeholder.python.rawValue)
        }
    }
}
