import Experiments
import Foundation

/// A write-up template (`experiments/NAME/report.md`): Markdown written by a person, with
/// cells the report fills. A fenced block whose info string names a cell kind (`table`,
/// `chart NAME`, `environment`, `method`, `published`, `claims`, …) is a block cell; `{{ … }}` in prose is an
/// inline value. Other fenced blocks stay as they are.
public struct Template: Sendable, Equatable {
    public enum Part: Sendable, Equatable {
        /// Markdown, possibly containing inline `{{ … }}` values; `line` is its first line.
        case markdown(String, line: Int)
        /// A block cell: its kind, its arguments (rest of the info string), its body lines.
        case cell(kind: String, arguments: [String], body: [String], line: Int)
        /// A fenced block that is not a cell, kept verbatim (no inline values inside).
        case verbatim(String)
    }

    /// The block cell kinds reportgen knows.
    public static let cellKinds: Set<String> = [
        "table", "chart", "environment", "method", "failures", "published", "claims",
    ]

    public var file: String
    public var parts: [Part]

    /// Splits `text` into prose, cells and verbatim code blocks.
    public init(text: String, file: String) throws {
        self.file = file
        var parts: [Part] = []
        var prose: [String] = []
        var proseLine = 1
        let lines = text.components(separatedBy: "\n")
        var index = 0
        func flushProse() {
            if !prose.isEmpty { parts.append(.markdown(prose.joined(separator: "\n"), line: proseLine)) }
            prose = []
        }
        while index < lines.count {
            let line = lines[index]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard let fence = Template.fence(trimmed) else {
                if prose.isEmpty { proseLine = index + 1 }
                prose.append(line)
                index += 1
                continue
            }
            flushProse()
            let start = index
            let info = trimmed.dropFirst(fence.count).trimmingCharacters(in: .whitespaces)
            var body: [String] = []
            index += 1
            var closed = false
            while index < lines.count {
                let candidate = lines[index].trimmingCharacters(in: .whitespaces)
                if candidate.hasPrefix(fence) && candidate.allSatisfy({ $0 == fence.first }) {
                    closed = true
                    index += 1
                    break
                }
                body.append(lines[index])
                index += 1
            }
            guard closed else {
                throw ReportgenError(
                    .badDefinition, "a fenced block opened here is never closed",
                    at: SourceLocation(file: file, line: start + 1),
                    hint: "close it with \(fence) on a line of its own")
            }
            let words = info.split(separator: " ").map(String.init)
            if let kind = words.first, Template.cellKinds.contains(kind) {
                parts.append(.cell(kind: kind, arguments: Array(words.dropFirst()), body: body, line: start + 1))
            } else {
                parts.append(.verbatim(([lines[start]] + body + [fence]).joined(separator: "\n")))
            }
        }
        flushProse()
        self.parts = parts
    }

    /// The fence that opens a code block (``` or ~~~, three or more), if `line` starts one.
    static func fence(_ line: String) -> String? {
        for mark: Character in ["`", "~"] {
            let run = line.prefix { $0 == mark }
            if run.count >= 3 { return String(run) }
        }
        return nil
    }

    /// The inline values in a piece of prose: their expression text and line offset.
    static func inlineValues(in text: String) -> [(range: Range<String.Index>, expression: String, lineOffset: Int)] {
        var found: [(Range<String.Index>, String, Int)] = []
        var searchStart = text.startIndex
        while let open = text.range(of: "{{", range: searchStart..<text.endIndex),
            let close = text.range(of: "}}", range: open.upperBound..<text.endIndex)
        {
            let expression = text[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            let offset = text[text.startIndex..<open.lowerBound].filter { $0 == "\n" }.count
            found.append((open.lowerBound..<close.upperBound, expression, offset))
            searchStart = close.upperBound
        }
        return found
    }
}
