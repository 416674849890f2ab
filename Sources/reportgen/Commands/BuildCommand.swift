import ArgumentParser
import Core
import Definition
import Report
import Store

struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Run what is missing, then render the report into the output folder.",
        discussion: """
            When the experiment ships a reference run (baseline/*.sqlite.xz), the last line \
            compares this run's requests/s with it; 'reportgen compare --baseline reference' \
            gives the full comparison.
            """)

    @OptionGroup var options: RunOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var format: FormatOptions

    func run() async throws {
        try await reportingErrors {
            let (outcome, experiment, store) = try await options.measure()
            let files = try ReportBuilder.render(
                store: store, runID: outcome.runID, experiment: experiment, outputRoot: output.url, format: format.format)
            RenderCommand.announce(files)
            if let line = Self.referenceLine(runID: outcome.runID, experiment: experiment, store: store) {
                print(line)
            }
            if !outcome.failedVariants.isEmpty { throw exiting(.variantFailed) }
        }
    }

    /// The one-line comparison with the experiment's shipped reference run; nil when it ships
    /// none. A comparison that cannot be made says why instead of failing the build.
    static func referenceLine(runID: Int64, experiment: ExperimentDefinition, store: ResultStore) -> String? {
        do {
            guard try experiment.referenceRunFile() != nil else { return nil }
            let reference = try BaselineChoice.load(BaselineChoice.reference, definition: experiment, store: store)
            if let uid = reference.uid, try store.uid(ofRun: runID) == uid {
                return "reference: this run is the experiment's reference run"
            }
            let comparison = try RunComparison.compare(
                baseline: reference.side, against: try ComparisonSide.load(store: store, runID: runID),
                allowDefinitionChange: false, definitionFile: DisplayPath.of(experiment.file))
            return ComparisonReport.summaryLine(comparison)
        } catch let error as ReportgenError {
            return "reference: not compared: \(error.message)"
        } catch {
            return "reference: not compared: \(error)"
        }
    }
}
