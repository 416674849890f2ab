import Experiments
import Foundation

/// The numbers someone published for an experiment, as reports and `reportgen compare` use
/// them: the CSV in `experiments/NAME/baseline/`, imported into the store as a run of kind
/// `published` (one value per variant, no trials).
public struct PublishedBaseline: Sendable {
    /// "published 2017", from the file name.
    public var label: String
    /// The CSV, as a path to show.
    public var file: String
    /// The imported run.
    public var run: StoredRun
    /// In the table's order.
    public var rows: [PublishedRow]

    /// What column headers call the baseline: "2017" for "published 2017".
    public var shortLabel: String {
        label.hasPrefix("published ") ? String(label.dropFirst("published ".count)) : label
    }

    /// The row of `variant`, if the table has one.
    public func row(_ variant: String) -> PublishedRow? {
        rows.first { $0.variant == variant }
    }

    /// The published windows in seconds, shortest and longest, if the table gives them.
    public var windowRange: ClosedRange<Double>? {
        let windows = rows.compactMap(\.durationS)
        guard let low = windows.min(), let high = windows.max() else { return nil }
        return low...high
    }

    /// The baseline CSV of `experiment` (`baseline/*.csv`); nil when it has none. More than
    /// one CSV is an error: a report compares with one published table.
    public static func file(for experiment: ExperimentDefinition) throws -> URL? {
        let folder = experiment.directory.appendingPathComponent("baseline", isDirectory: true)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let csvs = names.filter { $0.lowercased().hasSuffix(".csv") }.sorted()
        guard csvs.count <= 1 else {
            throw ReportgenError(
                .badDefinition, "\(csvs.count) published tables (\(csvs.joined(separator: ", "))); a report compares with one",
                at: SourceLocation(file: ReportBuilder.displayPath(folder)),
                hint: "keep one CSV in baseline/ and move the others elsewhere")
        }
        return csvs.first.map { folder.appendingPathComponent($0) }
    }

    /// Imports the experiment's baseline CSV into `store` (once: importing is idempotent) and
    /// reads it back; nil when the experiment has no baseline.
    public static func load(for experiment: ExperimentDefinition, store: ResultStore) throws -> PublishedBaseline? {
        guard let file = try file(for: experiment) else { return nil }
        let run = try store.importPublished(csv: file, experiment: experiment.name)
        return PublishedBaseline(
            label: PublishedCSV.label(for: file), file: ReportBuilder.displayPath(file), run: run,
            rows: try store.publishedRows(runID: run.id))
    }
}
