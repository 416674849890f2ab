import Foundation

/// A short command run to completion for its output (versions, `pip freeze`): its status
/// is data, never an exception.
public struct CommandOutput: Sendable {
    public var status: ExitStatus
    public var text: String

    /// Runs `executable` for at most `limit` and returns its combined stdout and stderr.
    public static func run(
        _ executable: String, _ arguments: [String],
        environment: [String: String]? = nil, workingDirectory: URL? = nil, limit: Duration = .seconds(30)
    ) throws -> CommandOutput {
        let logFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("reportgen-cmd-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: logFile) }
        let process = try ChildProcess(
            executable: executable, arguments: arguments,
            environment: environment ?? ProcessEnvironment.base(path: ProcessEnvironment.inheritedPath),
            workingDirectory: workingDirectory, logFile: logFile)
        ChildRegistry.shared.noteWaitedFor(process.pid)
        let status = process.waitBlocking(timeout: limit) ?? process.stopBlocking(grace: .zero)
        // What the command left in its group when it ended is stopped with it.
        if ProcessTable.liveMembers(ofGroup: process.pid) > 0 { process.stopBlocking(grace: .zero) }
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return CommandOutput(status: status, text: text)
    }
}
