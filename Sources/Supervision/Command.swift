import Core
import Foundation

/// A program to start: what runs, with which arguments and environment, in which folder.
public struct Command: Sendable, Equatable {
    public var executable: String
    /// Without argv[0].
    public var arguments: [String]
    public var environment: [String: String]
    public var workingDirectory: URL?

    public init(
        executable: String, arguments: [String], environment: [String: String], workingDirectory: URL? = nil
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
    }

    /// The command line, shell-quoted.
    public var commandLine: String { ChildProcess.commandLine([executable] + arguments) }
}
