import Core
import Foundation

/// What an image in the Markdown becomes in the HTML page: a chart's SVG document, inlined,
/// or bytes embedded as a data URL. Either way the page makes no request of its own.
public enum HTMLImage {
    /// An SVG document as a file holds it (prolog and all); ids are made unique per figure.
    case svg(String)
    case data(Data, mimeType: String)
}

/// Renders a Markdown report as one self-contained HTML page: its CSS in a `<style>`, every
/// chart inlined as SVG, no script, and a Content-Security-Policy that forbids any. Headings carry anchors, tables scroll sideways inside
/// their own box on narrow screens, an image followed by an italic paragraph becomes a
/// figure with that caption, and the page follows the reader's light or dark scheme.
public struct HTMLRenderer: Sendable {
    public init() {}

    /// The page loads nothing and runs nothing: its own `<style>` and inline SVG, and images
    /// as data: URLs, are all it needs. A script a write-up smuggled past the escaping would
    /// still not run.
    public static let contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

    /// The page for `markdown`. `images` turns each image's src into what to embed; a src it
    /// does not know is an error, as in the PDF.
    public func render(markdown: String, title: String, images: (String) throws -> HTMLImage?) throws -> String {
        let document = try MarkdownDocument(parsing: markdown).sanitized
        var embedded: [String: HTMLImage] = [:]
        for src in document.imageSources {
            guard let image = try images(src) else {
                throw ReportgenError(
                    .badDefinition, "The report shows an image '\(src)' that nothing provides",
                    hint: "check the image's path in the write-up against the charts the report draws")
            }
            embedded[src] = image
        }
        var writer = HTMLWriter(images: embedded)
        writer.blocks(document.blocks)
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark">
            <meta http-equiv="Content-Security-Policy" content="\(Self.contentSecurityPolicy)">
            <meta name="generator" content="reportgen">
            <title>\(MarkupText.escaped(title))</title>
            <style>
            \(HTMLStyle.css)</style>
            </head>
            <body>
            <main>

            """ + writer.output + "</main>\n</body>\n</html>\n"
    }
}

/// Walks the Markdown tree and appends HTML; one per page, since anchors and figure ids are
/// numbered across the whole page.
private struct HTMLWriter {
    let images: [String: HTMLImage]
    var output = ""
    private var anchors = HeadingAnchors()
    private var figures = 0

    init(images: [String: HTMLImage]) {
        self.images = images
    }

    mutating func blocks(_ blocks: [MarkdownBlock]) {
        var index = blocks.startIndex
        while index < blocks.endIndex {
            let block = blocks[index]
            if case .paragraph(let inlines) = block, let src = Self.soleImage(inlines) {
                // A chart followed by an italic paragraph: that paragraph is its caption.
                var caption: [MarkdownInline]?
                if index + 1 < blocks.endIndex, case .paragraph(let next) = blocks[index + 1],
                    next.count == 1, case .emphasis(let words) = next[0]
                {
                    caption = words
                    index += 1
                }
                figure(src: src.src, alt: src.alt, caption: caption)
            } else {
                self.block(block)
            }
            index += 1
        }
    }

    private mutating func block(_ block: MarkdownBlock) {
        switch block {
        case .heading(let level, let inlines):
            let id = anchors.claim(inlines.plainText)
            output += "<h\(level) id=\"\(id)\">\(phrase(inlines))<a class=\"anchor\" href=\"#\(id)\" aria-label=\"Link to this section\">#</a></h\(level)>\n"
        case .paragraph(let inlines):
            output += "<p>\(phrase(inlines))</p>\n"
        case .list(let list):
            let tag: String
            switch list.kind {
            case .bullet: tag = "ul"
            case .ordered(let start, _): tag = start == 1 ? "ol" : "ol start=\"\(start)\""
            }
            output += "<\(tag)>\n"
            for item in list.items {
                output += "<li>"
                if list.isTight, item.count == 1, case .paragraph(let inlines) = item[0] {
                    output += phrase(inlines)
                } else {
                    output += "\n"
                    blocks(item)
                }
                output += "</li>\n"
            }
            output += list.kind == .bullet ? "</ul>\n" : "</ol>\n"
        case .codeBlock(let info, let code):
            let language = info.split(separator: " ").first.map { " class=\"language-\(MarkupText.escaped(String($0)))\"" } ?? ""
            output += "<pre><code\(language)>\(MarkupText.escaped(code))</code></pre>\n"
        case .blockQuote(let children):
            output += "<blockquote>\n"
            blocks(children)
            output += "</blockquote>\n"
        case .thematicBreak:
            output += "<hr>\n"
        case .table(let table):
            self.table(table)
        case .html(let text):
            // Shown as written, as in the PDF: a write-up cannot inject markup into the page.
            output += "<pre>\(MarkupText.escaped(text))</pre>\n"
        }
    }

    private mutating func table(_ table: MarkdownTable) {
        func alignment(_ column: Int) -> String {
            switch table.alignments[column] {
            case .none: return ""
            case .left: return " class=\"left\""
            case .center: return " class=\"center\""
            case .right: return " class=\"num\""
            }
        }
        output += "<div class=\"table-scroll\" tabindex=\"0\">\n<table>\n<thead>\n<tr>"
        for (column, cell) in table.header.enumerated() {
            output += "<th\(alignment(column))>\(phrase(cell))</th>"
        }
        output += "</tr>\n</thead>\n<tbody>\n"
        for row in table.rows {
            output += "<tr>"
            for (column, cell) in row.enumerated() {
                output += "<td\(alignment(column))>\(phrase(cell))</td>"
            }
            output += "</tr>\n"
        }
        output += "</tbody>\n</table>\n</div>\n"
    }

    private mutating func figure(src: String, alt: String, caption: [MarkdownInline]?) {
        figures += 1
        let id = "figure-\(figures)"
        output += "<figure id=\"\(id)\">\n"
        output += Self.embed(images[src], alt: alt, prefix: "f\(figures)-")
        output += "\n"
        if let caption {
            output += "<figcaption>\(phrase(caption))</figcaption>\n"
        }
        output += "</figure>\n"
    }

    /// The image a paragraph consists of, if it holds one image and nothing else.
    private static func soleImage(_ inlines: [MarkdownInline]) -> (src: String, alt: String)? {
        let visible = inlines.filter { inline in
            if case .text(let text) = inline { return !text.trimmingCharacters(in: .whitespaces).isEmpty }
            return inline != .softBreak && inline != .lineBreak
        }
        guard visible.count == 1, case .image(let src, let alt) = visible[0] else { return nil }
        return (src, alt)
    }

    private mutating func phrase(_ inlines: [MarkdownInline]) -> String {
        var text = ""
        for element in inlines { text += inline(element) }
        return text
    }

    private mutating func inline(_ inline: MarkdownInline) -> String {
        switch inline {
        case .text(let text): return MarkupText.escaped(text)
        case .emphasis(let children): return "<em>\(phrase(children))</em>"
        case .strong(let children): return "<strong>\(phrase(children))</strong>"
        case .strikethrough(let children): return "<del>\(phrase(children))</del>"
        case .code(let code): return "<code>\(MarkupText.escaped(code))</code>"
        case .link(let url, let title, let children):
            // Sanitized already; checked again here because an href is where a script hides.
            guard LinkTarget.isSafe(url) else { return phrase(children) }
            let titled = title.isEmpty ? "" : " title=\"\(MarkupText.escaped(title))\""
            return "<a href=\"\(MarkupText.escaped(url))\"\(titled)>\(phrase(children))</a>"
        case .image(let src, let alt):
            figures += 1
            return Self.embed(images[src], alt: alt, prefix: "f\(figures)-")
        case .softBreak: return "\n"
        case .lineBreak: return "<br>\n"
        case .html(let text): return MarkupText.escaped(text)
        }
    }

    private static func embed(_ image: HTMLImage?, alt: String, prefix: String) -> String {
        switch image {
        case .svg(let document):
            return InlineSVG.element(document, idPrefix: prefix, label: alt)
        case .data(let bytes, let mimeType):
            return "<img src=\"data:\(mimeType);base64,\(bytes.base64EncodedString())\" alt=\"\(MarkupText.escaped(alt))\">"
        case nil:
            return MarkupText.escaped(alt)
        }
    }
}

/// GitHub-style heading ids ("Compared with the published numbers" →
/// "compared-with-the-published-numbers"), numbered when a title repeats.
struct HeadingAnchors {
    private var used: [String: Int] = [:]

    mutating func claim(_ title: String) -> String {
        var slug = ""
        for character in title.lowercased() {
            if character.isLetter || character.isNumber || character == "_" || character == "-" {
                slug.append(character)
            } else if character == " " {
                slug.append("-")
            }
        }
        if slug.isEmpty { slug = "section" }
        let count = used[slug, default: 0]
        used[slug] = count + 1
        return count == 0 ? slug : "\(slug)-\(count)"
    }
}

/// A Cairo SVG document made fit to sit inside an HTML page: no XML prolog, every id
/// prefixed (two charts' glyph ids would otherwise collide and borrow each other's glyphs),
/// and an accessible name.
enum InlineSVG {
    static func element(_ document: String, idPrefix: String, label: String) -> String {
        // Byte by byte: a chart's SVG is hundreds of kilobytes of ASCII, and this runs for
        // every chart of every render.
        let bytes = Array(document.utf8)
        guard let start = find(Array("<svg ".utf8), in: bytes, from: 0) else { return MarkupText.escaped(label) }
        let prefix = Array(idPrefix.utf8)
        let patterns = [Array(" id=\"".utf8), Array("href=\"#".utf8), Array("url(#".utf8)]
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 8)
        output += Array("<svg role=\"img\" aria-label=\"\(MarkupText.escaped(label))\" ".utf8)
        var index = start + 5
        while index < bytes.count {
            let byte = bytes[index]
            // Every pattern starts with ' ', 'h' or 'u': test the rest only there.
            if byte == 0x20 || byte == 0x68 || byte == 0x75,
                let pattern = patterns.first(where: { matches($0, in: bytes, at: index) })
            {
                output += pattern
                output += prefix
                index += pattern.count
            } else {
                output.append(byte)
                index += 1
            }
        }
        while let last = output.last, last == 0x0A || last == 0x20 { output.removeLast() }
        return String(decoding: output, as: UTF8.self)
    }

    private static func matches(_ pattern: [UInt8], in bytes: [UInt8], at index: Int) -> Bool {
        guard index + pattern.count <= bytes.count else { return false }
        for offset in 0..<pattern.count where bytes[index + offset] != pattern[offset] { return false }
        return true
    }

    private static func find(_ pattern: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + pattern.count <= bytes.count {
            if matches(pattern, in: bytes, at: index) { return index }
            index += 1
        }
        return nil
    }
}
