import ArgumentParser
import Experiments
import Foundation

/// The flags shared by `run` and `build`: which experiment, how to shape it, where to store.
struct RunFlags: ParsableArguments {
    @Argument(help: "An experiment folder name under experiments/, or a path. Default: aiohttp-vs-flask.")
    var experiment: String?

    @Flag(help: "A smoke run: 1 trial, 3 s windows, 1 s warm-up. Reports say so.")
    var quick = false

    @Option(help: "Trials per variant (overrides the definition).")
    var trials: Int?

    @Option(help: "Measured window per trial, e.g. 20s (wrk takes whole seconds; builtin any length).")
    var duration: String?

    @Option(help: "Discarded warm-up before each window, e.g. 2s; 0s for none.")
    var warmup: String?

    @Option(help: "Concurrent connections of the load generator.")
    var connections: Int?

    @Option(help: "Only these variants, comma-separated, e.g. aiohttp,flask:10.")
    var variants: String?

    @Option(help: "Load generator: wrk, or builtin (keeps every request; see 'reportgen load').")
    var generator: String?

    @Option(help: "Open loop at this many requests/s over all connections (builtin only), like wrk2 -R.")
    var rate: Double?

    @Flag(help: "Start a new run even if one with the same definition exists.")
    var rerun = false

    @Flag(help: "Stop at the first failed trial.")
    var failFast = false

    @Option(help: "The results store.")
    var db: String = "output/results.sqlite"

    @Option(help: "Where reports are written (one folder per experiment).")
    var output: String = "output"

    func validate() throws {
        if let trials, trials < 1 { throw ValidationError("--trials must be at least 1, got \(trials)") }
        if let connections, connections < 1 {
            throw ValidationError("--connections must be at least 1, got \(connections)")
        }
        if let duration {
            guard let value = RunOverrides.parseDuration(duration), value > .zero else {
                throw ValidationError("--duration '\(duration)' is not a positive duration; write e.g. 20s or 1m")
            }
        }
        if let warmup, RunOverrides.parseDuration(warmup) == nil {
            throw ValidationError("--warmup '\(warmup)' is not a duration; write e.g. 2s, or 0s for none")
        }
    }

    var overrides: RunOverrides {
        var overrides = RunOverrides()
        overrides.quick = quick
        overrides.trials = trials
        overrides.duration = duration.flatMap(RunOverrides.parseDuration)
        overrides.warmup = warmup.flatMap(RunOverrides.parseDuration)
        overrides.connections = connections
        overrides.generator = generator
        overrides.rate = rate
        overrides.variants = variants.map {
            $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return overrides
    }

    var projectRoot: URL { URL(fileURLWithPath: FileManager.default.currentDirectoryPath) }

    var storeURL: URL { URL(fileURLWithPath: db, relativeTo: projectRoot).standardizedFileURL }

    var outputURL: URL { URL(fileURLWithPath: output, relativeTo: projectRoot).standardizedFileURL }

    /// Loads, validates and shapes the definition, opens the store, and runs what is missing.
    func measure() throws -> (RunOutcome, ExperimentDefinition, ResultStore) {
        let loaded = try DefinitionLoader.load(experiment: experiment, projectRoot: projectRoot)
        let overrides = overrides
        let definition = try loaded.applying(overrides)
        let store = try ResultStore(path: storeURL)
        Interrupt.installSignalHandlers()
        let progress = ProgressPrinter(definition: definition)
        let runner = ExperimentRunner(
            definition: definition, overrides: overrides, store: store, projectRoot: projectRoot,
            interrupt: .shared, events: progress.handle)
        runner.rerun = rerun
        runner.failFast = failFast
        let outcome = try runner.run()
        progress.finish(outcome, store: storeURL.path)
        return (outcome, loaded, store)
    }
}
