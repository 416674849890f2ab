import ArgumentParser
import Experiments
import Foundation

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check an experiment definition and show the variants it expands to.")

    @Argument(help: "An experiment folder name under experiments/, or a path. Default: aiohttp-vs-flask.")
    var experiment: String?

    func run() throws {
        try reportingErrors {
            let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            let definition = try DefinitionLoader.load(experiment: experiment, projectRoot: root)
            try LoadCheck.validate(definition)
            let load = definition.load
            print("\(definition.file.path): ok")
            print("  \(definition.title)")
            print("  \(definition.variants.count) variants × \(definition.trials) trials; \(load.generator)\(load.rate.map { " (open loop at \($0) requests/s)" } ?? "") with \(load.connections) connections, \(load.threads) threads, \(load.duration) windows after \(load.warmup) warm-up, timeout \(load.timeout), path \(load.path)")
            for variant in definition.variants {
                let threads = variant.threads.map { " --threads \($0)" } ?? ""
                print("  \(variant.name): \(variant.module) -w \(variant.workers) -k \(variant.workerClass)\(threads)")
            }
        }
    }
}

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List experiments, stored runs and the machines they ran on.")

    @Option(help: "The results store.")
    var db: String = "output/results.sqlite"

    func run() throws {
        try reportingErrors {
            let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            let experiments = (try? FileManager.default.contentsOfDirectory(
                atPath: root.appendingPathComponent("experiments").path)) ?? []
            print("Experiments:")
            for name in experiments.sorted() {
                let file = root.appendingPathComponent("experiments/\(name)/experiment.toml")
                if FileManager.default.fileExists(atPath: file.path) { print("  \(name)") }
            }
            let path = URL(fileURLWithPath: db, relativeTo: root).standardizedFileURL
            guard FileManager.default.fileExists(atPath: path.path) else {
                print("\nNo runs yet (no store at \(db)).")
                return
            }
            let store = try ResultStore(path: path)
            let runs = try store.listRuns()
            print("\nRuns in \(db):")
            let rows = runs.map { listing -> [String] in
                let run = listing.run
                return [
                    "\(run.id)", run.experiment + (run.quick ? " (quick)" : ""), run.status.rawValue,
                    Timestamps.display(run.startedAt), "\(listing.variantCount)",
                    "\(listing.trialsOK)", "\(listing.trialsFailed)", listing.hostname,
                ]
            }
            print(TextTable.render(
                header: ["run", "experiment", "status", "started (UTC)", "variants", "trials ok", "failed", "machine"],
                rows: rows, rightAligned: [0, 4, 5, 6]))
            var machines: [Int64: MachineInfo] = [:]
            for listing in runs where machines[listing.run.machineID] == nil {
                machines[listing.run.machineID] = try store.machine(id: listing.run.machineID)
            }
            print("\nMachines:")
            for (id, machine) in machines.sorted(by: { $0.key < $1.key }) {
                // A published baseline's machine has no measured facts, only its description.
                guard machine.cpuCores > 0 else {
                    print("  \(id): \(machine.hostname): \(machine.cpuModel)")
                    continue
                }
                let gib = Double(machine.memoryBytes) / Double(1 << 30)
                print("  \(id): \(machine.hostname): \(machine.cpuModel), \(machine.cpuCores) cores, \(String(format: "%.1f", gib)) GiB, \(machine.kernel), \(machine.os)")
            }
        }
    }
}

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor", abstract: "Show what this machine is missing and the command that installs it.")

    func run() throws {
        var missing: [String] = []
        for requirement in Requirement.all {
            let present = requirement.isPresent()
            print("\(present ? "ok     " : "MISSING") \(requirement.name) — \(requirement.purpose)")
            if !present { missing.append(requirement.package) }
        }
        if missing.isEmpty {
            print("\nEverything reportgen needs to run is installed.")
        } else {
            print("\nInstall what is missing with:\n  \(ToolCheck.installCommand(missing))")
            throw ExitCode(69)
        }
    }
}
