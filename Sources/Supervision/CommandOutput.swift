import Core
import Foundation

/// A short command run to completion for its output (versions, `pip freeze`, a command on
/// a remote host over ssh): its status is data, never an exception.
public struct CommandOutput: Sendable {
    public var status: ExitStatus
    public var text: String

    /// Runs `executable` for at most `limit` and returns its combined stdout and stderr,
    /// awaiting its end without holding a thread. A cancelled caller stops the command and
    /// gets `CancellationError`.
    public static func run(
        _ executable: String, _ arguments: [String],
        environment: [String: String]? = nil, workingDirectory: URL? = nil, limit: Duration = .seconds(30)
    ) async throws -> CommandOutput {
        let logFile = scratchLog()
        defer { try? FileManager.default.removeItem(at: logFile) }
        let process = try start(executable, arguments, environment: environment, workingDirectory: workingDirectory, logFile: logFile)
        var status = await process.exit(within: limit, clock: ContinuousClock())
        if status == nil {
            status = await process.stop(grace: .zero)
            try Task.checkCancellation()
        }
        // What the command left in its group when it ended is stopped with it.
        if ProcessTable.liveMembers(ofGroup: process.pid) > 0 { await process.stop(grace: .zero) }
        return collect(status ?? .signalled(SIGKILL), logFile)
    }

    /// `run`, blocking the calling thread: for callers outside a task (a stop on a thread
    /// of its own, tests).
    public static func run(
        _ executable: String, _ arguments: [String],
        environment: [String: String]? = nil, workingDirectory: URL? = nil, limit: Duration = .seconds(30)
    ) throws -> CommandOutput {
        let logFile = scratchLog()
        defer { try? FileManager.default.removeItem(at: logFile) }
        let process = try start(executable, arguments, environment: environment, workingDirectory: workingDirectory, logFile: logFile)
        let status = process.waitBlocking(timeout: limit) ?? process.stopBlocking(grace: .zero)
        if ProcessTable.liveMembers(ofGroup: process.pid) > 0 { process.stopBlocking(grace: .zero) }
        return collect(status, logFile)
    }

    private static func scratchLog() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-cmd-\(UUID().uuidString).log")
    }

    private static func start(
        _ executable: String, _ arguments: [String], environment: [String: String]?, workingDirectory: URL?, logFile: URL
    ) throws -> ChildProcess {
        let process = try ChildProcess(
            executable: executable, arguments: arguments,
            environment: environment ?? ProcessEnvironment.base(path: ProcessEnvironment.inheritedPath),
            workingDirectory: workingDirectory, logFile: logFile)
        ChildRegistry.shared.noteWaitedFor(process.pid)
        return process
    }

    private static func collect(_ status: ExitStatus, _ logFile: URL) -> CommandOutput {
        CommandOutput(status: status, text: (try? String(contentsOf: logFile, encoding: .utf8)) ?? "")
    }
}
