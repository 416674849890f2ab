import ArgumentParser
import Experiments
import Foundation

@main
struct Reportgen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reportgen",
        abstract: "Run a web benchmark experiment with real servers and keep every sample.",
        discussion: """
            Exit codes: 0 success; 3 the run finished but a variant failed; 64 bad \
            command-line value; 65 bad experiment definition or lock; 66 unusable results \
            store; 69 a required tool is missing (see 'reportgen doctor'); 70 a server or the \
            load generator misbehaved; 74 a file could not be read or written; 130 interrupted \
            (SIGINT; 143 for SIGTERM; run the same command again to continue).
            """,
        version: ReportgenVersion.current,
        subcommands: [
            BuildCommand.self, RunCommand.self, RenderCommand.self, CompareCommand.self, ExportCommand.self,
            ImportCommand.self, ValidateCommand.self, ListCommand.self, DoctorCommand.self, LoadCommand.self, CalibrateCommand.self,
        ]
    )
}

/// Prints a ReportgenError for a person and turns it into its documented exit code.
func exitCode(for error: ReportgenError) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    return ExitCode(error.exitCode)
}

/// Runs `body`, reporting our own errors without a stack trace.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ReportgenError {
        throw exitCode(for: error)
    }
}

/// Opens a results store that must already exist (commands that read runs never create one).
func existingStore(_ db: String, root: URL, hint: String) throws -> ResultStore {
    let url = URL(fileURLWithPath: db, relativeTo: root).standardizedFileURL
    guard FileManager.default.fileExists(atPath: url.path) else {
        throw ReportgenError(.badArgument, "there is no results store at \(db)", hint: hint)
    }
    return try ResultStore(path: url)
}
