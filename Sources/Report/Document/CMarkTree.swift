import CCMark
import Core
import Foundation

// cmark-gfm registers its extensions in a process-wide list without a lock, and attaching
// an extension writes a global table of special characters: both happen under this lock.
private let cmarkLock = NSLock()

/// The one door to cmark-gfm: owns a parser and the document it produced, frees both.
final class CMarkTree {
    private let parser: OpaquePointer
    let root: OpaquePointer

    init(markdown: String) throws {
        cmarkLock.lock()
        defer { cmarkLock.unlock() }
        cmark_gfm_core_extensions_ensure_registered()
        guard let parser = cmark_parser_new(CMARK_OPT_DEFAULT) else {
            throw ReportgenError(.io, "cmark-gfm could not create a Markdown parser")
        }
        for name in ["table", "strikethrough", "autolink"] {
            guard let extensionPointer = cmark_find_syntax_extension(name),
                cmark_parser_attach_syntax_extension(parser, extensionPointer) != 0
            else {
                cmark_parser_free(parser)
                throw ReportgenError(
                    .missingDependency, "cmark-gfm has no '\(name)' extension",
                    hint: "install libcmark-gfm-extensions-dev")
            }
        }
        let bytes = Array(markdown.utf8)
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                cmark_parser_feed(parser, chars.baseAddress, chars.count)
            }
        }
        guard let root = cmark_parser_finish(parser) else {
            cmark_parser_free(parser)
            throw ReportgenError(.io, "cmark-gfm could not parse the Markdown")
        }
        self.parser = parser
        self.root = root
    }

    deinit {
        // The tree points at the parser's extensions, so it goes first.
        cmark_node_free(root)
        cmark_parser_free(parser)
    }

    /// The document's blocks as Swift values (copied: nothing here outlives the tree).
    func blocks() -> [MarkdownBlock] {
        CMarkNode.children(of: root).compactMap(CMarkNode.block)
    }

    /// The document's top-level blocks with the lines each spans (from 1).
    func topLevelBlocks() -> [(block: MarkdownBlock, lines: ClosedRange<Int>)] {
        CMarkNode.children(of: root).compactMap { node in
            guard let block = CMarkNode.block(node) else { return nil }
            let start = Int(cmark_node_get_start_line(node))
            return (block, start...max(start, Int(cmark_node_get_end_line(node))))
        }
    }

    /// Every fenced code block, at any depth, in document order.
    func fencedCodeBlocks() -> [FencedCodeBlock] {
        var found: [FencedCodeBlock] = []
        func visit(_ node: OpaquePointer) {
            var length: Int32 = 0
            var offset: Int32 = 0
            var character: CChar = 0
            if cmark_node_get_type(node) == CMARK_NODE_CODE_BLOCK,
                cmark_node_get_fenced(node, &length, &offset, &character) != 0
            {
                found.append(FencedCodeBlock(
                    info: CMarkNode.string(cmark_node_get_fence_info(node)), code: CMarkNode.literal(node),
                    lines: Int(cmark_node_get_start_line(node))...Int(cmark_node_get_end_line(node)),
                    fence: String(repeating: Character(UnicodeScalar(UInt8(bitPattern: character))), count: Int(length))))
            }
            for child in CMarkNode.children(of: node) { visit(child) }
        }
        visit(root)
        return found
    }
}

/// A fenced code block as cmark-gfm found it: its info string, its code, the lines it spans
/// (from 1, both fences included) and its opening fence.
struct FencedCodeBlock: Equatable {
    var info, code: String
    var lines: ClosedRange<Int>
    var fence: String
}

/// Reads cmark nodes into the Swift tree; valid only while their `CMarkTree` lives.
enum CMarkNode {
    static func children(of node: OpaquePointer) -> [OpaquePointer] {
        var result: [OpaquePointer] = []
        var child = cmark_node_first_child(node)
        while let current = child {
            result.append(current)
            child = cmark_node_next(current)
        }
        return result
    }

