import Core
import Definition
import Foundation
import Store

/// The numbers someone published for an experiment, as reports and `reportgen compare` use
/// them: the CSV in `experiments/NAME/baseline/`, one value per variant and no trials.
public struct PublishedBaseline: Sendable {
    /// "published 2017", from the file name.
    public var label: String
    /// The CSV, as a path to show.
    public var file: String
    /// In the table's order.
    public var rows: [PublishedRow]

    /// What column headers call the baseline: "2017" for "published 2017".
    public var shortLabel: String {
        label.hasPrefix("published ") ? String(label.dropFirst("published ".count)) : label
    }

    /// The row of `cell`, if the table has one: a table publishes variants, not cells of a sweep.
    public func row(_ cell: CellID) -> PublishedRow? {
        rows.first { $0.cell == cell }
    }

    /// The variants the table has numbers for, in its order.
    public var cells: [CellID] { rows.map(\.cell) }

    /// The published windows in seconds, shortest and longest, if the table gives them.
    public var windowRange: ClosedRange<Double>? {
        let windows = rows.compactMap(\.durationS)
        guard let low = windows.min(), let high = windows.max() else { return nil }
        return low...high
    }

    /// The newest published table of `experiment` stored in `store` (imported when a run was
    /// measured); nil when there is none.
    public static func stored(in store: ResultStore, experiment: String) throws -> PublishedBaseline? {
        guard let run = try store.listRuns().map(\.run)
            .filter({ $0.experiment == experiment && $0.kind == .published }).max(by: { $0.id < $1.id })
        else { return nil }
        let data = try store.loadRun(id: run.id)
        return PublishedBaseline(
            label: data.machine.hostname, file: data.software.source ?? "the results store",
            rows: try store.publishedRows(runID: run.id))
    }

    /// Reads the experiment's baseline CSV; nil when it has none. Nothing is written.
    public static func read(for experiment: ExperimentDefinition) throws -> PublishedBaseline? {
        guard let file = try experiment.publishedBaselineFile() else { return nil }
        let display = DisplayPath.of(file)
        let text = try PublishedCSV.read(file)
        return PublishedBaseline(
            label: PublishedCSV.label(for: file), file: shownName(of: file, in: experiment),
            rows: try PublishedCSV.parse(text, file: display))
    }

    /// How a report names the table's file: from the experiments folder down
    /// (`experiments/NAME/baseline/FILE.csv`), never where this checkout happens to be or
    /// where the command ran, so the report is the same bytes wherever it is rendered.
    static func shownName(of file: URL, in experiment: ExperimentDefinition) -> String {
        let folder = experiment.directory.standardizedFileURL
        let parent = folder.deletingLastPathComponent()
        let top = parent.lastPathComponent == "experiments" ? "experiments/" : ""
        let inside = file.standardizedFileURL.pathComponents
        let base = folder.pathComponents
        guard inside.count > base.count, Array(inside.prefix(base.count)) == base else { return file.lastPathComponent }
        return top + ([folder.lastPathComponent] + inside.dropFirst(base.count)).joined(separator: "/")
    }
}
