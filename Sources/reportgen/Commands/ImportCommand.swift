import ArgumentParser
import Core
import Foundation
import Store

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Merge the runs of an exported results file into the store; importing twice keeps one copy.",
        discussion: """
            Runs are matched by their stable identity (runs.uid), machines by fingerprint. The \
            file is only read. A file that is not a reportgen store, or comes from a newer \
            reportgen, is refused (exit 66) and neither file changes. A run whose identity the \
            store holds with other content is a conflict: the whole file is refused (exit 65). \
            Imported runs are listed as imported and never continued by build.
            """)

    @Argument(help: "A file written by 'reportgen export' (or another reportgen store).")
    var file: String

    @OptionGroup var store: StoreOptions

    func run() throws {
        try reportingErrors {
            let outcome = try ResultStore.withSnapshot(of: ProjectFolder.resolve(file), cache: .standard) { snapshot in
                // Check the file before opening the store, so a refused file leaves --db untouched.
                try snapshot.checkReadable()
                return try store.open().importRuns(from: snapshot)
            }
            for run in outcome.imported {
                printSafely("imported run \(run.id): \(run.kind.rawValue) run of \(run.experiment), \(run.status.rawValue) (uid \(run.uid))")
            }
            for run in outcome.alreadyPresent {
                printSafely("already present as run \(run.id): \(run.kind.rawValue) run of \(run.experiment) (uid \(run.uid)); left as it was")
            }
            let machines = outcome.machinesAdded == 1 ? "1 new machine" : "\(outcome.machinesAdded) new machines"
            printSafely("\(outcome.imported.count) imported, \(outcome.alreadyPresent.count) already present, \(machines) → \(store.db)")
        }
    }
}
