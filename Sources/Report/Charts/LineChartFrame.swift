/// What the line charts (latency by percentile, curves of a sweep) share: a title on top, a
/// value axis on the left with its rotated title, a legend column on the right, the x title
/// under the plot, and the plot between them.
struct LineChartFrame {
    let margin: Double
    let width: Double
    let height: Double
    let title: TextLayout
    let legend: Legend
    let legendWidth: Double
    let axisLabelHeight: Double
    let tickHeight: Double
    let plot: ChartRect

    /// `lastXLabel` is the rightmost x tick label: centred on the plot's edge, half of it
    /// must stay clear of the legend.
    init(
        _ context: CairoContext, title text: String, yLabel: String, yAxis: Axis, legend: Legend, hasSeries: Bool,
        lastXLabel: String, width: Double, height: Double, margin: Double
    ) {
        self.margin = margin
        self.width = width
        self.height = height
        self.legend = legend
        title = TextLayout(context, text, font: ChartStyle.titleFont, width: width - 2 * margin)
        axisLabelHeight = context.labelSize(yLabel, font: ChartStyle.axisLabelFont).height
        tickHeight = context.labelSize("p99", font: ChartStyle.tickFont).height
        let tickWidth = yAxis.ticks.map { context.labelSize($0.label, font: ChartStyle.tickFont).width }.max() ?? 0
        let top = margin + title.size.height + 14
        let bottom = height - margin - axisLabelHeight - tickHeight - 10
        let columns = legend.columnCount(maxHeight: bottom - top)
        legendWidth = hasSeries ? Double(columns) * (legend.columnWidth(context) + Legend.itemSpacing) : 0
        let left = margin + axisLabelHeight + 8 + tickWidth + 6
        let right = width - margin - legendWidth - context.labelSize(lastXLabel, font: ChartStyle.tickFont).width / 2 - 6
        plot = ChartRect(x: left, y: top, width: max(right - left, 10), height: max(bottom - top, 10))
    }

    /// The title and the horizontal grid with the value labels.
    func drawBackground(_ context: CairoContext, yAxis: Axis) {
        context.setColor(ChartStyle.textColor)
        title.draw(at: margin, margin)
        for value in yAxis.minorTicks {
            guard let fraction = yAxis.fraction(value) else { continue }
            let y = plot.maxY - fraction * plot.height
            context.strokeLine(plot.x, y, plot.maxX, y, color: ChartStyle.minorGridColor, width: 0.6)
        }
        for tick in yAxis.ticks {
            guard let fraction = yAxis.fraction(tick.value) else { continue }
            let y = plot.maxY - fraction * plot.height
            context.strokeLine(plot.x, y, plot.maxX, y, color: ChartStyle.gridColor, width: 0.8)
            context.label(tick.label, at: plot.x - 6, y, font: ChartStyle.tickFont, color: ChartStyle.textColor, alignment: .right)
        }
    }

    /// The value axis title, rotated left of the plot, and the x title under it.
    func drawTitles(_ context: CairoContext, yLabel: String, xLabel: String) {
        let font = ChartStyle.axisLabelFont
        let yText = context.fitted(yLabel, font: font, maxWidth: plot.height)
        context.label(yText, at: margin + axisLabelHeight / 2, plot.midY, font: font, color: ChartStyle.textColor, alignment: .center, rotation: -Double.pi / 2)
        context.label(xLabel, at: plot.midX, height - margin - axisLabelHeight / 2, font: font, color: ChartStyle.textColor, alignment: .center)
    }

    /// The legend column right of the plot; drawn last.
    func drawLegend(_ context: CairoContext) {
        legend.drawColumn(context, x: width - margin - legendWidth + Legend.itemSpacing, top: plot.y, maxHeight: plot.height)
    }

    /// A vertical grid line at `x` with its label under the plot.
    func drawXTick(_ context: CairoContext, x: Double, label: String) {
        context.strokeLine(x, plot.y, x, plot.maxY, color: ChartStyle.gridColor, width: 0.8)
        context.label(label, at: x, plot.maxY + 4 + tickHeight / 2, font: ChartStyle.tickFont, color: ChartStyle.textColor, alignment: .center)
    }

    /// The x and y axis lines, over the grid.
    func drawAxes(_ context: CairoContext) {
        context.strokeLine(plot.x, plot.maxY, plot.maxX, plot.maxY, color: ChartStyle.axisColor, width: 1)
        context.strokeLine(plot.x, plot.y, plot.x, plot.maxY, color: ChartStyle.axisColor, width: 1)
    }

    /// "no data" in the middle of an empty plot.
    func drawEmpty(_ context: CairoContext, _ note: String) {
        context.label(note, at: plot.midX, plot.midY, font: ChartStyle.noteFont, color: ChartStyle.mutedTextColor, alignment: .center)
    }
}

extension CairoContext {
    /// A line through `points` (at least two), in `color` with `dash`.
    func strokePolyline(_ points: [(x: Double, y: Double)], color: Color, width: Double, dash: [Double]) {
        guard points.count > 1 else { return }
        newPath()
        move(to: points[0].x, points[0].y)
        for point in points.dropFirst() { line(to: point.x, point.y) }
        setColor(color)
        setLineWidth(width)
        setDash(dash)
        stroke()
        setDash([])
    }
}
