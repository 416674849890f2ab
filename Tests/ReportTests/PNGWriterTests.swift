import Foundation
import Testing

@testable import Report

/// Charts written through libpng at level 1, read back by Cairo's reader: the pixels must come back as drawn.
@Suite("PNG files written with zlib's fastest level")
struct PNGWriterTests {
    static func drawn(opaque: Bool) throws -> CairoSurface {
        let surface = try CairoSurface.image(width: 97, height: 41)
        let context = try CairoContext(surface)
        if opaque { context.paint(.white) }
        context.setColor(Color(hex: 0x1f4e79))
        context.rectangle(3, 5, 40, 20)
        context.fill()
        context.setColor(Color(hex: 0xc55a11, alpha: opaque ? 1 : 0.5))
        context.rectangle(30, 10, 60, 25)
        context.fill()
        try context.check()
        return surface
    }

    @Test("an opaque image is written as RGB and reads back pixel for pixel")
    func opaque() throws {
        let surface = try Self.drawn(opaque: true)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-png-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: url) }
        try surface.writePNG(url)
        let bytes = try Data(contentsOf: url)
        #expect(bytes.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        #expect(bytes[25] == 2, "colour type RGB")
        let back = try CairoSurface.png(url)
        #expect(back.width == 97 && back.height == 41)
        #expect(back.pixels() == surface.pixels())
    }

    @Test("an image with transparency is written as RGBA and reads back within rounding of premultiplied alpha")
    func translucent() throws {
        let surface = try Self.drawn(opaque: false)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-png-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: url) }
        try surface.writePNG(url)
        #expect(try Data(contentsOf: url)[25] == 6, "colour type RGBA")
        let (drawn, back) = (surface.pixels(), try CairoSurface.png(url).pixels())
        #expect(drawn.count == back.count)
        var worst = 0
        for (a, b) in zip(drawn, back) {
            for shift: UInt32 in [0, 8, 16, 24] {
                let left = Int((a >> shift) & 0xFF)
                let right = Int((b >> shift) & 0xFF)
                worst = max(worst, abs(left - right))
            }
        }
        #expect(worst <= 1, "channels differ by up to \(worst)")
        #expect(Set(drawn.map { $0 >> 24 }).count == 3, "transparent, half and fully covered pixels")
    }
}
