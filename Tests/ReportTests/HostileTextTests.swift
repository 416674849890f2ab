import Foundation
import Testing

@testable import Core
@testable import Definition
@testable import Report
@testable import Store
@testable import Supervision
import TestFixtures

/// A stranger's store whose hostname, CPU model, variant name, failure, command lines and
/// write-up hold links of every scheme, raw HTML, pipes and backtick runs, rendered in every
/// format: the text shows as text, nothing in it becomes a link, a tag, a cell or a fence.
@Suite("hostile text from a store is shown, never obeyed", .serialized, .timeLimit(.minutes(5)))
struct HostileTextTests {
    /// The hostile store rendered in `format` into a fresh folder, away from the experiment's
    /// folder so the stored write-up is the one used.
    static func render(_ format: ReportFormat) throws -> (folder: URL, files: ReportFiles) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-hostile-\(UUID().uuidString)")
        let file = try HostileStore.make(in: folder)
        let files = try ResultStore.withSnapshot(of: file) { snapshot in
            let text = try #require(try snapshot.store.definitionText(ofRun: HostileStore.runID))
            let definition = try DefinitionLoader.stored(
                text: text, name: "aiohttp-vs-flask", projectRoot: folder.appendingPathComponent("elsewhere"))
            return try ReportBuilder.render(
                store: snapshot.store, runID: HostileStore.runID, experiment: definition,
                outputRoot: folder.appendingPathComponent("out"), format: format)
        }
        return (folder, files)
    }

    /// Every inline of a document, at any depth.
    static func inlines(_ blocks: [MarkdownBlock]) -> [MarkdownInline] {
        func walk(_ inline: MarkdownInline) -> [MarkdownInline] {
            switch inline {
            case .emphasis(let children), .strong(let children), .strikethrough(let children), .link(_, _, let children):
                return [inline] + children.flatMap(walk)
            default:
                return [inline]
            }
        }
        return blocks.flatMap { block -> [MarkdownInline] in
            switch block {
            case .heading(_, let inlines), .paragraph(let inlines): return inlines.flatMap(walk)
            case .list(let list): return list.items.flatMap { inlines($0) }
            case .blockQuote(let children): return inlines(children)
            case .table(let table): return (table.header + table.rows.flatMap { $0 }).flatMap { $0.flatMap(walk) }
            case .codeBlock, .thematicBreak, .html: return []
            }
        }
    }

    static func codeBlocks(_ blocks: [MarkdownBlock]) -> [String] {
        blocks.flatMap { block -> [String] in
            switch block {
            case .codeBlock(_, let code): return [code]
            case .list(let list): return list.items.flatMap { codeBlocks($0) }
            case .blockQuote(let children): return codeBlocks(children)
            default: return []
            }
        }
    }

    static func hasHTML(_ blocks: [MarkdownBlock]) -> Bool {
        blocks.contains { block in
            switch block {
            case .html: return true
            case .list(let list): return list.items.contains { hasHTML($0) }
            case .blockQuote(let children): return hasHTML(children)
            default: return false
            }
        } || inlines(blocks).contains { if case .html = $0 { return true } else { return false } }
    }

    /// The pipes GFM splits a row at: those not right after a backslash.
    static func cellSeparators(_ line: Substring) -> Int {
        var count = 0
        var previous: Character = " "
        for character in line {
            if character == "|", previous != "\\" { count += 1 }
            previous = character
        }
        return count
    }

    /// What a report's Markdown (report.md or a site page) must never carry.
    static func checkMarkdown(_ markdown: String, _ what: String) throws {
        let document = try MarkdownDocument(parsing: markdown)
        #expect(!hasHTML(document.blocks), "\(what) holds raw HTML")
        let links = inlines(document.blocks).compactMap { inline -> (String, String)? in
            guard case .link(let url, _, let children) = inline else { return nil }
            return (url, children.plainText)
        }
        #expect(Set(links.map(\.1)).isSuperset(of: HostileStore.safeLabels), "\(what): the safe links stay links: \(links)")
        for (url, text) in links {
            #expect(
                url.hasPrefix("https://") || url.hasPrefix("http://") || url.hasPrefix("#") || url.hasPrefix("mailto:") || url.hasSuffix(".png"),
                "\(what): '\(text)' links to \(url)")
        }
        let text = inlines(document.blocks).map(\.plainText).joined(separator: " ")
        for (label, _) in HostileStore.links {
            #expect(text.contains(label), "\(what): the link '\(label)' still shows its text")
        }
        // Every table's rows split into as many cells as its header.
        var table: [Substring] = []
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) + [Substring("")] {
            if line.hasPrefix("|") {
                table.append(line)
                continue
            }
            if let head = table.first {
                for row in table {
                    #expect(cellSeparators(row) == cellSeparators(head), "\(what): a row has another number of cells: \(row)")
                }
            }
            table = []
        }
        // The stored strings arrive whole, as text: one cell, one list item, one code block each.
        let oneLine = { (text: String) in MarkdownText.oneLine(text) }
        #expect(text.contains(oneLine(HostileStore.cpuModel)), "\(what): the CPU model shows as written")
        #expect(text.contains(oneLine(HostileStore.hostname)), "\(what): the hostname shows as written")
        #expect(text.contains(oneLine(HostileStore.failure)), "\(what): the failure shows as written, in its list item")
        #expect(text.contains(oneLine(HostileStore.variantName)), "\(what): the variant name shows as written")
        let code = codeBlocks(document.blocks)
        #expect(code.contains { $0.contains(HostileStore.upstreamCommandLine) }, "\(what): the upstream command line stays in one code block: \(code)")
        #expect(code.contains { $0.contains(HostileStore.serverCommandLine) }, "\(what): the server command line stays in one code block")
        #expect(code.contains { $0.contains("<script>document.title = 'pwned-block'</script>") }, "\(what): a raw HTML block is shown as code")
    }

    @Test("report.md, report.html and report.pdf show hostile stored text as text: no script, no javascript: or data: link, no onerror attribute, tables and fences whole")
    func standard() throws {
        let (folder, files) = try Self.render(.standard)
        defer { try? FileManager.default.removeItem(at: folder) }
        let markdown = try String(contentsOf: files.markdown, encoding: .utf8)
        try Self.checkMarkdown(markdown, "report.md")

        let html = try String(contentsOf: try #require(files.html), encoding: .utf8)
        #expect(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:"))
        #expect(html.range(of: "<script", options: .caseInsensitive) == nil, "no script element")
        #expect(html.range(of: #"<[a-zA-Z][^>]*\son[a-z]+\s*="#, options: .regularExpression) == nil, "no event-handler attribute")
        let hrefs = html.matches(of: /href="([^"]*)"/).map { String($0.1) }
        #expect(hrefs.contains("https://example.org/reportgen"))
        for href in hrefs {
            #expect(href.hasPrefix("#") || href.hasPrefix("https://") || href.hasPrefix("http://") || href.hasPrefix("mailto:"), "href=\(href)")
        }
        for image in html.matches(of: /<img[^>]*>/) {
            #expect(image.0.contains("src=\"data:image/"), "only embedded images: \(image.0)")
        }
        #expect(html.contains("&lt;b&gt;bold&lt;/b&gt;"), "inline HTML is shown as text")

        let pdf = try #require(files.pdf)
        let bytes = try Data(contentsOf: pdf)
        #expect(String(decoding: bytes.suffix(8), as: UTF8.self).contains("%%EOF"))
        // Pango drops a whole paragraph over a markup error: the hostile words must be there.
        let text = try CommandOutput.run("pdftotext", [pdf.path, "-"]).text
        #expect(text.contains("<b>bold</b>"), "the CPU model's tags are drawn as text in the PDF")
        #expect(text.contains("evil-host"), "the hostname is drawn in the PDF")
        #expect(text.contains("pwned-inline"), "the write-up's inline HTML is drawn as text in the PDF")
    }

    @Test("hugo and jekyll pages carry no raw HTML and no unsafe link, and their front matter stays one key a line", arguments: [ReportFormat.hugo, .jekyll])
    func sitePages(format: ReportFormat) throws {
        let (folder, files) = try Self.render(format)
        defer { try? FileManager.default.removeItem(at: folder) }
        let page = try String(contentsOf: files.markdown, encoding: .utf8)
        let parts = page.components(separatedBy: "\n---\n")
        let frontMatter = try #require(parts.first).split(separator: "\n").dropFirst()
        let keys = frontMatter.map { $0.prefix { $0 != ":" } }
        let expected: [Substring] = format == .jekyll
            ? ["title", "layout", "date", "excerpt", "tags", "generator"] : ["title", "date", "summary", "tags", "generator"]
        #expect(keys == expected, "front matter: \(frontMatter)")
        #expect(frontMatter.first == #"title: "Is \"aiohttp\": faster? #no [x] 'quoted'""#)
        let body = parts.dropFirst().joined(separator: "\n---\n")
        #expect(!body.contains("{{") && !body.contains("{%"), "no Hugo shortcode or Liquid tag in the page")
        try Self.checkMarkdown(parts.dropFirst().joined(separator: "\n---\n"), "\(format) index.md")
    }

    @Test("the escapers: Markdown text, a table cell, a code span, a fenced block, a link target, a YAML scalar")
    func escapers() throws {
        for hostile in [HostileStore.hostname, HostileStore.cpuModel, HostileStore.variantName, "- item", "+ x", "=== x", "1. x", "12) y", "a_b _c_ `d`"] {
            let document = try MarkdownDocument(parsing: "x " + MarkdownText.escaped(hostile))
            #expect(HostileTextTests.inlines(document.blocks).map(\.plainText).joined() == "x " + MarkdownText.oneLine(hostile))
            let alone = try MarkdownDocument(parsing: MarkdownText.escaped(hostile))
            #expect(alone.blocks == [.paragraph(HostileTextTests.inlines(alone.blocks))], "\(hostile) alone is one paragraph: \(alone.blocks)")
        }
        let code = "a ``` b\n````\nc"
        #expect(try MarkdownDocument(parsing: MarkdownText.codeBlock(code) + "\nafter").blocks == [.codeBlock(info: "", code: code + "\n"), .paragraph([.text("after")])])
        #expect(try MarkdownDocument(parsing: MarkdownText.codeSpan("`a`` b`")).blocks == [.paragraph([.code("`a`` b`")])])
        let table = "| a | b |\n| - | - |\n| " + MarkdownText.tableCell(MarkdownText.escaped("x|y\\|z")) + " | " + MarkdownText.tableCell("`p|q`") + " |"
        guard case .table(let parsed) = try #require(try MarkdownDocument(parsing: table).blocks.first) else {
            Issue.record("not a table")
            return
        }
        #expect(parsed.rows.map { $0.map(\.plainText) } == [["x|y\\|z", "p|q"]])
        for unsafe in ["javascript:x", "JaVaScRiPt:x", " javascript:x", "\u{1}javascript:x", "java\tscript:x", "java\nscript:x", "data:text/html,x", "vbscript:x", "file:///etc/passwd", ":x"] {
            #expect(!LinkTarget.isSafe(unsafe), "\(unsafe.debugDescription)")
        }
        for safe in ["https://a.b/c", "HTTP://a", "mailto:a@b", "#top", "report.pdf", "./a:b", "/x?y=a:b", "?q=j:s"] {
            #expect(LinkTarget.isSafe(safe), "\(safe)")
        }
        #expect(SitePage.yaml("a\"b\\c\nd\u{2028}e\u{85}f") == #""a\"b\\c\nd\u2028e\u0085f""#)
    }
}

extension HostileTextTests {
    @Test("site pages break every Hugo shortcode and Liquid tag, however many braces open it")
    func inertTemplates() {
        for hostile in ["{{< youtube x >}}", "{{% param y %}}", "{% include z %}", "{{{ site }}}", "{{{%"] {
            let inert = SitePage.inertTemplates(hostile)
            #expect(!inert.contains("{{") && !inert.contains("{%"), "\(hostile) → \(inert)")
        }
    }
}
