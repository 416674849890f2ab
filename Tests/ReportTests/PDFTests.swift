import Foundation
import Testing

@testable import Report
import Core

@Suite("PDF report", .serialized, .timeLimit(.minutes(2)))
struct PDFTests {
    static let columns = 12
    static let rows = 11

    /// The number in body row `row`, column `column` of the fixture table.
    static func number(_ row: Int, _ column: Int) -> String {
        String(format: "%d.%d", 1000 * (row + 1) + 37 * column, column % 10)
    }

    static var table: String {
        var lines = ["| variant | " + (1..<columns).map { "p\($0)" }.joined(separator: " | ") + " |"]
        lines.append("|:--|" + String(repeating: "--:|", count: columns - 1))
        for row in 0..<rows {
            let cells = ["flask:\(row * 10)"] + (1..<columns).map { number(row, $0) }
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }

    static var fixture: String {
        let filler = (1...28).map { index in
            "Paragraph \(index) of the long discussion. " + String(
                repeating: "The server answered every request while the load generator kept 400 connections open, and the latency distribution stayed wide. ",
                count: 3)
        }.joined(separator: "\n\n")
        return """
            # Aiohttp vs Flask

            An *emphasised*, **strong**, `inline code`, ~~struck~~ and [linked](https://example.com) sentence,
            with an autolink https://example.org and a hard break here\\
            after it. Fish & chips <b>not bold</b> 5 < 6 > 4.

            ## Lists

            - first bullet
            - second bullet
              - nested bullet
                1. deep ordered
            - third bullet

            3. third
            4. fourth

            ## Code, quotes and rules

            ```swift
            let answer = 42 // a < b && c > d
            ```

            > A quoted remark that spans
            > more than one line of the source.
            >
            > - with a list inside

            ***

            <div class="note">raw html block</div>

            ## Results

            \(table)

            ![Requests per variant](chart.vector)

            ![A photo](photo.png)

            ### Discussion

            \(filler)

            The end.
            """
    }

    /// Draws the fixture's chart: a frame and a label.
    static func chart() -> ImageSource {
        .vector(width: 400, height: 200) { context in
        context.setColor(Color(hex: 0x4477aa))
        context.rectangle(10, 10, 380, 180)
        context.fill()
        context.text("VECTOR-CHART-LABEL", at: 200, 100, font: .sans(14), color: .white, alignment: .center)
        }
    }

    @Test func rendersEveryBlockKindAcrossPages() throws {
        try withTemporaryDirectory { folder in
            let png = folder.appendingPathComponent("photo.png")
            let image = try CairoSurface.image(width: 60, height: 30)
            let context = try CairoContext(image)
            context.paint(Color(hex: 0xcc6677))
            try image.writePNG(png)

            let pdf = folder.appendingPathComponent("report.pdf")
            try PDFRenderer().render(markdown: Self.fixture, to: pdf, title: "Benchmark Report Title", created: .fixtureDocumentDate) { src in
                switch src {
                case "chart.vector": return Self.chart()
                case "photo.png": return .png(png)
                default: return nil
                }
            }

            try keepForInspection(pdf)
            let pages = try renderedPageCount(pdf, in: folder)
            #expect(pages >= 3)
            let text = try run("pdftotext", [pdf.path, "-"])
            let words = Set(text.split(whereSeparator: \.isWhitespace).map(String.init))
            var cells: [String] = []
            for row in 0..<Self.rows {
                cells.append("flask:\(row * 10)")
                cells += (1..<Self.columns).map { Self.number(row, $0) }
            }
            #expect(cells.filter { !words.contains($0) } == [], "table cells missing from the PDF's text")
            for expected in [
                "Aiohttp vs Flask", "emphasised", "inline code", "nested bullet", "deep ordered",
                "let answer = 42 // a < b && c > d", "Fish & chips <b>not bold</b> 5 < 6 > 4.",
                "quoted remark", "raw html block", "VECTOR-CHART-LABEL", "The end.",
                "page 1 of \(pages)", "page \(pages) of \(pages)",
            ] {
                #expect(text.contains(expected), "missing: \(expected)")
            }
            #expect(try run("pdftotext", ["-f", "1", "-l", "1", pdf.path, "-"]).contains("Benchmark Report Title") == false)
            #expect(try run("pdftotext", ["-f", "2", "-l", "2", pdf.path, "-"]).contains("Benchmark Report Title"))
        }
    }

    static var crowded: String {
        let sentence = "Every trial ran behind the same nginx upstream, so the variants only differ in how they wait. "
        let long = String(repeating: sentence, count: 9)
        let quote = (1...5).map { _ in "> \(long)" }.joined(separator: "\n>\n")
        let list = (1...24).map { "- item \($0): \(String(repeating: sentence, count: 2))\n  1. nested \($0)" }
            .joined(separator: "\n")
        let code = (1...140).map { "line \($0) = \(String(repeating: "x", count: $0 % 7 == 0 ? 160 : 20))" }
            .joined(separator: "\n")
        let rows = (1...60).map { "| v\($0) | \(sentence) \(sentence) | \($0 * 321) |" }.joined(separator: "\n")
        let url = "https://example.com/" + String(repeating: "a", count: 300)
        return """
            # Crowded

            \(quote)

            \(list)

            ```
            \(code)
            ```

            | Name | Description | Value |
            |---|---|---:|
            \(rows)

            ![tall](tall.vector)

            See \(url) for more.

            ## Last heading

            Last words.
            """
    }

    @Test func nothingCrossesTheMargins() throws {
        try withTemporaryDirectory { folder in
            let pdf = folder.appendingPathComponent("crowded.pdf")
            let tall = ImageSource.vector(width: 200, height: 600) { context in
                context.setColor(Color(hex: 0x222222))
                context.rectangle(0, 0, 200, 600)
                context.fill()
            }
            try PDFRenderer().render(markdown: Self.crowded, to: pdf, title: "Crowded", created: .fixtureDocumentDate) { $0 == "tall.vector" ? tall : nil }
            try keepForInspection(pdf)

            let pages = try renderedPageCount(pdf, in: folder)
            #expect(pages >= 5)
            for page in 1...pages {
                let png = folder.appendingPathComponent(String(format: "page-crowded-%d.png", page))
                let alternative = folder.appendingPathComponent(String(format: "page-crowded-%02d.png", page))
                let image = try CairoSurface.png(FileManager.default.fileExists(atPath: png.path) ? png : alternative)
                #expect(inkInMargins(image, page: page) == ["footer"], "page \(page)")
            }
            let text = try run("pdftotext", [pdf.path, "-"])
            for expected in ["line 140 =", "v60", "\(60 * 321)", "Last words.", "nested 24"] {
                #expect(text.contains(expected), "missing: \(expected)")
            }
        }
    }

    @Test func longTableRepeatsItsHeaderOnTheNextPage() throws {
        try withTemporaryDirectory { folder in
            var lines = ["| Variant name | Requests |", "|---|---:|"]
            lines += (1...120).map { "| row-\($0) | \($0 * 1000) |" }
            let pdf = folder.appendingPathComponent("table.pdf")
            try PDFRenderer().render(markdown: lines.joined(separator: "\n"), to: pdf, title: "T", created: .fixtureDocumentDate) { _ in nil }

            try keepForInspection(pdf)
            #expect(try renderedPageCount(pdf, in: folder) >= 2)
            let second = try run("pdftotext", ["-f", "2", "-l", "2", pdf.path, "-"])
            #expect(second.contains("Variant name"))
            #expect(second.contains("Requests"))
            let all = try run("pdftotext", [pdf.path, "-"])
            #expect(all.contains("row-120"))
            #expect(all.contains("120000"))
        }
    }

    @Test func unknownImageIsAnErrorNamingIt() throws {
        try withTemporaryDirectory { folder in
            let pdf = folder.appendingPathComponent("missing.pdf")
            let error = #expect(throws: ReportgenError.self) {
                try PDFRenderer().render(markdown: "Intro\n\n![chart](charts/nowhere.svg)\n", to: pdf, title: "T", created: .fixtureDocumentDate) { _ in nil }
            }
            #expect(error?.description.contains("charts/nowhere.svg") == true)
            #expect(!FileManager.default.fileExists(atPath: pdf.path))
        }
    }

