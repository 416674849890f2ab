import ArgumentParser
import Core
import Foundation
import Report

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare a run with a baseline: another run, the published numbers, or an exported file.",
        discussion: """
            First the machine factor: the geometric mean of the variants' requests/s ratios \
            (and of p50 and p99), with a 95% bootstrap interval. Then per variant: the ratio of \
            requests/s, p50 and p99 with a 95% interval from the trials, its change relative to \
            the machine factor, verdicts corrected for testing every variant at once (Holm), the \
            change in rank, Kendall's tau; the claims of both runs' write-ups checked on both \
            runs; and what differs between the two machines. Prints a table and writes \
            comparison.md, .html, .pdf, .json and charts into the output folder. With several \
            runs (--runs 2,5,7) it writes the gallery of a rerun campaign instead. A file \
            baseline (the shipped reference too) is read from a private copy and never \
            imported. Runs of different definitions are refused with exit 65 unless \
            --allow-definition-change. Without the experiment's folder the runs' stored \
            definition is used. Exit 4: --fail-on-regression found a regression.
            """)

    @OptionGroup var experiment: ExperimentArgument

    @Option(help: ArgumentHelp(
        "A run id in --db, 'published' (the experiment's baseline/*.csv), 'reference' (the run shipped in its baseline/), or a FILE.sqlite[.xz] written by 'reportgen export'.",
        valueName: "run|published|reference|file"))
    var baseline: String

    @Option(help: ArgumentHelp(
        "The run compared with the baseline; repeat it for a campaign of several runs. Default: the newest complete measured run of the experiment in --db.",
        valueName: "run"))
    var against: [Int64] = []

    @Option(help: ArgumentHelp(
        "Several runs compared with the baseline at once (a rerun campaign), comma-separated: 2,5,7.",
        valueName: "runs"))
    var runs: RunList?

    @OptionGroup var store: StoreOptions

    @Flag(help: "Compare runs whose definitions differ, and list the differences.")
    var allowDefinitionChange = false

    @Option(help: ArgumentHelp(
        "Exit 4 when a variant is significantly worse than the baseline (Holm-corrected) by more than this share, e.g. 5%.",
        valueName: "share"))
    var failOnRegression: PercentArgument?

    @Option(help: ArgumentHelp("What --fail-on-regression judges: rps, p50 or p99.", valueName: "measure"))
    var measure: MeasureArgument = MeasureArgument(.requestsPerSecond)

    @Flag(help: "With --fail-on-regression: judge each variant after removing the machine factor, so a slower machine alone fails nothing.")
    var relative = false

    @Option(help: ArgumentHelp(
        "Also write a short GitHub-flavoured Markdown summary here (a pull-request comment, $GITHUB_STEP_SUMMARY).",
        valueName: "file"))
    var summary: String?

    @Flag(help: "Count unsteady trials in both runs, as include_unsteady = true in the definition.")
    var includeUnsteady = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if baseline.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--baseline needs a run id, 'published', 'reference' or a FILE.sqlite")
        }
        if runs != nil, !against.isEmpty {
            throw ValidationError("give the runs with --runs or with --against, not both")
        }
        if (relative || measure.measure != .requestsPerSecond), failOnRegression == nil {
            throw ValidationError("--relative and --measure choose what --fail-on-regression judges: add --fail-on-regression, e.g. 5%")
        }
        if let share = failOnRegression?.share, !(share >= 0 && share < 1) {
            throw ValidationError("--fail-on-regression takes a share from 0% to below 100%, e.g. 5%")
        }
    }

    func run() throws {
        try reportingErrors {
            let name = try experiment.name
            let results = try store.openExisting(
                hint: "measure first with 'reportgen run', or pass --db the store that holds the run to compare")
            let requested = runs?.ids ?? against
            var definition = try RenderCommand.definition(for: experiment, runID: requested.first, in: results, shown: store.db)
            if includeUnsteady { definition.includeUnsteady = true }
            let loaded = try BaselineChoice.load(baseline, definition: definition, store: results)
            var ids = requested
            if ids.isEmpty {
                guard let newest = try results.newestMeasuredRun(experiment: name, excluding: loaded.uid) else {
                    throw ReportgenError(
                        .badArgument, "\(store.db) holds no other complete measured run of \(name) to compare",
                        hint: "measure one with 'reportgen run \(name) --db \(store.db)', or pass --against RUN")
                }
                ids = [newest.id]
            }
            var comparisons: [RunComparison] = []
            for id in ids {
                if let uid = loaded.uid, try results.uid(ofRun: id) == uid {
                    throw ReportgenError(
                        .badArgument, "the baseline and run \(id) are the same run",
                        hint: "compare another run; 'reportgen list --db \(store.db)' shows them")
                }
                guard try results.run(id: id) != nil else {
                    throw ReportgenError(
                        .badArgument, "\(store.db) holds no run \(id)", hint: "'reportgen list --db \(store.db)' shows the runs it holds")
                }
                let side = try ComparisonSide.load(store: results, runID: id, includeUnsteady: definition.includeUnsteady)
                guard !side.isPublished else {
                    throw ReportgenError(
                        .badArgument, "run \(id) is a published table, not a measured run",
                        hint: "compare a measured run against it: --baseline published")
                }
                comparisons.append(try RunComparison.compare(
                    baseline: loaded.side, against: side, allowDefinitionChange: allowDefinitionChange,
                    definitionFile: DisplayPath.of(definition.file)))
            }
            let folder = output.url.appendingPathComponent(definition.name)
            if comparisons.count > 1 {
                let campaign = CampaignComparison(comparisons)
                printSafely(CampaignReport.text(campaign))
                let files = try CampaignReport.write(campaign, folder: folder)
                printSafely("campaign: \(DisplayPath.of(files.markdown)), \(DisplayPath.of(files.html)), \(DisplayPath.of(files.pdf)), \(DisplayPath.of(files.json))")
            } else if let comparison = comparisons.first {
                printSafely(ComparisonReport.text(comparison))
                let files = try ComparisonReport.write(comparison, folder: folder)
                printSafely("comparison: \(DisplayPath.of(files.markdown)), \(DisplayPath.of(files.html)), \(DisplayPath.of(files.pdf)), \(DisplayPath.of(files.json)); charts: \(files.charts.map { DisplayPath.of($0.png) }.joined(separator: ", ")) (+ .svg, .pdf)")
            }
            try gate(comparisons)
        }
    }

    /// Writes --summary and applies --fail-on-regression to every compared run.
    private func gate(_ comparisons: [RunComparison]) throws {
        let gate = failOnRegression.map { RegressionGate(threshold: $0.share, measure: measure.measure, relative: relative) }
        var failed: [String] = []
        var summaries: [String] = []
        for comparison in comparisons {
            if let gate {
                let unjudged = gate.unjudged(comparison)
                guard unjudged.isEmpty else {
                    throw ReportgenError(
                        .badArgument,
                        "--fail-on-regression cannot judge \(unjudged.count) variant\(unjudged.count == 1 ? "" : "s") of \(comparison.against.label): \(unjudged.joined(separator: ", "))",
                        hint: "a gate needs two or more trials of each variant on both sides (--trials 3), against a measured run, not a published table")
                }
            }
            let failures = gate?.failures(comparison) ?? []
            if let gate {
                let line = gate.verdictLine(failures)
                printSafely(comparisons.count > 1 ? "\(comparison.against.label): \(line)" : line)
                if !failures.isEmpty { failed.append(comparison.against.label + ": " + failures.map(\.text).joined(separator: ", ")) }
            }
            summaries.append(ComparisonSummary.markdown(comparison, gate: gate, failures: failures))
        }
        if let summary { try writeSummary(summaries.joined(separator: "\n"), to: summary) }
        if let gate, !failed.isEmpty {
            throw ReportgenError(
                .regression, "\(gate.description): \(failed.joined(separator: "; "))",
                hint: "the comparison above gives each ratio with its interval; --relative judges after removing the machine factor")
        }
    }
}

/// `--runs 2,5,7`.
struct RunList: ExpressibleByArgument, Sendable {
    var ids: [Int64]

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let ids = parts.compactMap { Int64($0) }
        guard !ids.isEmpty, ids.count == parts.count, Set(ids).count == ids.count else { return nil }
        self.ids = ids
    }
}

/// `--measure rps|p50|p99`.
struct MeasureArgument: ExpressibleByArgument, Sendable {
    var measure: RunComparison.Measure

    init(_ measure: RunComparison.Measure) {
        self.measure = measure
    }

    init?(argument: String) {
        guard let measure = RunComparison.Measure.allCases.first(where: { $0.key == argument }) else { return nil }
        self.measure = measure
    }

    var defaultValueDescription: String { measure.key }
    static var allValueStrings: [String] { RunComparison.Measure.allCases.map(\.key) }
}
