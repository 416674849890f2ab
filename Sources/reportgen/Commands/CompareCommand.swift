import ArgumentParser
import Core
import Foundation
import Report

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare a run with a baseline: another run, the published numbers, or an exported file.",
        discussion: """
            Per variant: the ratio of requests/s, p50 and p99 latency with 95% bootstrap \
            intervals from the trials, Welch's t-test on requests/s, a verdict that knows more \
            requests is better and more latency worse, the change in rank, and what differs \
            between the two machines. Prints a table and writes comparison.md, its charts and \
            comparison.pdf into the experiment's output folder. A file baseline (the shipped \
            reference too) is read from a private copy and never imported. Runs of different definitions are refused \
            with exit 65 unless --allow-definition-change.
            """)

    @OptionGroup var experiment: ExperimentArgument

    @Option(help: ArgumentHelp(
        "A run id in --db, 'published' (the experiment's baseline/*.csv), 'reference' (the run shipped in its baseline/), or a FILE.sqlite[.xz] written by 'reportgen export'.",
        valueName: "run|published|reference|file"))
    var baseline: String

    @Option(help: ArgumentHelp(
        "The run compared with the baseline. Default: the newest complete measured run of the experiment in --db.",
        valueName: "run"))
    var against: Int64?

    @OptionGroup var store: StoreOptions

    @Flag(help: "Compare runs whose definitions differ, and list the differences.")
    var allowDefinitionChange = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if baseline.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--baseline needs a run id, 'published', 'reference' or a FILE.sqlite")
        }
    }

    func run() throws {
        try reportingErrors {
            let definition = try experiment.load()
            let results = try store.openExisting(
                hint: "measure first with 'reportgen run', or pass --db the store that holds the run to compare")
            let loaded = try BaselineChoice.load(baseline, definition: definition, store: results)
            let baselineSide = loaded.side
            let baselineUID = loaded.uid
            let againstID: Int64
            if let against {
                againstID = against
            } else if let newest = try results.newestMeasuredRun(experiment: definition.name, excluding: baselineUID) {
                againstID = newest.id
            } else {
                throw ReportgenError(
                    .badArgument, "\(store.db) holds no other complete measured run of \(definition.name) to compare",
                    hint: "measure one with 'reportgen run \(definition.name) --db \(store.db)', or pass --against RUN")
            }
            if let baselineUID, try results.uid(ofRun: againstID) == baselineUID {
                throw ReportgenError(
                    .badArgument, "the baseline and --against are the same run (\(againstID))",
                    hint: "pass --against another run; 'reportgen list --db \(store.db)' shows them")
            }
            let againstSide = try ComparisonSide.load(store: results, runID: againstID)
            guard !againstSide.isPublished else {
                throw ReportgenError(
                    .badArgument, "--against \(againstID) is a published table, not a measured run",
                    hint: "compare a measured run against it: --baseline published")
            }

            let comparison = try RunComparison.compare(
                baseline: baselineSide, against: againstSide, allowDefinitionChange: allowDefinitionChange,
                definitionFile: DisplayPath.of(definition.file))
            printSafely(ComparisonReport.text(comparison))
            let folder = output.url.appendingPathComponent(definition.name)
            let files = try ComparisonReport.write(comparison, folder: folder)
            printSafely("comparison: \(DisplayPath.of(files.markdown)), \(DisplayPath.of(files.pdf)); charts: \(files.charts.map { DisplayPath.of($0.png) }.joined(separator: ", ")) (+ .svg, .pdf)")
        }
    }
}