    static func block(_ node: OpaquePointer) -> MarkdownBlock? {
        switch cmark_node_get_type(node) {
        case CMARK_NODE_HEADING:
            return .heading(level: Int(cmark_node_get_heading_level(node)), inlines(of: node))
        case CMARK_NODE_PARAGRAPH:
            return .paragraph(inlines(of: node))
        case CMARK_NODE_LIST:
            return .list(list(node))
        case CMARK_NODE_CODE_BLOCK:
            return .codeBlock(info: string(cmark_node_get_fence_info(node)), code: literal(node))
        case CMARK_NODE_BLOCK_QUOTE:
            return .blockQuote(children(of: node).compactMap(block))
        case CMARK_NODE_THEMATIC_BREAK:
            return .thematicBreak
        case CMARK_NODE_HTML_BLOCK:
            return .html(literal(node))
        default:
            // Footnotes and custom blocks are not enabled, so only tables reach here.
            return typeName(node) == "table" ? .table(table(node)) : nil
        }
    }

    static func inlines(of node: OpaquePointer) -> [MarkdownInline] {
        children(of: node).map(inline)
    }

    static func inline(_ node: OpaquePointer) -> MarkdownInline {
        switch cmark_node_get_type(node) {
        case CMARK_NODE_TEXT: return .text(literal(node))
        case CMARK_NODE_SOFTBREAK: return .softBreak
        case CMARK_NODE_LINEBREAK: return .lineBreak
        case CMARK_NODE_CODE: return .code(literal(node))
        case CMARK_NODE_HTML_INLINE: return .html(literal(node))
        case CMARK_NODE_EMPH: return .emphasis(inlines(of: node))
        case CMARK_NODE_STRONG: return .strong(inlines(of: node))
        case CMARK_NODE_LINK:
            return .link(
                url: string(cmark_node_get_url(node)), title: string(cmark_node_get_title(node)),
                inlines(of: node))
        case CMARK_NODE_IMAGE:
            return .image(src: string(cmark_node_get_url(node)), alt: inlines(of: node).plainText)
        default:
            if typeName(node) == "strikethrough" { return .strikethrough(inlines(of: node)) }
            return .text(inlines(of: node).plainText)
        }
    }

    private static func list(_ node: OpaquePointer) -> MarkdownList {
        let kind: MarkdownList.Kind
        if cmark_node_get_list_type(node) == CMARK_ORDERED_LIST {
            let delimiter = cmark_node_get_list_delim(node) == CMARK_PAREN_DELIM ? ")" : "."
            kind = .ordered(start: Int(cmark_node_get_list_start(node)), delimiter: delimiter)
        } else {
            kind = .bullet
        }
        let items = children(of: node).map { children(of: $0).compactMap(block) }
        return MarkdownList(kind: kind, isTight: cmark_node_get_list_tight(node) != 0, items: items)
    }

    private static func table(_ node: OpaquePointer) -> MarkdownTable {
        let columns = Int(cmark_gfm_extensions_get_table_columns(node))
        var alignments = [MarkdownTable.Alignment](repeating: .none, count: columns)
        if let raw = cmark_gfm_extensions_get_table_alignments(node) {
            for column in 0..<columns {
                switch UnicodeScalar(raw[column]) {
                case "l": alignments[column] = .left
                case "c": alignments[column] = .center
                case "r": alignments[column] = .right
                default: break
                }
            }
        }
        var header: [[MarkdownInline]] = []
        var rows: [[[MarkdownInline]]] = []
        for row in children(of: node) {
            var cells = children(of: row).map(inlines)
            // cmark-gfm drops cells past the header's width and leaves short rows short.
            cells = Array(cells.prefix(columns))
            cells += Array(repeating: [], count: columns - cells.count)
            if cmark_gfm_extensions_get_table_row_is_header(row) != 0 {
                header = cells
            } else {
                rows.append(cells)
            }
        }
        return MarkdownTable(alignments: alignments, header: header, rows: rows)
    }

    private static func typeName(_ node: OpaquePointer) -> String {
        string(cmark_node_get_type_string(node))
    }

    static func literal(_ node: OpaquePointer) -> String {
        string(cmark_node_get_literal(node))
    }

    static func string(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }
}
