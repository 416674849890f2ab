import ArgumentParser
import Experiments
import Report

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render a stored run into report.md, report.pdf, charts, results.csv and results.json; measures nothing.")

    @OptionGroup var experiment: ExperimentArgument

    @Option(name: .customLong("run"), help: "The run to render (see 'reportgen list'). Default: the newest complete run of the experiment.")
    var runID: Int64?

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reportingErrors {
            let results = try store.openForReading(hint: "measure first with 'reportgen build', or pass --db")
            let definition: ExperimentDefinition
            do {
                definition = try experiment.load()
            } catch let error as ReportgenError where error.code == .badArgument {
                // No experiment folder here (an imported run, another project): the run's
                // own definition, as stored with it, is enough to render it.
                guard let stored = try storedDefinition(results) else { throw error }
                definition = stored
            }
            let files = try ReportBuilder.render(
                store: results, runID: runID, experiment: definition, outputRoot: output.url)
            Self.announce(files)
        }
    }

    /// The definition stored with the run to render (`--run`, or the newest of the named
    /// experiment); nil when the store has no such run.
    private func storedDefinition(_ results: ResultStore) throws -> ExperimentDefinition? {
        let run: StoredRun?
        if let runID {
            run = try results.run(id: runID)
        } else {
            run = try results.latestRun(experiment: experiment.experiment ?? DefinitionLoader.defaultExperiment)
        }
        guard let run else { return nil }
        let data = try results.loadRun(id: run.id)
        return try DefinitionLoader.stored(text: data.definitionText, name: run.experiment, projectRoot: ProjectFolder.root)
    }

    static func announce(_ files: ReportFiles) {
        print("report: \(DisplayPath.of(files.markdown)), \(DisplayPath.of(files.pdf))")
        print("data:   \(DisplayPath.of(files.csv)), \(DisplayPath.of(files.json)); charts: \(files.charts.map { DisplayPath.of($0.png) }.joined(separator: ", ")) (+ .svg, .pdf)")
    }
}
