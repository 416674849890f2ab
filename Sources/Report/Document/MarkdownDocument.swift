/// A Markdown document as a small Swift tree, parsed by cmark-gfm (GFM tables,
/// strikethrough and autolinks included); renderers walk it without touching C.
public struct MarkdownDocument: Sendable, Equatable {
    public var blocks: [MarkdownBlock]

    public init(blocks: [MarkdownBlock]) {
        self.blocks = blocks
    }

    /// Parses `markdown` as GitHub-flavoured Markdown.
    public init(parsing markdown: String) throws {
        let tree = try CMarkTree(markdown: markdown)
        self.init(blocks: tree.blocks())
    }

    /// Every image source the document refers to, in reading order, without repeats.
    public var imageSources: [String] {
        var seen = Set<String>()
        return blocks.flatMap(\.imageSources).filter { seen.insert($0).inserted }
    }
}

/// One block of a Markdown document.
public indirect enum MarkdownBlock: Sendable, Equatable {
    case heading(level: Int, [MarkdownInline])
    case paragraph([MarkdownInline])
    case list(MarkdownList)
    case codeBlock(info: String, code: String)
    case blockQuote([MarkdownBlock])
    case thematicBreak
    case table(MarkdownTable)
    /// Raw HTML, kept as text: the PDF shows it rather than interpreting it.
    case html(String)

    var imageSources: [String] {
        switch self {
        case .heading(_, let inlines), .paragraph(let inlines):
            return inlines.flatMap(\.imageSources)
        case .list(let list):
            return list.items.flatMap { $0.flatMap(\.imageSources) }
        case .blockQuote(let blocks):
            return blocks.flatMap(\.imageSources)
        case .table(let table):
            return (table.header + table.rows.flatMap { $0 }).flatMap { $0.flatMap(\.imageSources) }
        case .codeBlock, .thematicBreak, .html:
            return []
        }
    }
}

/// A bullet or ordered list; each item is a sequence of blocks (so lists nest).
public struct MarkdownList: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case bullet
        /// `delimiter` is "." or ")", as written.
        case ordered(start: Int, delimiter: String)
    }

    public var kind: Kind
    /// A tight list has no blank lines between items, so it is set with less space.
    public var isTight: Bool
    public var items: [[MarkdownBlock]]

    public init(kind: Kind, isTight: Bool, items: [[MarkdownBlock]]) {
        self.kind = kind
        self.isTight = isTight
        self.items = items
    }
}

/// A GFM table: a header row, body rows and one alignment per column.
public struct MarkdownTable: Sendable, Equatable {
    /// Column alignment from the table's delimiter row (`:--`, `:-:`, `--:`).
    public enum Alignment: Sendable, Equatable {
        case none, left, center, right
    }

    public var alignments: [Alignment]
    public var header: [[MarkdownInline]]
    /// Every row has exactly `alignments.count` cells (cmark pads short rows).
    public var rows: [[[MarkdownInline]]]

    public init(alignments: [Alignment], header: [[MarkdownInline]], rows: [[[MarkdownInline]]]) {
        self.alignments = alignments
        self.header = header
        self.rows = rows
    }
}

/// One inline element of a paragraph, heading or table cell.
public indirect enum MarkdownInline: Sendable, Equatable {
    case text(String)
    case emphasis([MarkdownInline])
    case strong([MarkdownInline])
    case strikethrough([MarkdownInline])
    case code(String)
    case link(url: String, title: String, [MarkdownInline])
    case image(src: String, alt: String)
    case softBreak
    case lineBreak
    /// Raw inline HTML, kept as text.
    case html(String)

    /// The text a reader sees, without formatting.
    public var plainText: String {
        switch self {
        case .text(let text), .code(let text), .html(let text): return text
        case .emphasis(let children), .strong(let children), .strikethrough(let children),
            .link(_, _, let children):
            return children.plainText
        case .image(_, let alt): return alt
        case .softBreak: return " "
        case .lineBreak: return "\n"
        }
    }

    var imageSources: [String] {
        switch self {
        case .image(let src, _): return [src]
        case .emphasis(let children), .strong(let children), .strikethrough(let children),
            .link(_, _, let children):
            return children.flatMap(\.imageSources)
        case .text, .code, .html, .softBreak, .lineBreak: return []
        }
    }
}

extension Array where Element == MarkdownInline {
    /// The text a reader sees, without formatting.
    public var plainText: String { map(\.plainText).joined() }
}
