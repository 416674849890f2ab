import Core
import Foundation

/// Renders a Markdown report as a paginated PDF: Pango for text, Cairo vectors for charts,
/// the title in the header of every page after the first and "page N of M" in the footer.
public struct PDFRenderer: Sendable {
    public var pageSize: (width: Double, height: Double)
    public var margins: Double

    /// A4 with 56 pt margins unless told otherwise.
    public init(pageSize: (Double, Double) = (595.28, 841.89), margins: Double = 56) {
        self.pageSize = (pageSize.0, pageSize.1)
        self.margins = margins
    }

    /// Writes `markdown` as a PDF at `url`, replacing the file whole (`AtomicFile`). `images`
    /// turns each image's src into what to draw; a src it does not know is an error, raised
    /// before anything is written. The PDF's dates are `created`, not the clock.
    public func render(
        markdown: String, to url: URL, title: String, created: Date, images: (String) -> ImageSource?
    ) throws {
        let document = try MarkdownDocument(parsing: markdown).sanitized
        var placed: [String: PlacedImage] = [:]
        for src in document.imageSources {
            guard let source = images(src) else {
                throw ReportgenError(
                    .badDefinition, "The report shows an image '\(src)' that nothing provides",
                    hint: "check the image's path in the write-up against the charts the report draws")
            }
            placed[src] = try PlacedImage(source, src: src)
        }
        let geometry = PageGeometry(width: pageSize.width, height: pageSize.height, margin: margins)
        guard geometry.textWidth > 72, geometry.textHeight > 72 else {
            throw ReportgenError(
                .badArgument, "A \(pageSize.width) × \(pageSize.height) pt page with \(margins) pt margins leaves no room for text")
        }
        try AtomicFile.replace(url) { temporary in
            let surface = try CairoSurface.pdf(temporary.url, width: geometry.width, height: geometry.height)
            try write(document, on: surface, geometry: geometry, title: title, created: created, images: placed)
        }
    }

    private func write(
        _ document: MarkdownDocument, on surface: CairoSurface, geometry: PageGeometry,
        title: String, created: Date, images: [String: PlacedImage]
    ) throws {
        let context = try CairoContext(surface)
        surface.setPDFMetadata(title: title, created: created)
        let layout = Layout(context: context, geometry: geometry, style: PDFStyle(), images: images)
        layout.blocks(document.blocks, x: geometry.left, width: geometry.textWidth)
        let pages = layout.composer.pages
        for (index, steps) in pages.enumerated() {
            for step in steps {
                context.save()
                try step(context)
                context.restore()
            }
            layout.drawFurniture(page: index + 1, of: pages.count, title: title)
            try context.check()
            context.showPage()
        }
        layout.addOutline(to: surface)
        try surface.finish()
    }
}

extension PDFRenderer {
    /// One rendering: the measuring context, the pages being composed, the headings seen.
    final class Layout {
        let context: CairoContext
        let composer: PageComposer
        let style: PDFStyle
        let images: [String: PlacedImage]
        /// Colour of running text; block quotes mute it.
        var textColor: Color
        var listDepth = 0
        private(set) var headings: [(level: Int, title: String, page: Int, y: Double)] = []

        init(context: CairoContext, geometry: PageGeometry, style: PDFStyle, images: [String: PlacedImage]) {
            self.context = context
            self.style = style
            self.images = images
            textColor = style.text
            composer = PageComposer(geometry: geometry, ruleColor: style.rule, ruleWidth: style.quoteRuleWidth)
        }

        var geometry: PageGeometry { composer.geometry }

        /// Text laid out for the page, without Pango's inserted hyphens.
        func text(
            _ text: String, font: Font, width: Double? = nil, markup: Bool = false, alignment: TextAlignment = .left
        ) -> TextLayout {
            let layout = TextLayout(context, text, font: font, width: width, markup: markup, alignment: alignment)
            layout.withoutHyphens()
            return layout
        }

        func recordHeading(level: Int, title: String, y: Double) {
            headings.append((level, title, composer.pageNumber, y))
        }

        /// Header (title, from page 2) and footer ("page N of M").
        func drawFurniture(page: Int, of count: Int, title: String) {
            let font = style.pageFurniture
            if page > 1 {
                let header = text(title, font: font, width: geometry.textWidth)
                header.ellipsize()
                let y = geometry.top * 0.5 - header.size.height / 2
                context.setColor(style.muted)
                header.draw(at: geometry.left, y)
                context.setColor(style.rule)
                context.setLineWidth(0.5)
                context.move(to: geometry.left, y + header.size.height + 3)
                context.line(to: geometry.left + geometry.textWidth, y + header.size.height + 3)
                context.stroke()
            }
            let footer = text("page \(page) of \(count)", font: font, width: geometry.textWidth, alignment: .center)
            context.setColor(style.muted)
            footer.draw(at: geometry.left, geometry.height - geometry.top * 0.5 - footer.size.height / 2)
        }

        /// Bookmarks for the headings, nested by level, so a PDF viewer can jump to sections.
        func addOutline(to surface: CairoSurface) {
            var parents: [(level: Int, id: Int32)] = []
            for heading in headings {
                while let last = parents.last, last.level >= heading.level { parents.removeLast() }
                let id = surface.addOutline(
                    parent: parents.last?.id ?? 0, heading.title, page: heading.page, y: heading.y)
                parents.append((heading.level, id))
            }
        }
    }
}
