import Foundation

/// Where a problem is: a file, a key path inside it, and the line when the parser knows it.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var keyPath: String?
    public var line: Int?

    public init(file: String, keyPath: String? = nil, line: Int? = nil) {
        self.file = file
        self.keyPath = keyPath
        self.line = line
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        if let keyPath, !keyPath.isEmpty { text += " (\(keyPath))" }
        return text
    }
}

/// The one error type that reaches the person at the terminal: what went wrong, where,
/// and how to fix it. `code` decides the process exit status.
public struct ReportgenError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The experiment definition or a file it names is wrong.
        case badDefinition
        /// A command-line value is wrong.
        case badArgument
        /// The results store cannot be opened, is foreign, damaged or from a newer version.
        case badStore
        /// A tool or package the run needs is not installed.
        case missingDependency
        /// A server or the load generator did not behave (could not start, crashed).
        case processFailed
        /// Reading or writing a file failed.
        case io
        /// The run was interrupted by SIGINT (Ctrl-C).
        case interrupted
        /// The run was stopped by SIGTERM.
        case terminated
        /// One or more variants failed while the run itself completed.
        case variantFailed
    }

    public var code: Code
    public var message: String
    public var location: SourceLocation?
    public var hint: String?
    public var underlying: String?

    public init(
        _ code: Code, _ message: String, at location: SourceLocation? = nil,
        hint: String? = nil, underlying: String? = nil
    ) {
        self.code = code
        self.message = message
        self.location = location
        self.hint = hint
        self.underlying = underlying
    }

    public var description: String {
        var text = ""
        if let location { text += "\(location): " }
        text += message
        if let underlying { text += "\n  cause: \(underlying)" }
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }

    /// The documented process exit status for this kind of failure.
    public var exitCode: Int32 {
        switch code {
        case .badDefinition: return 65
        case .badArgument: return 64
        case .badStore: return 66
        case .missingDependency: return 69
        case .processFailed: return 70
        case .io: return 74
        case .interrupted: return 130
        case .terminated: return 143
        case .variantFailed: return 3
        }
    }
}
