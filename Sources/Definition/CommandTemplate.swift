import Core
import Foundation
import Supervision

/// A value a server command may name as `{name}`, filled in when a trial starts it.
public enum Placeholder: String, Sendable, CaseIterable {
    /// The free port the server must listen on.
    case port
    /// The address it listens on.
    case host
    /// The upstream's URL, also in `UPSTREAM_URL`.
    case upstreamURL = "upstream_url"
    /// The variant's `workers`.
    case workers
    /// The variant's `threads` (only when it sets them).
    case threads
    /// The experiment venv's interpreter (only when the experiment has a lock).
    case python
    /// The experiment's folder.
    case dir

    /// Every placeholder, as a hint lists them.
    static var list: String { allCases.map { "{\($0.rawValue)}" }.joined(separator: ", ") }
}

/// A server command as the definition writes it: an argv whose words may hold `{placeholder}`s.
/// Braces around anything but a name (`{"a": 1}`) are left as they are.
public struct CommandTemplate: Sendable, Equatable {
    public var arguments: [String]

    public init(arguments: [String]) {
        self.arguments = arguments
    }

    /// The argv as a shell command line, placeholders as written.
    public var commandLine: String { ChildProcess.commandLine(arguments) }

    /// The placeholder names written in `text`, known or not, in order.
    static func names(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}") else { break }
            let name = after[..<close]
            if !name.isEmpty, name.allSatisfy({ $0 == "_" || ($0.isASCII && $0.isLetter) }) {
                names.append(String(name))
            }
            rest = after[after.index(after: close)...]
        }
        return names
    }

    /// Every placeholder the command and `environment`'s values use.
    func placeholders(environment: [String: String]) -> Set<String> {
        Set((arguments + Array(environment.values)).flatMap(Self.names))
    }

    /// `text` with each known `{name}` replaced by its value; names without a value stay.
    /// One pass from left to right: a value is never read again, so a folder or URL that
    /// itself holds `{port}` stays as it is.
    package static func fill(_ text: String, _ values: [Placeholder: String]) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            let after = rest[rest.index(after: open)...]
            if let close = after.firstIndex(of: "}"), let placeholder = Placeholder(rawValue: String(after[..<close])),
                let value = values[placeholder]
            {
                result += value
                rest = after[after.index(after: close)...]
            } else {
                result += "{"
                rest = after
            }
        }
        return result + rest
    }

    /// The argv with the placeholders filled.
    package func filled(_ values: [Placeholder: String]) -> [String] {
        arguments.map { Self.fill($0, values) }
    }
}
