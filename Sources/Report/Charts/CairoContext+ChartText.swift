extension CairoContext {
    /// One line of chart text in the chart's text colour; see `text(_:at:_:font:color:alignment:rotation:)`.
    @discardableResult
    func label(_ text: String, at x: Double, _ y: Double, font: Font, color: Color = ChartStyle.textColor, alignment: TextAlignment = .left, rotation: Double = 0) -> Double {
        self.text(text, at: x, y, font: font, color: color, alignment: alignment, rotation: rotation)
    }

    /// The width and height of one line of chart text, in points.
    func labelSize(_ text: String, font: Font) -> (width: Double, height: Double) {
        measure(text, font: font)
    }
}
