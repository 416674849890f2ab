extension MarkdownDocument {
    /// The document with nothing a reader's browser or site generator would act on: raw HTML
    /// becomes text (a block of it a code block), and a link or image whose target is not
    /// `LinkTarget.isSafe` becomes its text. Every renderer draws the sanitized tree.
    public var sanitized: MarkdownDocument {
        MarkdownDocument(blocks: blocks.map(\.sanitized))
    }
}

extension MarkdownBlock {
    var sanitized: MarkdownBlock {
        switch self {
        case .heading(let level, let inlines): return .heading(level: level, inlines.map(\.sanitized))
        case .paragraph(let inlines): return .paragraph(inlines.map(\.sanitized))
        case .list(var list):
            list.items = list.items.map { $0.map(\.sanitized) }
            return .list(list)
        case .blockQuote(let blocks): return .blockQuote(blocks.map(\.sanitized))
        case .table(var table):
            table.header = table.header.map { $0.map(\.sanitized) }
            table.rows = table.rows.map { $0.map { $0.map(\.sanitized) } }
            return .table(table)
        case .html(let text):
            var code = text
            while code.hasSuffix("\n") { code.removeLast() }
            return .codeBlock(info: "", code: code + "\n")
        case .codeBlock, .thematicBreak: return self
        }
    }
}

extension MarkdownInline {
    var sanitized: MarkdownInline {
        switch self {
        case .html(let text): return .text(text)
        case .emphasis(let children): return .emphasis(children.map(\.sanitized))
        case .strong(let children): return .strong(children.map(\.sanitized))
        case .strikethrough(let children): return .strikethrough(children.map(\.sanitized))
        case .link(let url, let title, let children):
            guard LinkTarget.isSafe(url) else { return .text(children.plainText) }
            return .link(url: url, title: title, children.map(\.sanitized))
        case .image(let src, let alt):
            return LinkTarget.isSafe(src) ? self : .text(alt)
        case .text, .code, .softBreak, .lineBreak: return self
        }
    }
}
