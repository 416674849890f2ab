import ArgumentParser
import Core

@main
struct Reportgen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reportgen",
        abstract: "Run a web benchmark experiment with real servers and keep every sample.",
        discussion: """
            Exit codes: 0 success; 1 verify: the report does not match its data; 3 the run \
            finished but a variant failed; 4 compare --fail-on-regression found a regression; \
            5 build --check-claims: a claim does not hold; 64 bad \
            command-line value; 65 bad experiment definition or lock; 66 unusable results \
            store; 69 a required tool is missing (see 'reportgen doctor'); 70 a server or the \
            load generator misbehaved; 74 a file could not be read or written; 130 interrupted \
            (SIGINT; 143 for SIGTERM; run the same command again to continue).
            """,
        version: ReportgenVersion.current,
        subcommands: [
            BuildCommand.self, RunCommand.self, RenderCommand.self, CompareCommand.self, ExportCommand.self,
            ImportCommand.self, ValidateCommand.self, ListCommand.self, DoctorCommand.self, LoadCommand.self,
            CalibrateCommand.self, VerifyCommand.self, QueryCommand.self,
        ]
    )
}
