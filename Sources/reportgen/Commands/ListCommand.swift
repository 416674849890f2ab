import ArgumentParser
import Core
import Definition
import Foundation
import Records
import Report
import Store

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List experiments, stored runs and the machines they ran on.")

    @OptionGroup var store: StoreOptions

    func run() throws {
        try reportingErrors {
            printSafely("Experiments:")
            for name in DefinitionLoader.availableExperiments(projectRoot: ProjectFolder.root) {
                printSafely("  \(name)")
            }
            guard FileManager.default.fileExists(atPath: store.url.path) else {
                printSafely("\nNo runs yet (no store at \(store.db)).")
                return
            }
            let results = try store.open()
            let runs = try results.listRuns()
            printSafely("\nRuns in \(store.db):")
            let rows = try runs.map { listing -> [String] in
                let run = listing.run
                return [
                    "\(run.id)", run.experiment + (run.quick ? " (quick)" : ""), run.status.rawValue,
                    Timestamps.display(run.startedAt), "\(listing.variantCount)",
                    "\(listing.trialsOK)", "\(listing.trialsFailed)", try Self.machine(listing, origin: results.origin(ofRun: run.id)),
                ]
            }
            printSafely(ResultsTable.grid(
                header: ["run", "experiment", "status", "started (UTC)", "variants", "trials ok", "failed", "machine"],
                rows: rows, rightAligned: [0, 4, 5, 6], format: .text), terminator: "")
            var machines: [Int64: MachineInfo] = [:]
            for listing in runs where machines[listing.run.machineID] == nil {
                machines[listing.run.machineID] = try results.machine(id: listing.run.machineID)
            }
            printSafely("\nMachines:")
            for (id, machine) in machines.sorted(by: { $0.key < $1.key }) {
                // A published table's machine has no measured facts, only its description.
                guard !machine.isPublished else {
                    printSafely("  \(id): \(machine.hostname): \(machine.cpuModel)")
                    continue
                }
                let gib = Double(machine.memoryBytes) / Double(1 << 30)
                printSafely("  \(id): \(machine.hostname): \(machine.cpuModel), \(machine.cpuCores) cores, \(String(format: "%.1f", gib)) GiB, \(machine.kernel), \(machine.os)")
            }
        }
    }

    /// The run's machine, and where the run came from when it was not measured in this store:
    /// "vm (imported)". `build` never continues such a run.
    private static func machine(_ listing: RunListing, origin: RunOrigin) -> String {
        origin.isLocal ? listing.hostname : "\(listing.hostname) (\(origin.word))"
    }
}
