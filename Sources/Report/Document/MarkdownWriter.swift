/// Writes the Swift Markdown tree back as GitHub-flavoured Markdown, every text escaped by
/// `MarkdownText`: what a block of a report becomes when it had to be sanitized.
enum MarkdownWriter {
    static func blocks(_ blocks: [MarkdownBlock]) -> String {
        blocks.map(block).joined(separator: "\n\n")
    }

    static func block(_ block: MarkdownBlock) -> String {
        switch block {
        case .heading(let level, let inlines):
            return String(repeating: "#", count: level) + " " + MarkdownText.oneLine(self.inlines(inlines))
        case .paragraph(let inlines):
            return self.inlines(inlines)
        case .list(let list):
            return list.items.enumerated().map { index, item in
                let marker: String
                switch list.kind {
                case .bullet: marker = "- "
                case .ordered(let start, let delimiter): marker = "\(start + index)\(delimiter) "
                }
                let indent = String(repeating: " ", count: marker.count)
                return marker + indented(blocks(item), by: indent, first: "")
            }.joined(separator: list.isTight ? "\n" : "\n\n")
        case .codeBlock(let info, let code):
            return MarkdownText.codeBlock(code, info: info)
        case .blockQuote(let children):
            return indented(blocks(children), by: "> ", first: "> ")
        case .thematicBreak:
            return "***"
        case .table(let table):
            func row(_ cells: [[MarkdownInline]]) -> String {
                "| " + cells.map { MarkdownText.tableCell(inlines($0)) }.joined(separator: " | ") + " |"
            }
            let rule = table.alignments.map { alignment -> String in
                switch alignment {
                case .none: return "---"
                case .left: return ":--"
                case .center: return ":-:"
                case .right: return "--:"
                }
            }
            return ([row(table.header), "| " + rule.joined(separator: " | ") + " |"] + table.rows.map(row)).joined(separator: "\n")
        case .html(let text):
            return MarkdownText.codeBlock(text)
        }
    }

    static func inlines(_ inlines: [MarkdownInline]) -> String {
        inlines.map(inline).joined()
    }

    static func inline(_ inline: MarkdownInline) -> String {
        switch inline {
        case .text(let text), .html(let text): return MarkdownText.escaped(text)
        case .emphasis(let children): return "*" + inlines(children) + "*"
        case .strong(let children): return "**" + inlines(children) + "**"
        case .strikethrough(let children): return "~~" + inlines(children) + "~~"
        case .code(let code): return MarkdownText.codeSpan(code)
        case .link(let url, let title, let children):
            let titled = title.isEmpty ? "" : " \"" + MarkdownText.oneLine(title).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
            return "[" + inlines(children) + "](" + destination(url) + titled + ")"
        case .image(let src, let alt):
            return "![" + MarkdownText.escaped(alt) + "](" + destination(src) + ")"
        case .softBreak: return "\n"
        case .lineBreak: return "\\\n"
        }
    }

    /// A link destination in angle brackets, which may hold spaces and parentheses.
    private static func destination(_ url: String) -> String {
        var result = "<"
        for character in MarkdownText.oneLine(url) {
            if "<>\\".contains(character) { result.append("\\") }
            result.append(character)
        }
        return result + ">"
    }

    private static func indented(_ text: String, by prefix: String, first: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { index, line in
            (index == 0 ? first : line.isEmpty && prefix.allSatisfy(\.isWhitespace) ? "" : prefix) + line
        }.joined(separator: "\n")
    }
}

/// The report's Markdown made safe to publish: each top-level block that holds raw HTML or a
/// link with an unsafe target is written again from its sanitized tree; every other block is
/// kept byte for byte as composed.
public enum SafeMarkdown {
    public static func text(_ markdown: String) throws -> String {
        let tree = try CMarkTree(markdown: markdown)
        var lines = markdown.components(separatedBy: "\n")
        // From the last block up, so earlier line numbers stay valid.
        for (block, range) in tree.topLevelBlocks().reversed() {
            let safe = block.sanitized
            guard safe != block else { continue }
            let upper = min(range.upperBound, lines.count)
            guard range.lowerBound >= 1, range.lowerBound <= upper else { continue }
            lines.replaceSubrange((range.lowerBound - 1)..<upper, with: MarkdownWriter.block(safe).components(separatedBy: "\n"))
        }
        return lines.joined(separator: "\n")
    }
}
