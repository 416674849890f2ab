import ArgumentParser
import Experiments
import Foundation
import Report

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Measure the trials an experiment still needs and store them; no rendering.")

    @OptionGroup var flags: RunFlags

    func run() throws {
        try reportingErrors {
            let (outcome, _, _) = try flags.measure()
            if !outcome.failedVariants.isEmpty { throw ExitCode(3) }
        }
    }
}

struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Run what is missing, then render the report into the output folder.")

    @OptionGroup var flags: RunFlags

    func run() throws {
        try reportingErrors {
            let (outcome, experiment, store) = try flags.measure()
            let files = try ReportBuilder.render(
                store: store, runID: outcome.runID, experiment: experiment, outputRoot: flags.outputURL)
            RenderCommand.announce(files)
            if !outcome.failedVariants.isEmpty { throw ExitCode(3) }
        }
    }
}

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render a stored run into report.md, report.pdf, charts, results.csv and results.json; measures nothing.")

    @Argument(help: "An experiment folder name under experiments/, or a path. Default: aiohttp-vs-flask.")
    var experiment: String?

    @Option(name: .customLong("run"), help: "The run to render (see 'reportgen list'). Default: the newest complete run of the experiment.")
    var runID: Int64?

    @Option(help: "The results store.")
    var db: String = "output/results.sqlite"

    @Option(help: "Where reports are written (one folder per experiment).")
    var output: String = "output"

    func run() throws {
        try reportingErrors {
            let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            let definition = try DefinitionLoader.load(experiment: experiment, projectRoot: root)
            let store = try existingStore(db, root: root, hint: "measure first with 'reportgen build', or pass --db")
            let files = try ReportBuilder.render(
                store: store, runID: runID, experiment: definition,
                outputRoot: URL(fileURLWithPath: output, relativeTo: root).standardizedFileURL)
            RenderCommand.announce(files)
        }
    }

    static func announce(_ files: ReportFiles) {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        func show(_ url: URL) -> String { url.path.hasPrefix(cwd) ? String(url.path.dropFirst(cwd.count)) : url.path }
        print("report: \(show(files.markdown)), \(show(files.pdf))")
        print("data:   \(show(files.csv)), \(show(files.json)); charts: \(files.charts.map { show($0.png) }.joined(separator: ", ")) (+ .svg, .pdf)")
    }
}
