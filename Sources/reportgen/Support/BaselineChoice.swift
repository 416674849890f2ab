import Core
import Definition
import Foundation
import Report
import Store

/// The baseline of a comparison, loaded as one side: what `--baseline` names.
struct LoadedBaseline {
    var side: ComparisonSide
    /// The baseline run's stable identity, so a run is never compared with itself.
    var uid: String?
}

/// Reads `--baseline`: a run id in the store, `published` (the experiment's baseline/*.csv),
/// `reference` (the export shipped in baseline/), or a file written by `reportgen export`.
enum BaselineChoice {
    static let reference = "reference"

    static func load(_ choice: String, definition: ExperimentDefinition, store results: ResultStore) throws -> LoadedBaseline {
        if choice == RunKind.published.rawValue {
            guard let file = try definition.publishedBaselineFile() else {
                throw ReportgenError(
                    .badArgument, "experiment \(definition.name) has no published baseline",
                    at: SourceLocation(file: DisplayPath.of(definition.directory.appendingPathComponent("baseline"))),
                    hint: "put the published table there as NAME.csv, or pass --baseline a run id or FILE.sqlite")
            }
            let published = try results.importPublished(csv: file, experiment: definition.name)
            return LoadedBaseline(
                side: try ComparisonSide.load(store: results, runID: published.id, label: PublishedCSV.label(for: file)),
                uid: try results.uid(ofRun: published.id))
        }
        if let id = Int64(choice) {
            return LoadedBaseline(
                side: try ComparisonSide.load(store: results, runID: id, includeUnsteady: definition.includeUnsteady),
                uid: try results.uid(ofRun: id))
        }
        if choice == reference {
            guard let file = try definition.referenceRunFile() else {
                throw ReportgenError(
                    .badArgument, "experiment \(definition.name) ships no reference run",
                    at: SourceLocation(file: DisplayPath.of(definition.directory.appendingPathComponent("baseline"))),
                    hint: "put an export of the run its report shows there: reportgen export RUN -o \(DisplayPath.of(definition.directory))/baseline/reference.sqlite.xz")
            }
            return try loadFile(file, shown: DisplayPath.of(file), definition: definition) { id, side in
                "reference (\(side.data.machine.hostname), run \(id))"
            }
        }
        return try loadFile(ProjectFolder.resolve(choice), shown: choice, definition: definition) { id, _ in
            "\(ProjectFolder.resolve(choice).lastPathComponent) run \(id)"
        }
    }

    private static func loadFile(
        _ file: URL, shown: String, definition: ExperimentDefinition, label: (Int64, ComparisonSide) -> String
    ) throws -> LoadedBaseline {
        // A side holds what it read: the private copy of the file is done with when it is loaded.
        try ResultStore.withSnapshot(of: file, cache: .standard) { copy in
            let id = try copy.store.baselineRun(experiment: definition.name, file: shown)
            var side = try ComparisonSide.load(store: copy.store, runID: id, includeUnsteady: definition.includeUnsteady)
            side.label = label(id, side)
            return LoadedBaseline(side: side, uid: try copy.store.uid(ofRun: id))
        }
    }
}
