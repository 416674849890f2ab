import Foundation

extension CairoContext {
    /// A bar: colour fill, its pattern clipped to the bar, and a dark outline so light
    /// colours still read against white.
    func drawBar(_ rect: ChartRect, style: BarStyle) {
        guard rect.width > 0, rect.height > 0 else { return }
        newPath()
        rectangle(rect.x, rect.y, rect.width, rect.height)
        setColor(style.color)
        fill()
        drawPattern(style.pattern, in: rect, over: style.color)
        newPath()
        rectangle(rect.x, rect.y, rect.width, rect.height)
        setColor(style.color.darkened(0.45))
        setLineWidth(0.8)
        stroke()
    }

    /// Pattern lines are pale on dark fills and dark on pale ones, so they show on both.
    private func drawPattern(_ pattern: FillPattern, in rect: ChartRect, over color: Color) {
        guard pattern != .solid else { return }
        let ink = color.luma > 0.5 ? Color(0, 0, 0, alpha: 0.4) : Color(1, 1, 1, alpha: 0.6)
        let spacing = 5.0
        clipped(to: rect) {
            setColor(ink)
            setLineWidth(1.1)
            newPath()
            switch pattern {
            case .solid:
                break
            case .diagonal, .crossHatch:
                // Lines at 45° anchored to the page, not the bar, so neighbours line up.
                var offset = ((rect.x - rect.maxY) / spacing).rounded(.down) * spacing
                while offset < rect.maxX - rect.y {
                    move(to: offset + rect.maxY, rect.maxY)
                    line(to: offset + rect.y, rect.y)
                    if pattern == .crossHatch {
                        move(to: offset + rect.y, rect.maxY)
                        line(to: offset + rect.maxY, rect.y)
                    }
                    offset += spacing
                }
                stroke()
            case .horizontal:
                var y = (rect.y / spacing).rounded(.up) * spacing
                while y < rect.maxY {
                    move(to: rect.x, y)
                    line(to: rect.maxX, y)
                    y += spacing
                }
                stroke()
            case .dots:
                var row = 0
                var y = (rect.y / spacing).rounded(.up) * spacing
                while y < rect.maxY + spacing {
                    // Offset every other row: a staggered grid reads as texture, not stripes.
                    let shift = row % 2 == 0 ? 0 : spacing / 2
                    var x = (rect.x / spacing).rounded(.down) * spacing + shift
                    while x < rect.maxX + spacing {
                        circle(x, y, radius: 1.1)
                        x += spacing
                    }
                    y += spacing
                    row += 1
                }
                fill()
            }
        }
    }

    /// One trial's value: a dark dot ringed in white, visible on any bar colour and on white.
    func drawTrialDot(_ x: Double, _ y: Double) {
        newPath()
        circle(x, y, radius: 2.7)
        setColor(.white)
        fillPreserve()
        newPath()
        circle(x, y, radius: 1.9)
        setColor(ChartStyle.markColor)
        fill()
    }

    /// A vertical interval whisker with caps.
    func drawWhisker(_ x: Double, low: Double, high: Double, capWidth: Double) {
        // A white halo first so the whisker stays visible over a dark bar.
        for (color, width) in [(Color.white, 3.0), (ChartStyle.markColor, 1.2)] {
            newPath()
            move(to: x, low)
            line(to: x, high)
            move(to: x - capWidth / 2, low)
            line(to: x + capWidth / 2, low)
            move(to: x - capWidth / 2, high)
            line(to: x + capWidth / 2, high)
            setColor(color)
            setLineWidth(width)
            stroke()
        }
    }

    /// A marker of `shape` centred at (x, y), `size` points across.
    func drawMarker(_ shape: MarkerShape, at x: Double, _ y: Double, size: Double, color: Color, filled: Bool) {
        let r = size / 2
        newPath()
        switch shape {
        case .circle:
            circle(x, y, radius: r)
        case .square:
            let side = r * 0.85
            rectangle(x - side, y - side, side * 2, side * 2)
        case .triangleUp, .triangleDown:
            let direction = shape == .triangleUp ? 1.0 : -1.0
            move(to: x, y - direction * r * 1.1)
            line(to: x + r, y + direction * r * 0.7)
            line(to: x - r, y + direction * r * 0.7)
            closePath()
        case .diamond:
            move(to: x, y - r * 1.1)
            line(to: x + r * 0.9, y)
            line(to: x, y + r * 1.1)
            line(to: x - r * 0.9, y)
            closePath()
        case .cross:
            let d = r * 0.8
            move(to: x - d, y - d); line(to: x + d, y + d)
            move(to: x - d, y + d); line(to: x + d, y - d)
        case .plus:
            move(to: x - r, y); line(to: x + r, y)
            move(to: x, y - r); line(to: x, y + r)
        case .star:
            for point in 0..<10 {
                let radius = point % 2 == 0 ? r * 1.15 : r * 0.5
                let angle = Double(point) * Double.pi / 5 - Double.pi / 2
                let px = x + radius * cos(angle)
                let py = y + radius * sin(angle)
                if point == 0 { move(to: px, py) } else { line(to: px, py) }
            }
            closePath()
        }
        setDash([])
        setLineWidth(shape.isStrokeOnly ? 1.8 : 1.2)
        if shape.isStrokeOnly {
            setColor(color)
            stroke()
        } else {
            setColor(filled ? color : .white)
            fillPreserve()
            setColor(color)
            stroke()
        }
    }
}

extension Color {
    /// The colour moved towards black by `amount` (0…1), for outlines.
    func darkened(_ amount: Double) -> Color {
        Color(red * (1 - amount), green * (1 - amount), blue * (1 - amount), alpha: alpha)
    }
}
