import Core
import Foundation

/// The block cells a write-up can hold: a fenced block whose info string starts with one.
public enum CellKind: String, Sendable, CaseIterable {
    case table, chart, environment, method, failures, published, claims, ceilings, unsteady, sql
}

/// A write-up template (`experiments/NAME/report.md`): Markdown written by a person, with
/// cells the report fills. A fenced block whose info string names a cell kind (`table`,
/// `chart NAME`, `environment`, `method`, `published`, `claims`, …) is a block cell; `{{ … }}` in prose is an
/// inline value. Other fenced blocks stay as they are.
public struct Template: Sendable, Equatable {
    public enum Part: Sendable, Equatable {
        /// Markdown, possibly containing inline `{{ … }}` values; `line` is its first line.
        case markdown(String, line: Int)
        /// A block cell: its kind, its arguments (rest of the info string), its body lines.
        case cell(kind: CellKind, arguments: [String], body: [String], line: Int)
        /// A fenced block that is not a cell, kept verbatim (no inline values inside).
        case verbatim(String)
    }

    public var file: String
    public var parts: [Part]

    /// Splits `text` into prose, cells and verbatim code blocks; cmark-gfm finds the fenced
    /// blocks, so a fence inside an indented code block or an HTML block is not one.
    public init(text: String, file: String) throws {
        self.file = file
        let lines = text.components(separatedBy: "\n")
        var parts: [Part] = []
        var next = 1
        func prose(upTo end: Int) {
            guard end >= next else { return }
            parts.append(.markdown(lines[(next - 1)..<end].joined(separator: "\n"), line: next))
        }
        for block in try CMarkTree(markdown: text).fencedCodeBlocks() {
            let first = block.lines.lowerBound
            let last = min(block.lines.upperBound, lines.count)
            // An unclosed fence runs to the end of the document.
            let closing = lines[last - 1].trimmingCharacters(in: .whitespaces)
            guard last > first, closing.hasPrefix(block.fence), closing.allSatisfy({ $0 == block.fence.first }) else {
                throw ReportgenError(
                    .badDefinition, "a fenced block opened here is never closed",
                    at: SourceLocation(file: file, line: first),
                    hint: "close it with \(block.fence) on a line of its own")
            }
            prose(upTo: first - 1)
            let words = block.info.split(separator: " ").map(String.init)
            if let name = words.first, let kind = CellKind(rawValue: name) {
                var body = block.code.components(separatedBy: "\n")
                if body.last == "" { body.removeLast() }
                // A sql cell's options may quote text with spaces: they are given as written.
                let arguments = kind == .sql
                    ? [String(block.info.drop { $0 == " " }.dropFirst(name.count))].filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
                    : Array(words.dropFirst())
                parts.append(.cell(kind: kind, arguments: arguments, body: body, line: first))
            } else {
                parts.append(.verbatim(lines[(first - 1)..<last].joined(separator: "\n")))
            }
            next = last + 1
        }
        prose(upTo: lines.count)
        self.parts = parts
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
