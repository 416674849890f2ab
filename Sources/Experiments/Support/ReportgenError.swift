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
/// and how to fix it. `code` is how the process exits because of it.
public struct ReportgenError: Error, Equatable, CustomStringConvertible {
    public var code: ExitCode
    public var message: String
    public var location: SourceLocation?
    public var hint: String?
    /// The error that caused this one (an SQLite error with its code, a decoding error).
    public var underlying: (any Error)?
    /// What a process printed before it failed: the tail of its log.
    public var output: String?

    public init(
        _ code: ExitCode, _ message: String, at location: SourceLocation? = nil,
        hint: String? = nil, underlying: (any Error)? = nil, output: String? = nil
    ) {
        self.code = code
        self.message = message
        self.location = location
        self.hint = hint
        self.underlying = underlying
        self.output = output
    }

    public var description: String {
        var text = ""
        if let location { text += "\(location): " }
        text += message
        if let underlying { text += "\n  cause: \(underlying)" }
        if let output, !output.isEmpty { text += "\n  output: \(output)" }
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }

    public static func == (a: ReportgenError, b: ReportgenError) -> Bool {
        a.code == b.code && a.message == b.message && a.location == b.location && a.hint == b.hint
            && a.output == b.output && a.underlying.map { "\($0)" } == b.underlying.map { "\($0)" }
    }
}
