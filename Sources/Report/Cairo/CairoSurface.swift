import CCairo
import Core
import Foundation

/// Checks a Cairo status; every Cairo call that reports one goes through here.
func checkCairo(_ status: cairo_status_t, _ action: @autoclosure () -> String) throws {
    guard status != CAIRO_STATUS_SUCCESS else { return }
    let text = cairo_status_to_string(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
    throw ReportgenError(.io, "Cairo could not \(action()): \(text)")
}

/// A Cairo surface: an in-memory image (for PNG), or a PDF or SVG file being written.
public final class CairoSurface {
    let pointer: OpaquePointer
    /// Size in points (PDF, SVG) or pixels (image).
    public let width: Double
    public let height: Double

    private init(_ pointer: OpaquePointer, width: Double, height: Double, what: String) throws {
        self.pointer = pointer
        self.width = width
        self.height = height
        do {
            try checkCairo(cairo_surface_status(pointer), "create \(what)")
        } catch {
            cairo_surface_destroy(pointer)
            throw error
        }
    }

    deinit { cairo_surface_destroy(pointer) }

    /// An ARGB image of `width` × `height` pixels.
    public static func image(width: Int, height: Int) throws -> CairoSurface {
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height)) else {
            throw ReportgenError(.io, "Cairo could not create a \(width)×\(height) image")
        }
        return try CairoSurface(surface, width: Double(width), height: Double(height), what: "an image")
    }

    /// A PDF file at `url`; pages are `width` × `height` points.
    public static func pdf(_ url: URL, width: Double, height: Double) throws -> CairoSurface {
        guard let surface = cairo_pdf_surface_create(url.path, width, height) else {
            throw ReportgenError(.io, "Cairo could not create \(url.path)")
        }
        return try CairoSurface(surface, width: width, height: height, what: url.path)
    }

    /// An SVG file at `url` of `width` × `height` points.
    public static func svg(_ url: URL, width: Double, height: Double) throws -> CairoSurface {
        guard let surface = cairo_svg_surface_create(url.path, width, height) else {
            throw ReportgenError(.io, "Cairo could not create \(url.path)")
        }
        return try CairoSurface(surface, width: width, height: height, what: url.path)
    }

    /// Decodes a PNG file (for tests and checks).
    public static func png(_ url: URL) throws -> CairoSurface {
        guard let surface = cairo_image_surface_create_from_png(url.path) else {
            throw ReportgenError(.io, "Cairo could not read \(url.path)")
        }
        return try CairoSurface(
            surface, width: Double(cairo_image_surface_get_width(surface)),
            height: Double(cairo_image_surface_get_height(surface)), what: "a PNG from \(url.path)")
    }

    /// Finishes a PDF or SVG file: flushes everything to disk.
    public func finish() throws {
        cairo_surface_finish(pointer)
        try checkCairo(cairo_surface_status(pointer), "finish the file")
    }

    /// The ARGB pixels of an image surface, row by row (premultiplied, native endian).
    public func pixels() -> [UInt32] {
        cairo_surface_flush(pointer)
        let width = Int(cairo_image_surface_get_width(pointer))
        let height = Int(cairo_image_surface_get_height(pointer))
        let stride = Int(cairo_image_surface_get_stride(pointer))
        guard let data = cairo_image_surface_get_data(pointer) else { return [] }
        var result: [UInt32] = []
        result.reserveCapacity(width * height)
        for y in 0..<height {
            let row = UnsafeRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
            for x in 0..<width { result.append(row[x]) }
        }
        return result
    }
}
