import ArgumentParser
import Experiments
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
            comparison.pdf into the experiment's output folder. A FILE.sqlite baseline is read \
            from a private copy and never imported. Runs of different definitions are refused \
            with exit 65 unless --allow-definition-change.
            """)

    @Argument(help: "An experiment folder name under experiments/, or a path. Default: aiohttp-vs-flask.")
    var experiment: String?

    @Option(help: ArgumentHelp(
        "A run id in --db, 'published' (the experiment's baseline/*.csv), or a FILE.sqlite written by 'reportgen export'.",
        valueName: "run|published|file"))
    var baseline: String

    @Option(help: ArgumentHelp(
        "The run compared with the baseline. Default: the newest complete measured run of the experiment in --db.",
        valueName: "run"))
    var against: Int64?

    @Option(help: "The results store.")
    var db: String = "output/results.sqlite"

    @Flag(help: "Compare runs whose definitions differ, and list the differences.")
    var allowDefinitionChange = false

    @Option(help: "Where reports are written (one folder per experiment).")
    var output: String = "output"

    func validate() throws {
        if baseline.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--baseline needs a run id, 'published' or a FILE.sqlite")
        }
    }

    func run() throws {
        try reportingErrors {
            let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            let definition = try DefinitionLoader.load(experiment: experiment, projectRoot: root)
            let store = try existingStore(
                db, root: root,
                hint: "measure first with 'reportgen run', or pass --db the store that holds the run to compare")
            // Kept alive until the comparison is written: it owns the copy a file baseline is read from.
            var snapshot: StoreSnapshot?
            let baselineSide: ComparisonSide
            let baselineUID: String?
            if baseline == "published" {
                guard let published = try PublishedBaseline.load(for: definition, store: store) else {
                    throw ReportgenError(
                        .badArgument, "experiment \(definition.name) has no published baseline",
                        at: SourceLocation(file: Self.show(definition.directory.appendingPathComponent("baseline"))),
                        hint: "put the published table there as NAME.csv, or pass --baseline a run id or FILE.sqlite")
                }
                baselineSide = try ComparisonSide.load(store: store, runID: published.run.id, label: published.label)
                baselineUID = try store.uid(ofRun: published.run.id)
            } else if let id = Int64(baseline) {
                baselineSide = try ComparisonSide.load(store: store, runID: id)
                baselineUID = try store.uid(ofRun: id)
            } else {
                let file = URL(fileURLWithPath: baseline, relativeTo: root).standardizedFileURL
                let copy = try ResultStore.snapshot(of: file)
                snapshot = copy
                let id = try Self.run(in: copy.store, experiment: definition.name, file: baseline)
                baselineSide = try ComparisonSide.load(store: copy.store, runID: id, label: "\(file.lastPathComponent) run \(id)")
                baselineUID = try copy.store.uid(ofRun: id)
            }

            let againstID = try against ?? Self.newestRun(in: store, experiment: definition.name, excluding: baselineUID, db: db)
            if let baselineUID, try store.uid(ofRun: againstID) == baselineUID {
                throw ReportgenError(
                    .badArgument, "the baseline and --against are the same run (\(againstID))",
                    hint: "pass --against another run; 'reportgen list --db \(db)' shows them")
            }
            let againstSide = try ComparisonSide.load(store: store, runID: againstID)
            guard !againstSide.isPublished else {
                throw ReportgenError(
                    .badArgument, "--against \(againstID) is a published table, not a measured run",
                    hint: "compare a measured run against it: --baseline published")
            }

            let comparison = try RunComparison.compare(
                baseline: baselineSide, against: againstSide, allowDefinitionChange: allowDefinitionChange,
                definitionFile: Self.show(definition.file))
            print(ComparisonReport.text(comparison))
            let folder = URL(fileURLWithPath: output, relativeTo: root).standardizedFileURL
                .appendingPathComponent(definition.name)
            let files = try ComparisonReport.write(comparison, folder: folder)
            print("comparison: \(Self.show(files.markdown)), \(Self.show(files.pdf)); charts: \(files.charts.map { Self.show($0.png) }.joined(separator: ", ")) (+ .svg, .pdf)")
            withExtendedLifetime(snapshot) {}
        }
    }

    /// A path relative to the working directory when it lies inside it.
    static func show(_ url: URL) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        return url.path.hasPrefix(cwd) ? String(url.path.dropFirst(cwd.count)) : url.path
    }

    /// The run of `experiment` a results file holds: its only run, or its newest complete
    /// measured one.
    static func run(in store: ResultStore, experiment: String, file: String) throws -> Int64 {
        let runs = try store.listRuns()
        if runs.count == 1, let only = runs.first { return only.run.id }
        if let latest = try store.latestRun(experiment: experiment), latest.status == .complete { return latest.id }
        throw ReportgenError(
            .badArgument, "the file holds \(runs.count) runs and no complete measured run of \(experiment)",
            at: SourceLocation(file: file), hint: "export the one run to compare: reportgen export RUN -o FILE.sqlite")
    }

    /// The newest (by start time) complete measured run of `experiment`, other than the baseline.
    static func newestRun(in store: ResultStore, experiment: String, excluding uid: String?, db: String) throws -> Int64 {
        var newest: StoredRun?
        for listing in try store.listRuns() where listing.run.experiment == experiment && listing.run.status == .complete {
            let run = listing.run
            guard try store.kind(ofRun: run.id) == RunKind.measured.rawValue else { continue }
            if let uid, try store.uid(ofRun: run.id) == uid { continue }
            if newest.map({ run.startedAt > $0.startedAt }) ?? true { newest = run }
        }
        guard let newest else {
            throw ReportgenError(
                .badArgument, "\(db) holds no other complete measured run of \(experiment) to compare",
                hint: "measure one with 'reportgen run \(experiment) --db \(db)', or pass --against RUN")
        }
        return newest.id
    }
}
