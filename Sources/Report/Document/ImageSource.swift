import Core
import Foundation

/// What an image in the Markdown shows in the PDF: a chart drawn as vectors, or a PNG file.
public enum ImageSource {
    /// Drawn at the origin in its own `width` × `height` points; the renderer scales it.
    case vector(width: Double, height: Double, draw: (CairoContext) throws -> Void)
    /// Shown at its pixel size as a browser would (96 px per inch), never wider than the text.
    case png(URL)
}

/// An image ready to place: its natural size in points known, a PNG already decoded.
struct PlacedImage {
    let width: Double
    let height: Double
    /// Charts stretch to the text width; a small bitmap keeps its size, as on GitHub.
    let stretches: Bool
    let draw: (CairoContext) throws -> Void

    init(_ source: ImageSource, src: String) throws {
        switch source {
        case .vector(let width, let height, let draw):
            guard width > 0, height > 0 else {
                throw ReportgenError(.io, "The image '\(src)' has no size (\(width) × \(height) points)")
            }
            self.width = width
            self.height = height
            stretches = true
            self.draw = draw
        case .png(let url):
            let image = try CairoSurface.png(url)
            guard image.width > 0, image.height > 0 else {
                throw ReportgenError(.io, "The image '\(src)' (\(url.path)) is empty")
            }
            let pointsPerPixel = 72.0 / 96
            width = image.width * pointsPerPixel
            height = image.height * pointsPerPixel
            stretches = false
            draw = { context in context.paint(image, x: 0, y: 0, scale: pointsPerPixel) }
        }
    }
}
