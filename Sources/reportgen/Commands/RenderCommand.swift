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
            let definition = try experiment.load()
            let results = try store.openExisting(hint: "measure first with 'reportgen build', or pass --db")
            let files = try ReportBuilder.render(
                store: results, runID: runID, experiment: definition, outputRoot: output.url)
            Self.announce(files)
        }
    }

    static func announce(_ files: ReportFiles) {
        print("report: \(DisplayPath.of(files.markdown)), \(DisplayPath.of(files.pdf))")
        print("data:   \(DisplayPath.of(files.csv)), \(DisplayPath.of(files.json)); charts: \(files.charts.map { DisplayPath.of($0.png) }.joined(separator: ", ")) (+ .svg, .pdf)")
    }
}
