import ArgumentParser
import Core
import Definition
import Foundation
import Runner

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check an experiment definition and show the variants, the grid and the run time it expands to.")

    @OptionGroup var experiment: ExperimentArgument
    @OptionGroup var store: StoreOptions

    func run() throws {
        try reportingErrors {
            let definition = try experiment.load()
            let load = definition.load
            print("\(definition.file.path): ok")
            print("  \(definition.title)")
            let connections = sweep(definition, .connections) ?? "\(load.connections)"
            let rate = sweep(definition, .rate) ?? load.rate.map { "\($0)" }
            print("  \(definition.variants.count) variants × \(definition.trials) trials; \(load.generator.rawValue)\(rate.map { " (open loop at \($0) requests/s)" } ?? "") with \(connections) connections, \(load.threads) threads, \(load.duration) windows after \(load.warmup) warm-up, timeout \(load.timeout), path \(load.path)")
            for variant in definition.variants {
                let workers = sweep(definition, .workers) ?? "\(variant.workers)"
                switch variant.server {
                case .gunicorn(let module, let workerClass):
                    let threads = variant.threads.map { " --threads \($0)" } ?? ""
                    print("  \(variant.name): \(module) -w \(workers) -k \(workerClass)\(threads)")
                case .command(let template):
                    print("  \(variant.name): \(template.commandLine)")
                }
            }
            if definition.isSweep {
                print("  grid: \(definition.variants.count) variants × " + definition.sweeps.map { sweep in
                    "\(sweep.levels.count) levels of \(sweep.setting.rawValue) (\(sweep.levels.map(\.label).joined(separator: ", ")))"
                }.joined(separator: " × ") + " = \(definition.cells.count) cells")
            } else if definition.upstream.delay > .zero {
                print("  upstream delay: \(SweepLevel.delay(definition.upstream.delay).label) per response")
            }
            if let target = definition.load.capacity {
                let load = definition.load
                print("  capacity at \(target): probes of \(DurationSyntax.format(load.probe)) after \(DurationSyntax.format(min(load.warmup, load.probe))) warm-up, bracketed to \(String(format: "%g", load.resolution * 100))%, \(CapacityPlan.confirmationRates) rates confirmed \(definition.trials)×")
            }
            // An estimate from this machine's earlier trials of this experiment, else of any;
            // never creates a store.
            var overhead: Double?
            if FileManager.default.fileExists(atPath: store.url.path), let opened = try? store.open() {
                overhead = (try? opened.trialOverhead(experiment: definition.name)) ?? (try? opened.trialOverhead(experiment: nil))
            }
            print("  estimated run time: " + RunEstimate(definition: definition, storedOverhead: overhead).text)
        }
    }

    /// A swept setting's levels as "0ms, 10ms, 50ms"; nil when it is not swept.
    private func sweep(_ definition: ExperimentDefinition, _ setting: SweptSetting) -> String? {
        definition.sweeps.first { $0.setting == setting }.map { "[" + $0.levels.map(\.label).joined(separator: ", ") + "]" }
    }
}