    @Test func parsesTheGFMTree() throws {
        let document = try MarkdownDocument(parsing: """
            # Title

            | a | b | c |
            |:--|:-:|--:|
            | 1 | **2** |
            
            1) one
               - inner

            > quote with `code` & <tag>
            """)
        guard document.blocks.count == 4,
            case .heading(1, let title) = document.blocks[0],
            case .table(let table) = document.blocks[1],
            case .list(let list) = document.blocks[2],
            case .blockQuote(let quote) = document.blocks[3]
        else {
            Issue.record("unexpected blocks: \(document.blocks)")
            return
        }
        #expect(title == [.text("Title")])
        #expect(table.alignments == [.left, .center, .right])
        #expect(table.header.map(\.plainText) == ["a", "b", "c"])
        #expect(table.rows == [[[.text("1")], [.strong([.text("2")])], []]])
        #expect(list.kind == .ordered(start: 1, delimiter: ")"))
        guard case .list(let inner)? = list.items.first?.last else {
            Issue.record("no nested list in \(list)")
            return
        }
        #expect(inner.kind == .bullet)
        guard case .paragraph(let inlines)? = quote.first else {
            Issue.record("no paragraph in \(quote)")
            return
        }
        #expect(inlines.plainText == "quote with code & <tag>")
    }

