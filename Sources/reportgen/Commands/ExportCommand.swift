import ArgumentParser
import Foundation

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write one stored run into a self-contained results file for 'reportgen import' elsewhere.",
        discussion: """
            The file is a reportgen store holding just that run: its machine, variants, trials \
            with every latency and resource sample, and the published table of its experiment \
            (so the file renders and compares anywhere). A name ending in .xz writes it \
            xz-compressed; every command that reads an export reads both. It is never written \
            over: pass a path that does not exist.
            """)

    @Argument(help: ArgumentHelp("The run to export (see 'reportgen list').", valueName: "run"))
    var runID: Int64

    @Option(name: [.customShort("o"), .customLong("output")], help: "The file to write, e.g. bench-1.sqlite or bench-1.sqlite.xz.")
    var output: String

    @OptionGroup var store: StoreOptions

    func run() throws {
        try reportingErrors {
            let results = try store.openExisting(hint: "pass --db the store that holds the run")
            let summary = try results.exportRun(id: runID, to: ProjectFolder.resolve(output))
            let exported = summary.run
            print("exported run \(exported.id) (\(exported.kind.rawValue) run of \(exported.experiment), \(exported.status.rawValue); uid \(exported.uid))")
            print("  \(summary.variants) variants, \(summary.trials) trials, \(summary.latencyRows) latency rows → \(output)")
            if let published = summary.publishedRun {
                print("  with published run \(published.id) of \(published.experiment) (uid \(published.uid)), the table its report compares with")
            }
        }
    }
}
