import Core
import Foundation

/// A chart that can draw itself on any Cairo context: a PNG image, an SVG or PDF file, or a
/// page of the report's PDF (which calls `draw` directly so the chart stays vector).
///
/// Contract: `draw` paints within `0…width × 0…height` points from the context's current
/// origin and leaves the context's state (transform, clip, source) as it found it. It paints
/// no background, so the caller decides what is under the chart.
public protocol Chart {
    var title: String { get }
    /// Size in points.
    var width: Double { get }
    var height: Double { get }
    func draw(_ context: CairoContext) throws
}

/// The three files one chart is written to.
public struct ChartFiles: Sendable, Equatable {
    public var png: URL
    public var svg: URL
    public var pdf: URL
}

/// Writes a chart as PNG (2× for high-DPI screens), SVG and PDF.
public enum ChartWriter {
    /// Pixels per point in the PNG: 2× keeps lines and text sharp on high-DPI screens.
    public static let pngScale = 2.0

    /// Writes `name.png`, `name.svg` and `name.pdf` into `folder` (created if missing); the
    /// PDF's dates are `created`.
    @discardableResult
    public static func write(_ chart: some Chart, folder: URL, name: String, created: Date) throws -> ChartFiles {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ReportgenError(.io, "could not create the chart folder \(folder.path)", underlying: error)
        }
        let files = ChartFiles(
            png: folder.appendingPathComponent("\(name).png"),
            svg: folder.appendingPathComponent("\(name).svg"),
            pdf: folder.appendingPathComponent("\(name).pdf"))

        let image = try CairoSurface.image(
            width: Int((chart.width * pngScale).rounded(.up)), height: Int((chart.height * pngScale).rounded(.up)))
        try render(chart, on: image, scale: pngScale)
        try image.writePNG(files.png)

        // Vector files get a white background too: viewers in dark mode would otherwise
        // show black text on a dark page.
        try AtomicFile.replace(files.svg) { temporary in
            let svg = try CairoSurface.svg(temporary.url, width: chart.width, height: chart.height)
            try render(chart, on: svg, scale: 1)
            try svg.finish()
            try insertSVGTitle(chart.title, into: temporary.url)
        }
        try AtomicFile.replace(files.pdf) { temporary in
            let pdf = try CairoSurface.pdf(temporary.url, width: chart.width, height: chart.height)
            pdf.setPDFMetadata(title: chart.title, created: created)
            try render(chart, on: pdf, scale: 1)
            try pdf.finish()
        }
        return files
    }

    private static func render(_ chart: some Chart, on surface: CairoSurface, scale: Double) throws {
        let context = try CairoContext(surface)
        context.paint(.white)
        context.scale(scale, scale)
        try chart.draw(context)
        try context.check()
    }

    /// Cairo writes text as glyph outlines, so the SVG would carry no words at all; a
    /// `<title>` gives it an accessible name that browsers, screen readers and search see.
    /// The surface's id is made the same in every render. `url` is the chart's temporary
    /// file, so it is rewritten in place.
    private static func insertSVGTitle(_ title: String, into url: URL) throws {
        do {
            var text = try String(contentsOf: url, encoding: .utf8)
            guard let svg = text.range(of: "<svg"), let end = text.range(of: ">", range: svg.upperBound..<text.endIndex) else {
                throw ReportgenError(.io, "Cairo wrote an SVG without an <svg> element: \(url.path)")
            }
            text.insert(contentsOf: "\n<title>\(MarkupText.escaped(title))</title>", at: end.upperBound)
            // Cairo numbers surfaces with a process-wide counter, so the same chart would get
            // another id in every render (and charts are drawn concurrently): one chart, one
            // surface, one fixed id, and the file is the same whenever its content is.
            if let id = text.range(of: "<g id=\"surface"),
                let quote = text[id.upperBound...].firstIndex(of: "\""),
                text[id.upperBound..<quote].allSatisfy(\.isNumber)
            {
                text.replaceSubrange(id.upperBound..<quote, with: "1")
            }
            try text.write(to: url, atomically: false, encoding: .utf8)
        } catch let error as ReportgenError {
            throw error
        } catch {
            throw ReportgenError(.io, "could not add the title to \(url.path)", underlying: error)
        }
    }
}
