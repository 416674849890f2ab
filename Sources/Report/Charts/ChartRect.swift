/// A rectangle in chart points (y grows downwards, as in Cairo).
struct ChartRect: Sendable, Equatable {
    var x: Double
    var y: Double
    var width: Double
    var height: Double

    var maxX: Double { x + width }
    var maxY: Double { y + height }
    var midX: Double { x + width / 2 }
    var midY: Double { y + height / 2 }
}

extension CairoContext {
    /// `text` shortened with "…" in the middle so that it fits `maxWidth` in `font`; whole
    /// when it fits. Long names must never run into their neighbours, and variant names
    /// tend to differ at their ends ("flask:10" vs "flask:100"), so both ends are kept.
    func fitted(_ text: String, font: Font, maxWidth: Double) -> String {
        guard labelSize(text, font: font).width > maxWidth else { return text }
        let characters = Array(text)
        var kept = characters.count - 1
        while kept > 0 {
            let head = (kept + 1) / 2
            let candidate = String(characters[..<head]) + "…" + String(characters[(characters.count - (kept - head))...])
            if labelSize(candidate, font: font).width <= maxWidth { return candidate }
            kept -= 1
        }
        return "…"
    }

    /// Runs `body` with drawing clipped to `rect`, restoring the state afterwards.
    func clipped(to rect: ChartRect, _ body: () -> Void) {
        save()
        newPath()
        rectangle(rect.x, rect.y, rect.width, rect.height)
        clip()
        newPath()
        body()
        restore()
    }

    /// A straight line of `width` in `color`, optionally dashed.
    func strokeLine(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, color: Color, width: Double, dash: [Double] = []) {
        newPath()
        move(to: x0, y0)
        line(to: x1, y1)
        setColor(color)
        setLineWidth(width)
        setDash(dash)
        stroke()
        setDash([])
    }
}
