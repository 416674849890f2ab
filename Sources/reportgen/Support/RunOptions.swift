import ArgumentParser
import Core
import Definition
import Foundation
import Runner
import Store
import Supervision

/// The flags shared by `run` and `build`: which experiment, how to shape it, where to store.
struct RunOptions: ParsableArguments {
    @OptionGroup var experiment: ExperimentArgument

    @Flag(help: "A smoke run: 1 trial, 3 s windows, 1 s warm-up. Reports say so.")
    var quick = false

    @Option(help: "Trials per variant (overrides the definition).")
    var trials: Int?

    @Option(help: "Measured window per trial, e.g. 20s (wrk takes whole seconds; builtin any length).")
    var duration: DurationArgument?

    @Option(help: "Discarded warm-up before each window, e.g. 2s; 0s for none.")
    var warmup: DurationArgument?

    @Option(help: "Concurrent connections of the load generator.")
    var connections: Int?

    @Option(help: "Only these variants, comma-separated, e.g. aiohttp,flask:10.")
    var variants: String?

    @Option(help: "Load generator: wrk, or builtin (keeps every request; see 'reportgen load').")
    var generator: LoadGeneratorKind?

    @Option(help: "Open loop at this many requests/s over all connections (builtin only), like wrk2 -R.")
    var rate: Double?

    @Option(help: ArgumentHelp(
        "Find each variant's highest rate that keeps this target, e.g. \"p99<=100ms\" or \"p99<=100ms and errors<=0.1%\" (builtin only).",
        discussion: "After the measured trials, each variant's search probes open-loop rates, then confirms around the highest that holds."))
    var capacity: String?

    @Option(help: ArgumentHelp(
        "Add trials until each variant's 95% interval of requests/s is within this share of its mean, e.g. 5%.",
        discussion: "After 3 interleaved rounds, each variant still wider than the target gets another trial per round."))
    var precision: PercentArgument?

    @Option(help: "With --precision or trials = \"auto\": the most trials a variant gets (default 10).")
    var maxTrials: Int?

    @Option(help: "With --precision, trials = \"auto\" or --capacity: start no round that would end after this much trial time, e.g. 30m.")
    var timeBudget: DurationArgument?

    @Flag(help: "Start a new run even if one with the same definition exists.")
    var rerun = false

    @Flag(help: "Stop at the first failed trial.")
    var failFast = false

    @OptionGroup var store: StoreOptions

    var overrides: RunOverrides {
        RunOverrides(
            quick: quick, trials: trials, duration: duration?.duration, warmup: warmup?.duration,
            connections: connections,
            variants: variants.map {
                $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            },
            generator: generator, rate: rate, precision: precision?.share, maxTrials: maxTrials,
            timeBudget: timeBudget?.duration, capacity: capacityTarget)
    }

    /// `--capacity` read; nil when not given or unreadable (`validate` refuses the latter).
    var capacityTarget: CapacityTarget? {
        capacity.flatMap { CapacityArgument(argument: $0)?.target }
    }

    /// Refuses an unreadable `--capacity` with what is wrong and how a target is written.
    func validateCapacity() throws {
        if let capacity, let problem = CapacityArgument.problem(capacity) {
            throw ReportgenError(.badArgument, "--capacity \(capacity.quoted): \(problem)")
        }
    }

    /// Loads and shapes the definition, opens the store, and runs what is missing, showing
    /// progress; returns the outcome, the definition as written, and the store.
    func measure() async throws -> (RunOutcome, ExperimentDefinition, ResultStore) {
        let loaded = try experiment.load()
        try validateCapacity()
        let overrides = overrides
        let definition = try loaded.applying(overrides)
        let results = try store.open()
        Interrupt.installSignalHandlers()
        let progress = ProgressPrinter(definition: definition)
        var options = RunnerOptions()
        options.rerun = rerun
        options.failFast = failFast
        options.loadExecutable = ProjectFolder.executable
        let runner = ExperimentRunner(
            definition: definition, overrides: overrides, store: results, projectRoot: ProjectFolder.root,
            interrupt: .shared, options: options, events: progress.handle)
        let outcome = try await runner.run()
        progress.finish(outcome, store: store.url.path)
        return (outcome, loaded, results)
    }
}
