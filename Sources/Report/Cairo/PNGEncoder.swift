import CCairo
import CZlib
import Experiments
import Foundation

/// Writes a Cairo image surface as PNG with zlib's fastest level. Cairo's own writer (libpng
/// at its default level) was the largest single cost of drawing a chart; a chart is flat
/// colour with text, which per-row filtering and fast deflate still pack well. An opaque
/// image (every chart: they are painted on white) is written as RGB, anything else as RGBA
/// with the premultiplied alpha undone, as Cairo's writer does.
enum PNGEncoder {
    static func data(of surface: CairoSurface) throws -> Data {
        cairo_surface_flush(surface.pointer)
        guard cairo_image_surface_get_format(surface.pointer) == CAIRO_FORMAT_ARGB32,
            let pixels = cairo_image_surface_get_data(surface.pointer)
        else {
            throw ReportgenError(.io, "only an ARGB32 image surface can be written as PNG")
        }
        let width = Int(cairo_image_surface_get_width(surface.pointer))
        let height = Int(cairo_image_surface_get_height(surface.pointer))
        let stride = Int(cairo_image_surface_get_stride(surface.pointer))
        guard width > 0, height > 0 else { throw ReportgenError(.io, "an empty image cannot be written as PNG") }

        var opaque = true
        for y in 0..<height where opaque {
            let row = UnsafeRawPointer(pixels + y * stride).assumingMemoryBound(to: UInt32.self)
            for x in 0..<width where row[x] >> 24 != 0xFF {
                opaque = false
                break
            }
        }
        let channels = opaque ? 3 : 4
        let rowBytes = width * channels
        var raw = [UInt8](repeating: 0, count: height * (rowBytes + 1))
        var previous = [UInt8](repeating: 0, count: rowBytes)
        var current = [UInt8](repeating: 0, count: rowBytes)
        var candidate = [UInt8](repeating: 0, count: rowBytes)
        var best = [UInt8](repeating: 0, count: rowBytes)
        for y in 0..<height {
            let row = UnsafeRawPointer(pixels + y * stride).assumingMemoryBound(to: UInt32.self)
            current.withUnsafeMutableBufferPointer { out in
                for x in 0..<width {
                    let argb = row[x]
                    let a = argb >> 24
                    var r = (argb >> 16) & 0xFF, g = (argb >> 8) & 0xFF, b = argb & 0xFF
                    if a != 0xFF && a != 0 {
                        r = (r * 255 + a / 2) / a
                        g = (g * 255 + a / 2) / a
                        b = (b * 255 + a / 2) / a
                    }
                    let at = x * channels
                    out[at] = UInt8(truncatingIfNeeded: r)
                    out[at + 1] = UInt8(truncatingIfNeeded: g)
                    out[at + 2] = UInt8(truncatingIfNeeded: b)
                    if channels == 4 { out[at + 3] = UInt8(truncatingIfNeeded: a) }
                }
            }
            // Of None, Sub and Up, the filter whose bytes sum smallest (as signed), the usual
            // heuristic; Paeth and Average buy little on flat charts.
            var filter: UInt8 = 0
            var bestCost = cost(current)
            for type: UInt8 in [1, 2] {
                apply(type, current, previous, channels, into: &candidate)
                let c = cost(candidate)
                if c < bestCost {
                    bestCost = c
                    filter = type
                    swap(&best, &candidate)
                }
            }
            let start = y * (rowBytes + 1)
            raw[start] = filter
            raw.replaceSubrange((start + 1)..<(start + 1 + rowBytes), with: filter == 0 ? current : best)
            swap(&previous, &current)
        }

        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var header = Data()
        header.appendBigEndian(UInt32(width))
        header.appendBigEndian(UInt32(height))
        header.append(contentsOf: [8, opaque ? 2 : 6, 0, 0, 0])
        appendChunk("IHDR", header, to: &png)
        appendChunk("IDAT", try deflate(raw), to: &png)
        appendChunk("IEND", Data(), to: &png)
        return png
    }

    /// Writes `surface` to `url` as PNG.
    static func write(_ surface: CairoSurface, to url: URL) throws {
        let png = try data(of: surface)
        do {
            try png.write(to: url, options: .atomic)
        } catch {
            throw ReportgenError(.io, "cannot write \(url.path)", underlying: error)
        }
    }

    private static func apply(_ type: UInt8, _ row: [UInt8], _ above: [UInt8], _ channels: Int, into out: inout [UInt8]) {
        row.withUnsafeBufferPointer { row in
            above.withUnsafeBufferPointer { above in
                out.withUnsafeMutableBufferPointer { out in
                    if type == 1 {
                        for i in 0..<row.count { out[i] = row[i] &- (i >= channels ? row[i - channels] : 0) }
                    } else {
                        for i in 0..<row.count { out[i] = row[i] &- above[i] }
                    }
                }
            }
        }
    }

    private static func cost(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { buffer in
            var sum = 0
            for byte in buffer { sum += byte < 128 ? Int(byte) : 256 - Int(byte) }
            return sum
        }
    }

    private static func deflate(_ bytes: [UInt8]) throws -> Data {
        var length = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let status = bytes.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                compress2(output.baseAddress, &length, input.baseAddress, uLong(input.count), Z_BEST_SPEED)
            }
        }
        guard status == Z_OK else { throw ReportgenError(.io, "zlib could not compress the image (status \(status))") }
        return Data(out.prefix(Int(length)))
    }

    private static func appendChunk(_ type: String, _ body: Data, to png: inout Data) {
        png.appendBigEndian(UInt32(body.count))
        var typed = Data(type.utf8)
        typed.append(body)
        png.append(typed)
        let crc = typed.withUnsafeBytes { buffer in
            crc32(0, buffer.bindMemory(to: UInt8.self).baseAddress, uInt(buffer.count))
        }
        png.appendBigEndian(UInt32(truncatingIfNeeded: crc))
    }
}

extension Data {
    fileprivate mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)])
    }
}
