import Core
import Foundation

extension ExperimentDefinition {
    /// The experiment's write-up file: report.md beside the definition.
    public var writeupFile: URL { directory.appendingPathComponent("report.md") }

    /// The write-up's text, if the experiment has one that reads as UTF-8.
    public var writeupText: String? {
        try? String(contentsOf: writeupFile, encoding: .utf8)
    }

    /// The experiment's published results table (`baseline/*.csv`); nil when it has none.
    /// More than one CSV is an error: a report compares with one published table.
    public func publishedBaselineFile() throws -> URL? {
        try baselineFile(kind: "published tables", matching: { $0.hasSuffix(".csv") }, hint: "keep one CSV in baseline/ and move the others elsewhere")
    }

    /// The reference run shipped with the experiment: an export (`baseline/*.sqlite.xz` or
    /// `baseline/*.sqlite`) of the run its committed report was rendered from; nil when it
    /// ships none. `compare --baseline reference` and the end of `build` compare with it.
    public func referenceRunFile() throws -> URL? {
        try baselineFile(kind: "reference runs", matching: { $0.hasSuffix(".sqlite.xz") || $0.hasSuffix(".sqlite") }, hint: "keep one export in baseline/ and move the others elsewhere")
    }

    private func baselineFile(kind: String, matching: (String) -> Bool, hint: String) throws -> URL? {
        let folder = directory.appendingPathComponent("baseline", isDirectory: true)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let found = names.filter { matching($0.lowercased()) }.sorted()
        guard found.count <= 1 else {
            throw ReportgenError(
                .badDefinition, "\(found.count) \(kind) (\(found.joined(separator: ", "))); an experiment has one",
                at: SourceLocation(file: DisplayPath.of(folder)), hint: hint)
        }
        return found.first.map { folder.appendingPathComponent($0) }
    }
}
