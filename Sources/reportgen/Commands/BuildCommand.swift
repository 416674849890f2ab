import ArgumentParser
import Report

struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Run what is missing, then render the report into the output folder.")

    @OptionGroup var options: RunOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors {
            let (outcome, experiment, store) = try await options.measure()
            let files = try ReportBuilder.render(
                store: store, runID: outcome.runID, experiment: experiment, outputRoot: output.url)
            RenderCommand.announce(files)
            if !outcome.failedVariants.isEmpty { throw exiting(.variantFailed) }
        }
    }
}
