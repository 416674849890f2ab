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
        if let underlying { text += "\n  cause: \(Self.describe(underlying))" }
        if let output, !output.isEmpty { text += "\n  output: \(output)" }
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }

    /// An underlying error for a person: Foundation's file errors by what the system said
    /// (their default description is a dump of their user info).
    static func describe(_ error: any Error) -> String {
        guard let cocoa = error as? CocoaError else { return "\(error)" }
        if let posix = cocoa.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain,
            let code = POSIXErrorCode(rawValue: Int32(posix.code))
        {
            return String(cString: strerror(code.rawValue))
        }
        return cocoa.localizedDescription
    }

    public static func == (a: ReportgenError, b: ReportgenError) -> Bool {
        a.code == b.code && a.message == b.message && a.location == b.location && a.hint == b.hint
            && a.output == b.output && a.underlying.map { "\($0)" } == b.underlying.map { "\($0)" }
    }
}
