/// A legend: labelled swatches drawn outside the plot area, so it never covers data.
struct Legend {
    /// What an entry shows next to its label.
    enum Swatch {
        case bar(BarStyle)
        case line(SeriesStyle)
        case trialDot
        case whisker
    }

    struct Item {
        var label: String
        var swatch: Swatch
    }

    let items: [Item]
    static let font = ChartStyle.legendFont
    static let rowHeight = 15.0
    static let lineSwatchWidth = 30.0
    static let barSwatchWidth = 14.0
    static let gap = 5.0
    static let itemSpacing = 14.0

    func swatchWidth(_ item: Item) -> Double {
        if case .line = item.swatch { return Self.lineSwatchWidth }
        return Self.barSwatchWidth
    }

    private func itemWidth(_ item: Item, _ context: CairoContext) -> Double {
        swatchWidth(item) + Self.gap + context.labelSize(item.label, font: Self.font).width
    }

    /// Items flowed into rows no wider than `maxWidth`; each row lists item indices.
    func rows(_ context: CairoContext, maxWidth: Double) -> [[Int]] {
        var rows: [[Int]] = []
        var current: [Int] = []
        var used = 0.0
        for (index, item) in items.enumerated() {
            let width = itemWidth(item, context)
            let needed = current.isEmpty ? width : used + Self.itemSpacing + width
            if needed > maxWidth, !current.isEmpty {
                rows.append(current)
                current = [index]
                used = width
            } else {
                current.append(index)
                used = needed
            }
        }
        if !current.isEmpty { rows.append(current) }
        return rows
    }

    /// Height of the flowed legend.
    func flowHeight(_ context: CairoContext, maxWidth: Double) -> Double {
        Double(rows(context, maxWidth: maxWidth).count) * Self.rowHeight
    }

    /// Draws the legend in rows, each right-aligned at `right`, the first row's centre at `top + rowHeight/2`.
    func drawFlow(_ context: CairoContext, right: Double, top: Double, maxWidth: Double) {
        for (rowIndex, row) in rows(context, maxWidth: maxWidth).enumerated() {
            let widths = row.map { itemWidth(items[$0], context) }
            let total = widths.reduce(0, +) + Self.itemSpacing * Double(max(row.count - 1, 0))
            var x = right - total
            let y = top + (Double(rowIndex) + 0.5) * Self.rowHeight
            for (index, width) in zip(row, widths) {
                drawItem(items[index], context, x: x, y: y)
                x += width + Self.itemSpacing
            }
        }
    }

    /// Widest entry, for a legend stacked in a column.
    func columnWidth(_ context: CairoContext) -> Double {
        items.map { itemWidth($0, context) }.max() ?? 0
    }

    /// Draws the entries stacked downwards from `top` at `x`, wrapping into further columns
    /// `columnWidth + itemSpacing` apart when `maxHeight` is used up.
    func drawColumn(_ context: CairoContext, x: Double, top: Double, maxHeight: Double) {
        let perColumn = max(1, Int(maxHeight / Self.rowHeight))
        let width = columnWidth(context)
        for (index, item) in items.enumerated() {
            let column = Double(index / perColumn)
            let row = Double(index % perColumn)
            drawItem(item, context, x: x + column * (width + Self.itemSpacing), y: top + (row + 0.5) * Self.rowHeight)
        }
    }

    /// Columns needed to fit every entry in `maxHeight`.
    func columnCount(maxHeight: Double) -> Int {
        let perColumn = max(1, Int(maxHeight / Self.rowHeight))
        return (items.count + perColumn - 1) / perColumn
    }

    private func drawItem(_ item: Item, _ context: CairoContext, x: Double, y: Double) {
        let width = swatchWidth(item)
        switch item.swatch {
        case .bar(let style):
            context.drawBar(ChartRect(x: x, y: y - 5, width: width, height: 10), style: style)
        case .line(let style):
            context.strokeLine(x, y, x + width, y, color: style.color, width: 1.6, dash: style.dash)
            context.drawMarker(style.marker, at: x + width / 2, y, size: 7, color: style.color, filled: style.filled)
        case .trialDot:
            context.drawTrialDot(x + width / 2, y)
        case .whisker:
            context.drawWhisker(x + width / 2, low: y + 5, high: y - 5, capWidth: 6)
        }
        context.label(item.label, at: x + width + Self.gap, y, font: Self.font, color: ChartStyle.textColor)
    }
}
