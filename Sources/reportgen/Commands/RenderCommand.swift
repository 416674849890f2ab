import ArgumentParser
import Core
import Definition
import Foundation
import Report
import Store

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render a stored run into report.md, report.html, report.pdf, charts, results.csv and results.json; measures nothing.",
        discussion: """
            Reads the store (or, with --from, an exported file) and never writes to it. \
            Without the experiment's folder the run's stored definition and write-up are used, \
            so an exported run renders anywhere.
            """)

    @OptionGroup var experiment: ExperimentArgument

    @Option(name: .customLong("run"), help: "The run to render (see 'reportgen list'). Default: the newest complete run of the experiment.")
    var runID: Int64?

    @Option(help: ArgumentHelp(
        "Render from a file written by 'reportgen export' (.sqlite or .sqlite.xz) instead of --db; it is only read.",
        valueName: "file"))
    var from: String?

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var format: FormatOptions

    @Flag(help: "Count trials whose window did not hold steady in the statistics (they are listed either way); as include_unsteady = true in the definition.")
    var includeUnsteady = false

    @Flag(help: "Print how long each step of the render took (wall time).")
    var timings = false

    func run() throws {
        try reportingErrors {
            if let from {
                // An exported file is read from a checked private copy, kept for the next render.
                try ResultStore.withSnapshot(of: ProjectFolder.resolve(from), cache: .standard) { snapshot in
                    let results = snapshot.store
                    try render(results, runID: runID ?? results.baselineRun(experiment: Self.experimentName(experiment, in: results, shown: from), file: from))
                }
            } else {
                try render(store.openForReading(hint: "measure first with 'reportgen build', or pass --db"), runID: runID)
            }
        }
    }

    private func render(_ results: ResultStore, runID: Int64?) throws {
        var definition = try Self.definition(for: experiment, runID: runID, in: results, shown: from ?? store.db)
        if includeUnsteady { definition.includeUnsteady = true }
        let files = try ReportBuilder.render(
            store: results, runID: runID, experiment: definition, outputRoot: output.url, format: format.format)
        Self.announce(files)
        if timings {
            for (step, time) in files.timings {
                let ms = ReportNumber.decimal(time.seconds * 1000, places: 1, grouped: false)
                print(String(repeating: " ", count: max(0, 7 - ms.count)) + ms + " ms  " + step)
            }
        }
    }

    /// The experiment whose run an exported file is rendered for: the one named, or the only
    /// one the file holds a measured run of. `shown` names the file in messages.
    static func experimentName(_ experiment: ExperimentArgument, in results: ResultStore, shown: String) throws -> String {
        if experiment.experiment != nil { return try experiment.name }
        let measured = Set(try results.listRuns().map(\.run).filter { $0.kind == .measured }.map(\.experiment))
        if measured.count == 1, let only = measured.first {
            return try ExperimentName.checked(only, from: SourceLocation(file: shown, keyPath: "runs.experiment"))
        }
        return DefinitionLoader.defaultExperiment
    }

    /// The experiment folder's definition when it is here; otherwise the run's own, as
    /// stored with it (an imported run, another project). `shown` names the store in messages.
    static func definition(
        for experiment: ExperimentArgument, runID: Int64?, in results: ResultStore, shown: String
    ) throws -> ExperimentDefinition {
        var experiment = experiment
        if experiment.experiment == nil, let runID, let run = try results.run(id: runID) {
            experiment.experiment = try storedName(of: run, in: shown)
        }
        do {
            return try experiment.load()
        } catch let error as ReportgenError where error.code == .badArgument {
            let run: StoredRun?
            if let runID {
                run = try results.run(id: runID)
            } else {
                run = try results.latestRun(experiment: experiment.name)
            }
            guard let run, let text = try results.definitionText(ofRun: run.id) else { throw error }
            return try DefinitionLoader.stored(text: text, name: try storedName(of: run, in: shown), projectRoot: ProjectFolder.root)
        }
    }

    /// The experiment a stored run belongs to, checked before it names a folder to look in.
    private static func storedName(of run: StoredRun, in shown: String) throws -> String {
        try ExperimentName.checked(run.experiment, from: SourceLocation(file: shown, keyPath: "runs.experiment of run \(run.id)"))
    }

    static func announce(_ files: ReportFiles) {
        let documents = [files.markdown, files.html, files.pdf].compactMap { $0 }.map(DisplayPath.of)
        print("report: \(documents.joined(separator: ", "))")
        print("data:   \(DisplayPath.of(files.csv)), \(DisplayPath.of(files.json)); charts: \(files.charts.map { DisplayPath.of($0.png) }.joined(separator: ", ")) (+ .svg, .pdf)")
        if let provenance = files.provenanceFile {
            print("provenance: \(DisplayPath.of(provenance)) (check the report against its data: reportgen verify \(DisplayPath.of(files.folder)))")
        }
    }
}

/// `--format`: what render and build write.
struct FormatOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "standard (report.md, report.html, report.pdf), or a static-site page bundle: hugo or jekyll (index.md with front matter, charts beside it).",
        valueName: "format"))
    var format: ReportFormat = .standard
}

extension ReportFormat: ExpressibleByArgument {}
