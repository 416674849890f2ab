import CCairo
import CPNG
import Core
import Foundation

extension CairoSurface {
    /// The zlib level charts are written with: Cairo's own writer (libpng at its default
    /// level 6) was the largest single cost of drawing a chart, and a chart is flat colour
    /// with text, which level 1 still packs well.
    static let pngCompressionLevel: Int32 = 1

    /// The row filters libpng may choose among: Paeth and Average buy little on flat charts
    /// and cost time on every row.
    static let pngFilters = Int32(PNG_FILTER_NONE | PNG_FILTER_SUB | PNG_FILTER_UP)

    /// Writes an image surface as PNG through libpng, at `pngCompressionLevel`. An opaque
    /// image (every chart: they are painted on white) is written as RGB, anything else as
    /// RGBA with the premultiplied alpha undone, as Cairo's writer does.
    public func writePNG(_ url: URL) throws {
        try AtomicFile.write(try pngData(), to: url)
    }

    /// The PNG file of an image surface.
    func pngData() throws -> Data {
        let (bytes, width, height, alpha) = try straightRows()
        var output = cpng_output()
        defer { free(output.bytes) }
        let rowBytes = bytes.count / height
        let status = bytes.withUnsafeBufferPointer { buffer in
            cpng_encode(
                buffer.baseAddress, rowBytes, UInt32(width), UInt32(height), alpha ? 1 : 0, Self.pngCompressionLevel,
                Self.pngFilters, &output)
        }
        guard status == 0, let encoded = output.bytes else {
            let reason = withUnsafeBytes(of: output.error) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            throw ReportgenError(.io, "libpng could not write the image: \(reason)")
        }
        return Data(bytes: encoded, count: output.length)
    }

    /// The pixels as 8-bit RGB rows (RGBA when any pixel is not opaque), alpha undone.
    private func straightRows() throws -> (bytes: [UInt8], width: Int, height: Int, alpha: Bool) {
        cairo_surface_flush(pointer)
        // RGB24 (a PNG read back without alpha) is ARGB32 with the alpha byte unused.
        let format = cairo_image_surface_get_format(pointer)
        guard format == CAIRO_FORMAT_ARGB32 || format == CAIRO_FORMAT_RGB24,
            let pixels = cairo_image_surface_get_data(pointer)
        else {
            throw ReportgenError(.io, "only an ARGB32 or RGB24 image surface can be written as PNG")
        }
        let unusedAlpha: UInt32 = format == CAIRO_FORMAT_RGB24 ? 0xFF00_0000 : 0
        let width = Int(cairo_image_surface_get_width(pointer))
        let height = Int(cairo_image_surface_get_height(pointer))
        let stride = Int(cairo_image_surface_get_stride(pointer))
        guard width > 0, height > 0 else { throw ReportgenError(.io, "an empty image cannot be written as PNG") }
        func row(_ y: Int) -> UnsafePointer<UInt32> {
            UnsafeRawPointer(pixels + y * stride).assumingMemoryBound(to: UInt32.self)
        }
        let opaque = unusedAlpha != 0 || (0..<height).allSatisfy { y in (0..<width).allSatisfy { row(y)[$0] >> 24 == 0xFF } }
        let channels = opaque ? 3 : 4
        var bytes = [UInt8](repeating: 0, count: width * height * channels)
        bytes.withUnsafeMutableBufferPointer { out in
            var at = 0
            for y in 0..<height {
                let argbs = row(y)
                for x in 0..<width {
                    let argb = argbs[x] | unusedAlpha
                    let a = argb >> 24
                    var r = (argb >> 16) & 0xFF, g = (argb >> 8) & 0xFF, b = argb & 0xFF
                    if a != 0xFF && a != 0 {
                        r = (r * 255 + a / 2) / a
                        g = (g * 255 + a / 2) / a
                        b = (b * 255 + a / 2) / a
                    }
                    out[at] = UInt8(truncatingIfNeeded: r)
                    out[at + 1] = UInt8(truncatingIfNeeded: g)
                    out[at + 2] = UInt8(truncatingIfNeeded: b)
                    if !opaque { out[at + 3] = UInt8(truncatingIfNeeded: a) }
                    at += channels
                }
            }
        }
        return (bytes, width, height, !opaque)
    }
}
