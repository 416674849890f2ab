/// A load run that could not start or was cancelled: what went wrong and how to fix it.
public struct LoadGenError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The plan holds a value the generator cannot run.
        case badPlan
        /// The host name did not resolve.
        case resolve
        /// `HTTPLoadGenerator.cancel()` ended the run before its window closed.
        case cancelled
        /// A sample file could not be written or read back.
        case badFile
    }

    public var code: Code
    public var message: String
    public var hint: String?

    public init(_ code: Code, _ message: String, hint: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

    public var description: String {
        hint.map { "\(message) (\($0))" } ?? message
    }
}
