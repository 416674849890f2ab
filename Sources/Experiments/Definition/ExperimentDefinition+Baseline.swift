import Foundation

extension ExperimentDefinition {
    /// The experiment's published results table (`baseline/*.csv`); nil when it has none.
    /// More than one CSV is an error: a report compares with one published table.
    /// The experiment's write-up file: report.md beside the definition.
    public var writeupFile: URL { directory.appendingPathComponent("report.md") }

    /// The write-up's text, if the experiment has one that reads as UTF-8.
    public var writeupText: String? {
        try? String(contentsOf: writeupFile, encoding: .utf8)
    }

    public func publishedBaselineFile() throws -> URL? {
        let folder = directory.appendingPathComponent("baseline", isDirectory: true)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let csvs = names.filter { $0.lowercased().hasSuffix(".csv") }.sorted()
        guard csvs.count <= 1 else {
            throw ReportgenError(
                .badDefinition, "\(csvs.count) published tables (\(csvs.joined(separator: ", "))); a report compares with one",
                at: SourceLocation(file: DisplayPath.of(folder)),
                hint: "keep one CSV in baseline/ and move the others elsewhere")
        }
        return csvs.first.map { folder.appendingPathComponent($0) }
    }
}