    @Test func columnsShareTheRoomByWhatTheyWant() {
        #expect(TableColumns.widths(natural: [50, 60], minimum: [20, 30], available: 200) == [50, 60])
        #expect(TableColumns.widths(natural: [100, 40], minimum: [20, 40], available: 100) == [60, 40])
        #expect(TableColumns.widths(natural: [100, 100], minimum: [60, 60], available: 100) == nil)
    }

    /// The margin bands of a page rendered at 50 dpi that hold ink: outside the text area,
    /// away from the header (title and its rule) and the footer, which must hold the page
    /// number (so a page that failed to render cannot pass as clean).
    private func inkInMargins(_ image: CairoSurface, page: Int) -> [String] {
        let scale = 50.0 / 72
        let (width, height) = (Int(image.width), Int(image.height))
        let pixels = image.pixels()
        func px(_ points: Double) -> Int { Int((points * scale).rounded()) }
        func inked(_ x: Int, _ y: Int) -> Bool {
            let pixel = pixels[y * width + x]
            return [16, 8, 0].contains { (pixel >> $0) & 0xff < 0xf0 }
        }
        var bands: [(name: String, xs: Range<Int>, ys: Range<Int>)] = [
            ("left", 0..<px(53), 0..<height),
            ("right", px(595.28 - 53)..<width, 0..<height),
            ("bottom", 0..<width, px(789)..<px(806)),
            ("footer", 0..<width, px(806)..<px(822)),
        ]
        if page > 1 { bands.append(("top", 0..<width, px(41)..<px(54))) }
        return bands.compactMap { band in
            band.ys.contains { y in band.xs.contains { x in inked(x, y) } } ? band.name : nil
        }
    }

    /// `REPORTGEN_KEEP_PDFS=DIR swift test --filter PDFTests` keeps the PDFs to look at.
    private func keepForInspection(_ pdf: URL) throws {
        guard let folder = ProcessInfo.processInfo.environment["REPORTGEN_KEEP_PDFS"] else { return }
        let copy = URL(fileURLWithPath: folder).appendingPathComponent(pdf.lastPathComponent)
        try? FileManager.default.removeItem(at: copy)
        try FileManager.default.copyItem(at: pdf, to: copy)
    }

    private func renderedPageCount(_ pdf: URL, in folder: URL) throws -> Int {
        let prefix = folder.appendingPathComponent("page-\(pdf.deletingPathExtension().lastPathComponent)")
        _ = try run("pdftoppm", ["-r", "50", "-png", pdf.path, prefix.path])
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        return files.filter { $0.hasPrefix(prefix.lastPathComponent) && $0.hasSuffix(".png") }.count
    }

    private func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(tool) \(arguments) failed")
        return String(decoding: data, as: UTF8.self)
    }

    private func withTemporaryDirectory(_ body: (URL) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pdf-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try body(folder)
    }
}
