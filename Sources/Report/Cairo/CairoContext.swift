import CCairo
import Core
import Foundation

/// An RGB colour with components in 0…1.
public struct Color: Sendable, Equatable {
    public var red: Double
    public var green: Double
    public var blue: Double
    public var alpha: Double

    public init(_ red: Double, _ green: Double, _ blue: Double, alpha: Double = 1) {
        self.red = red
        self.green = green
        self.blue = blue
        self.alpha = alpha
    }

    /// A colour from 0xRRGGBB.
    public init(hex: UInt32, alpha: Double = 1) {
        self.init(
            Double((hex >> 16) & 0xff) / 255, Double((hex >> 8) & 0xff) / 255,
            Double(hex & 0xff) / 255, alpha: alpha)
    }

    /// Perceived lightness (Rec. 709 luma), to check that colours differ in grey print.
    public var luma: Double { 0.2126 * red + 0.7152 * green + 0.0722 * blue }

    public static let black = Color(0, 0, 0)
    public static let white = Color(1, 1, 1)
}

/// Horizontal placement of text relative to its anchor point.
public enum TextAlignment: Sendable {
    case left, center, right
}

/// A drawing context on a surface; keeps its surface alive.
public final class CairoContext {
    let pointer: OpaquePointer
    public let surface: CairoSurface

    public init(_ surface: CairoSurface) throws {
        guard let context = cairo_create(surface.pointer) else {
            throw ReportgenError(.io, "Cairo could not create a drawing context")
        }
        pointer = context
        self.surface = surface
        do {
            try checkCairo(cairo_status(context), "create a drawing context")
        } catch {
            cairo_destroy(context)
            throw error
        }
    }

    deinit { cairo_destroy(pointer) }

    /// Throws if any earlier drawing call failed (Cairo errors are sticky).
    public func check() throws { try checkCairo(cairo_status(pointer), "draw") }

    public func save() { cairo_save(pointer) }
    public func restore() { cairo_restore(pointer) }
    public func scale(_ x: Double, _ y: Double) { cairo_scale(pointer, x, y) }
    public func translate(_ x: Double, _ y: Double) { cairo_translate(pointer, x, y) }
    public func rotate(_ radians: Double) { cairo_rotate(pointer, radians) }

    public func setColor(_ color: Color) {
        cairo_set_source_rgba(pointer, color.red, color.green, color.blue, color.alpha)
    }
    public func setLineWidth(_ width: Double) { cairo_set_line_width(pointer, width) }
    public func setDash(_ pattern: [Double]) { cairo_set_dash(pointer, pattern, Int32(pattern.count), 0) }

    public func newPath() { cairo_new_path(pointer) }
    public func move(to x: Double, _ y: Double) { cairo_move_to(pointer, x, y) }
    public func line(to x: Double, _ y: Double) { cairo_line_to(pointer, x, y) }
    public func closePath() { cairo_close_path(pointer) }
    public func rectangle(_ x: Double, _ y: Double, _ width: Double, _ height: Double) {
        cairo_rectangle(pointer, x, y, width, height)
    }
    public func circle(_ x: Double, _ y: Double, radius: Double) {
        cairo_new_sub_path(pointer)
        cairo_arc(pointer, x, y, radius, 0, 2 * Double.pi)
    }
    public func fill() { cairo_fill(pointer) }
    public func fillPreserve() { cairo_fill_preserve(pointer) }
    public func stroke() { cairo_stroke(pointer) }
    public func clip() { cairo_clip(pointer) }

    /// Fills the whole surface with `color`.
    public func paint(_ color: Color) {
        setColor(color)
        cairo_paint(pointer)
    }

    /// Ends a PDF page and starts the next.
    public func showPage() { cairo_show_page(pointer) }
}
