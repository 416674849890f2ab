import ArgumentParser
import Experiments

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check an experiment definition and show the variants it expands to.")

    @OptionGroup var experiment: ExperimentArgument

    func run() throws {
        try reportingErrors {
            let definition = try experiment.load()
            let load = definition.load
            print("\(definition.file.path): ok")
            print("  \(definition.title)")
            print("  \(definition.variants.count) variants × \(definition.trials) trials; \(load.generator.rawValue)\(load.rate.map { " (open loop at \($0) requests/s)" } ?? "") with \(load.connections) connections, \(load.threads) threads, \(load.duration) windows after \(load.warmup) warm-up, timeout \(load.timeout), path \(load.path)")
            for variant in definition.variants {
                switch variant.server {
                case .gunicorn(let module, let workerClass):
                    let threads = variant.threads.map { " --threads \($0)" } ?? ""
                    print("  \(variant.name): \(module) -w \(variant.workers) -k \(workerClass)\(threads)")
                case .command(let template):
                    print("  \(variant.name): \(template.commandLine)")
                }
            }
        }
    }
}
