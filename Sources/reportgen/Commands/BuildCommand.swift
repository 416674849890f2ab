import ArgumentParser
import Core
import Foundation
import Definition
import Report
import Store

struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Run what is missing, then render the report into the output folder.",
        discussion: """
            When the experiment ships a reference run (baseline/*.sqlite.xz), the last line \
            compares this run with it: the machine factor first, then what changed relative \
            to it, then how many of the write-ups' claims replicate; 'reportgen compare \
            --baseline reference' gives the full comparison. Exit 5 with --check-claims: a \
            claim in the write-up does not hold on this run.
            """)

    @OptionGroup var options: RunOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var format: FormatOptions

    @Flag(help: "Exit 5 when a claim in the write-up's claims cells does not hold on this run (after the report is written).")
    var checkClaims = false

    @Option(help: ArgumentHelp(
        "Also write a short GitHub-flavoured Markdown summary here: the claims and the line against the reference ($GITHUB_STEP_SUMMARY).",
        valueName: "file"))
    var summary: String?

    func run() async throws {
        try await reportingErrors {
            let (outcome, experiment, store) = try await options.measure()
            let files = try ReportBuilder.render(
                store: store, runID: outcome.runID, experiment: experiment, outputRoot: output.url, format: format.format)
            RenderCommand.announce(files)
            let line = Self.referenceLine(runID: outcome.runID, experiment: experiment, store: store)
            if let line { printSafely(line) }
            let claims = checkClaims || summary != nil
                ? try ReportBuilder.claims(store: store, runID: outcome.runID, experiment: experiment) : []
            let broken = claims.filter { $0.result.verdict == .doesNotHold }
            if checkClaims {
                printSafely("claims: \(claims.count - broken.count) of \(claims.count) hold on this run")
            }
            if let summary {
                try writeSummary(
                    CheckedClaim.summary(experiment: experiment.name, runID: outcome.runID, reference: line, claims: claims), to: summary)
            }
            if !outcome.failedVariants.isEmpty { throw exiting(.variantFailed) }
            if checkClaims, !broken.isEmpty {
                throw ReportgenError(
                    .claimDoesNotHold,
                    "\(broken.count) claim\(broken.count == 1 ? "" : "s") of the write-up do\(broken.count == 1 ? "es" : "") not hold on run \(outcome.runID): "
                        + broken.map { "\($0.location): \($0.sentence) (\($0.result.detail))" }.joined(separator: "; "),
                    hint: "the report's claims table gives the numbers; change the claim, or find what changed")
            }
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
                baseline: reference.side,
                against: try ComparisonSide.load(store: store, runID: runID, includeUnsteady: experiment.includeUnsteady),
                allowDefinitionChange: false, definitionFile: DisplayPath.of(experiment.file))
            return "reference: " + ComparisonReport.summaryLine(comparison)
        } catch let error as ReportgenError {
            return "reference: not compared: \(error.message)"
        } catch {
            return "reference: not compared: \(error)"
        }
    }
}
