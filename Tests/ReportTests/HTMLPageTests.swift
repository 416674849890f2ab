import Foundation
import Testing

@testable import Report
@testable import Core

/// The HTML page from Markdown, without a browser (the browser test is in
/// ShippedExampleTests): structure, escaping, and charts that can share one page.
@Suite("the self-contained HTML page")
struct HTMLPageTests {
    /// A chart as Cairo writes it: a prolog, glyph symbols referenced by id, a clip path.
    static func cairoSVG(_ title: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="560pt" height="340pt" viewBox="0 0 560 340" version="1.1">
        <title>\(title)</title>
        <defs><g><symbol overflow="visible" id="glyph0-1"><path d="M 0 0 L 1 1 Z"/></symbol></g>
        <clipPath id="clip1"><path d="M 0 0 L 560 0 L 560 340 Z"/></clipPath></defs>
        <g clip-path="url(#clip1)"><use xlink:href="#glyph0-1" x="10" y="20"/></g>
        </svg>
        """
    }

    static let markdown = """
        # Is <aiohttp> faster?

        *Run 1 of `x`, measured on a & b.*

        ## Results

        | variant | requests |
        | --- | ---: |
        | aiohttp | 1,100 |

        ![Requests served](requests.png)

        *Each dot is one trial.*

        ![Latency](latency.png)

        ## Results

        > **Quick run.** Not a result.

        - one
        - two [link](https://example.org/a?b=1&c=2)

        ```
        wrk -c 400 <url>
        ```

        <script>alert(1)</script>
        """

    static func page() throws -> String {
        try HTMLRenderer().render(markdown: markdown, title: "Is <aiohttp> faster?") { src in
            switch src {
            case "requests.png": return .svg(cairoSVG("Requests served"))
            case "latency.png": return .svg(cairoSVG("Latency"))
            default: return nil
            }
        }
    }

    @Test("headings get unique anchors, a chart with an italic line after it becomes a figure with that caption, tables scroll in a box")
    func structure() throws {
        let html = try Self.page()
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        #expect(html.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"))
        #expect(html.contains("<title>Is &lt;aiohttp&gt; faster?</title>"))
        #expect(html.contains("<h2 id=\"results\">Results<a class=\"anchor\" href=\"#results\""))
        #expect(html.contains("<h2 id=\"results-1\">Results<a class=\"anchor\" href=\"#results-1\""), "a repeated title gets its own anchor")
        #expect(html.contains("<div class=\"table-scroll\" tabindex=\"0\">\n<table>"))
        #expect(html.contains("<th class=\"num\">requests</th>") && html.contains("<td class=\"num\">1,100</td>"))
        #expect(html.contains("<figcaption>Each dot is one trial.</figcaption>"))
        #expect(html.components(separatedBy: "<figure").count - 1 == 2)
        #expect(html.components(separatedBy: "<figcaption>").count - 1 == 1, "the second chart has no caption line after it")
        #expect(html.contains("<p><em>Run 1 of <code>x</code>, measured on a &amp; b.</em></p>"), "an italic line after a heading stays a paragraph")
        #expect(html.contains("<blockquote>\n<p><strong>Quick run.</strong> Not a result.</p>\n</blockquote>"))
        #expect(html.contains("<a href=\"https://example.org/a?b=1&amp;c=2\">link</a>"))
        #expect(html.contains("<pre><code>wrk -c 400 &lt;url&gt;\n</code></pre>"))
        #expect(html.contains("@media (prefers-color-scheme: dark)"))
    }

    @Test("nothing in the page runs or fetches: raw HTML in the write-up is shown as text, charts are inline SVG without a prolog")
    func selfContained() throws {
        let html = try Self.page()
        #expect(!html.contains("<script"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("<?xml"))
        #expect(!html.contains("<img"))
        #expect(html.contains("<svg role=\"img\" aria-label=\"Requests served\" xmlns="))
    }

    @Test("two charts on one page keep their own glyphs: every id and reference is prefixed per figure")
    func uniqueIDs() throws {
        let html = try Self.page()
        #expect(html.contains("id=\"f1-glyph0-1\"") && html.contains("id=\"f2-glyph0-1\""))
        #expect(html.contains("xlink:href=\"#f1-glyph0-1\"") && html.contains("xlink:href=\"#f2-glyph0-1\""))
        #expect(html.contains("clip-path=\"url(#f1-clip1)\"") && html.contains("clip-path=\"url(#f2-clip1)\""))
        let ids = html.matches(of: /id="([^"]+)"/).map { String($0.1) }
        #expect(Set(ids).count == ids.count, "ids repeat: \(ids)")
    }

    @Test("an image nothing provides is an error naming it")
    func unknownImage() throws {
        let error = try #require(throws: ReportgenError.self) {
            try HTMLRenderer().render(markdown: "![x](missing.png)\n", title: "t") { _ in nil }
        }
        #expect(error.message.contains("'missing.png'"))
    }

    @Test("a static-site page has front matter Hugo and Jekyll read, the first prose paragraph as summary, and no title heading")
    func sitePage() throws {
        let markdown = "# A \"quoted\" title\n\n*Run 1 of `x`.*\n\n> **Quick run.** no\n\nIn 2017 a post compared\naiohttp with Flask.\n\n## Results\n"
        let document = try MarkdownDocument(parsing: markdown)
        let summary = SitePage.summary(of: document)
        #expect(summary == "In 2017 a post compared aiohttp with Flask.")
        let front = SitePage.FrontMatter(
            title: "A \"quoted\" title", date: Date(timeIntervalSince1970: 1_800_000_000), summary: summary, tags: ["benchmark", "x"])
        let hugo = SitePage.text(markdown: markdown, frontMatter: front, format: .hugo)
        #expect(hugo.hasPrefix("---\ntitle: \"A \\\"quoted\\\" title\"\ndate: 2027-01-15T08:00:00Z\nsummary: \"In 2017 a post compared aiohttp with Flask.\"\ntags: [\"benchmark\", \"x\"]\n"))
        #expect(hugo.contains("---\n\n*Run 1 of `x`.*"), "the body starts after the front matter, without the title")
        #expect(!hugo.contains("# A"))
        let jekyll = SitePage.text(markdown: markdown, frontMatter: front, format: .jekyll)
        #expect(jekyll.contains("\nlayout: post\ndate: 2027-01-15 08:00:00 +0000\nexcerpt: \"In 2017"))
        let long = SitePage.summary(of: try MarkdownDocument(parsing: String(repeating: "word ", count: 200)))
        #expect(long.count <= 301 && long.hasSuffix("…"))
    }
}
