import CCairo
import Foundation

/// A font, as Pango describes it: family, size in points, weight and style.
public struct Font: Sendable, Equatable {
    public var family: String
    public var size: Double
    public var bold: Bool
    public var italic: Bool

    public init(_ family: String = "DejaVu Sans", size: Double, bold: Bool = false, italic: Bool = false) {
        self.family = family
        self.size = size
        self.bold = bold
        self.italic = italic
    }

    public static func sans(_ size: Double, bold: Bool = false) -> Font { Font("DejaVu Sans", size: size, bold: bold) }
    public static func mono(_ size: Double) -> Font { Font("DejaVu Sans Mono", size: size) }

    var pangoDescription: String {
        "\(family)\(bold ? " Bold" : "")\(italic ? " Italic" : "") \(size)"
    }
}

/// Text laid out by Pango for one context: plain or Pango-markup, optionally wrapped to a width.
public final class TextLayout {
    let pointer: OpaquePointer
    private let context: CairoContext

    /// Lays out `text` (Pango markup when `markup` is true) in `font`, wrapped at `width` if given.
    public init(_ context: CairoContext, _ text: String, font: Font, width: Double? = nil, markup: Bool = false, alignment: TextAlignment = .left) {
        self.context = context
        pointer = pango_cairo_create_layout(context.pointer)
        // Pango's cairo font map assumes a 96 dpi screen; on surfaces measured in points
        // (PDF, SVG, and images drawn at 1 px = 1 pt) that sets type a third larger than asked.
        if let pangoContext = pango_layout_get_context(pointer) {
            pango_cairo_context_set_resolution(pangoContext, 72)
            pango_layout_context_changed(pointer)
        }
        let description = pango_font_description_from_string(font.pangoDescription)
        pango_layout_set_font_description(pointer, description)
        pango_font_description_free(description)
        if let width {
            pango_layout_set_width(pointer, Int32(width * Double(PANGO_SCALE)))
            pango_layout_set_wrap(pointer, PANGO_WRAP_WORD_CHAR)
        }
        switch alignment {
        case .left: pango_layout_set_alignment(pointer, PANGO_ALIGN_LEFT)
        case .center: pango_layout_set_alignment(pointer, PANGO_ALIGN_CENTER)
        case .right: pango_layout_set_alignment(pointer, PANGO_ALIGN_RIGHT)
        }
        if markup {
            pango_layout_set_markup(pointer, text, -1)
        } else {
            pango_layout_set_text(pointer, text, -1)
        }
    }

    deinit { g_object_unref(UnsafeMutableRawPointer(pointer)) }

    /// Logical size in the context's units.
    public var size: (width: Double, height: Double) {
        var width: Int32 = 0
        var height: Int32 = 0
        pango_layout_get_size(pointer, &width, &height)
        return (Double(width) / Double(PANGO_SCALE), Double(height) / Double(PANGO_SCALE))
    }

    /// Number of lines after wrapping.
    public var lineCount: Int { Int(pango_layout_get_line_count(pointer)) }

    /// Baseline of the first line, from the top.
    public var baseline: Double { Double(pango_layout_get_baseline(pointer)) / Double(PANGO_SCALE) }

    /// Draws the layout with its top-left corner at (x, y).
    public func draw(at x: Double, _ y: Double) {
        context.move(to: x, y)
        pango_cairo_show_layout(context.pointer, pointer)
    }
}

extension CairoContext {
    /// Draws one line of `text` anchored at (x, y): `alignment` picks the horizontal anchor,
    /// `y` is the vertical centre. Returns the text's width.
    @discardableResult
    public func text(_ text: String, at x: Double, _ y: Double, font: Font, color: Color = .black, alignment: TextAlignment = .left, rotation: Double = 0) -> Double {
        let layout = TextLayout(self, text, font: font)
        let (width, height) = layout.size
        save()
        setColor(color)
        translate(x, y)
        if rotation != 0 { rotate(rotation) }
        let dx: Double
        switch alignment {
        case .left: dx = 0
        case .center: dx = -width / 2
        case .right: dx = -width
        }
        layout.draw(at: dx, -height / 2)
        restore()
        return width
    }

    /// The width and height `text` takes in `font`.
    public func measure(_ text: String, font: Font) -> (width: Double, height: Double) {
        TextLayout(self, text, font: font).size
    }
}
