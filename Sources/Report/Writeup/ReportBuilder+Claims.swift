import Core
import Definition
import Foundation
import Store

/// One claim of a write-up and what run's numbers say about it.
public struct CheckedClaim: Sendable {
    public var sentence: String
    public var result: ClaimResult
    /// Where the write-up states it.
    public var location: SourceLocation

    /// `build --summary`: the line against the reference, and each claim's verdict, as
    /// GitHub-flavoured Markdown.
    public static func summary(experiment: String, runID: Int64, reference: String?, claims: [CheckedClaim]) -> String {
        var parts = ["### reportgen build: \(MarkdownText.escaped(experiment)), run \(runID)"]
        if let reference { parts.append("**" + MarkdownText.escaped(reference) + "**") }
        if !claims.isEmpty {
            parts.append(claims.map {
                let mark = $0.result.verdict == .holds ? "✅" : $0.result.verdict == .doesNotHold ? "❌" : "❔"
                return "- \(mark) \(MarkdownText.escaped($0.sentence)): \($0.result.verdict.rawValue) (\(MarkdownText.escaped($0.result.detail)))"
            }.joined(separator: "\n"))
        }
        return parts.joined(separator: "\n\n") + "\n"
    }
}

extension ReportBuilder {
    /// The claims of the write-up the report of run `runID` is rendered from, each checked
    /// on that run as its claims cell checks it (`build --check-claims`). A claim the
    /// write-up cannot state is the located error the render gives.
    public static func claims(store: ResultStore, runID: Int64, experiment: ExperimentDefinition) throws -> [CheckedClaim] {
        let data = try store.loadRun(id: runID)
        let context = try makeContext(data: data, experiment: experiment)
        let baseline = try PublishedBaseline.read(for: experiment) ?? PublishedBaseline.stored(in: store, experiment: experiment.name)
        let template = try template(for: experiment, data: data, baseline: baseline).template
        let known = context.definedCells + (baseline?.cells.filter { !context.definedCells.contains($0) } ?? [])
        let source = ClaimSource.run(context.statistics, name: "this run", maxErrorRate: data.maxErrorRate)
        return try template.parts.flatMap { part -> [CheckedClaim] in
            guard case .cell(.claims, _, let body, let line) = part else { return [] }
            return try Claim.parse(body, known: known, file: template.file, firstLine: line + 1).map { claim in
                CheckedClaim(
                    sentence: claim.sentence, result: ClaimCheck.evaluate(claim, in: source),
                    location: SourceLocation(file: template.file, line: claim.line))
            }
        }
    }
}
