import Foundation

/// Latency by percentile for every variant: x on the "nines" axis (p50 … p99.99), y on a log
/// latency axis in ms, one line per variant with markers. Lines take their model's colour
/// and differ within a model by marker shape, fill and dash; the legend sits right of the
/// plot and lists every variant.
public struct PercentileChart: Chart, Sendable {
    /// One measured percentile: `percentile` in 0…100, latency in ms.
    public struct Point: Sendable, Equatable {
        public var percentile: Double
        public var ms: Double

        public init(percentile: Double, ms: Double) {
            self.percentile = percentile
            self.ms = ms
        }
    }

    /// One variant's line.
    public struct Series: Sendable, Equatable {
        public var name: String
        public var model: String
        /// Points outside p50…p99.99 or with no positive latency are left out: they have no
        /// place on these axes (p100 is infinitely far on the nines axis).
        public var points: [Point]

        public init(name: String, model: String, points: [Point]) {
            self.name = name
            self.model = model
            self.points = points
        }
    }

    public var title: String
    public var series: [Series]
    public var yLabel: String
    public var width: Double
    public var height: Double

    static let margin = 12.0
    static let legendLabelWidth = 130.0
    static let xLabel = "percentile (each step adds a nine)"

    public init(title: String, series: [Series], yLabel: String = "latency (ms, log scale)", width: Double = 640, height: Double = 380) {
        self.title = title
        self.series = series
        self.yLabel = yLabel
        self.width = width
        self.height = height
    }

    public func draw(_ context: CairoContext) throws {
        context.save()
        defer { context.restore() }
        let margin = Self.margin
        let xAxis = Axis.nines()
        let plotted = series.map { line in
            line.points.filter { point in
                point.ms > 0 && point.ms.isFinite && point.percentile >= 50 && point.percentile <= 99.99
            }.sorted { $0.percentile < $1.percentile }
        }
        let latencies = plotted.flatMap { $0.map(\.ms) }
        let yAxis = Axis.latency(minimum: latencies.min() ?? 1, maximum: latencies.max() ?? 1000)
        let styles = ChartStyle.seriesStyles(forModels: series.map(\.model))
        let legend = Legend(items: zip(series, styles).map { line, style in
            Legend.Item(label: context.fitted(line.name, font: Legend.font, maxWidth: Self.legendLabelWidth), swatch: .line(style))
        })

        let title = TextLayout(context, self.title, font: ChartStyle.titleFont, width: width - 2 * margin)
        let axisLabelHeight = context.labelSize(yLabel, font: ChartStyle.axisLabelFont).height
        let tickHeight = context.labelSize("p99", font: ChartStyle.tickFont).height
        let tickWidth = yAxis.ticks.map { context.labelSize($0.label, font: ChartStyle.tickFont).width }.max() ?? 0
        let top = margin + title.size.height + 14
        let bottom = height - margin - axisLabelHeight - tickHeight - 10
        let columns = legend.columnCount(maxHeight: bottom - top)
        let legendWidth = series.isEmpty ? 0 : Double(columns) * (legend.columnWidth(context) + Legend.itemSpacing)
        let left = margin + axisLabelHeight + 8 + tickWidth + 6
        // The last x tick label is centred on the plot's edge; keep half of it clear of the legend.
        let right = width - margin - legendWidth - context.labelSize("p99.99", font: ChartStyle.tickFont).width / 2 - 6
        let plot = ChartRect(x: left, y: top, width: max(right - left, 10), height: max(bottom - top, 10))

        context.setColor(ChartStyle.textColor)
        title.draw(at: margin, margin)
        drawGrid(context, plot: plot, xAxis: xAxis, yAxis: yAxis, tickHeight: tickHeight)
        drawAxisLabels(context, plot: plot, axisLabelHeight: axisLabelHeight)
        drawLines(context, plot: plot, plotted: plotted, styles: styles, xAxis: xAxis, yAxis: yAxis)
        legend.drawColumn(context, x: width - margin - legendWidth + Legend.itemSpacing, top: top, maxHeight: bottom - top)
        if latencies.isEmpty {
            context.label(series.isEmpty ? "no data" : "no latency data", at: plot.midX, plot.midY, font: ChartStyle.noteFont, color: ChartStyle.mutedTextColor, alignment: .center)
        }
        try context.check()
    }

    /// p50 and p99.99 sit a little inside the plot, so their markers do not sit on the axes.
    private static func x(_ fraction: Double, in plot: ChartRect) -> Double {
        let inset = 8.0
        return plot.x + inset + fraction * (plot.width - 2 * inset)
    }

    private func drawGrid(_ context: CairoContext, plot: ChartRect, xAxis: Axis, yAxis: Axis, tickHeight: Double) {
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
        for tick in xAxis.ticks {
            guard let fraction = xAxis.fraction(tick.value) else { continue }
            let x = Self.x(fraction, in: plot)
            context.strokeLine(x, plot.y, x, plot.maxY, color: ChartStyle.gridColor, width: 0.8)
            context.label(tick.label, at: x, plot.maxY + 4 + tickHeight / 2, font: ChartStyle.tickFont, color: ChartStyle.textColor, alignment: .center)
        }
        context.strokeLine(plot.x, plot.maxY, plot.maxX, plot.maxY, color: ChartStyle.axisColor, width: 1)
        context.strokeLine(plot.x, plot.y, plot.x, plot.maxY, color: ChartStyle.axisColor, width: 1)
    }

    private func drawAxisLabels(_ context: CairoContext, plot: ChartRect, axisLabelHeight: Double) {
        let font = ChartStyle.axisLabelFont
        let yText = context.fitted(yLabel, font: font, maxWidth: plot.height)
        context.label(yText, at: Self.margin + axisLabelHeight / 2, plot.midY, font: font, color: ChartStyle.textColor, alignment: .center, rotation: -Double.pi / 2)
        context.label(Self.xLabel, at: plot.midX, height - Self.margin - axisLabelHeight / 2, font: font, color: ChartStyle.textColor, alignment: .center)
    }

    private func drawLines(_ context: CairoContext, plot: ChartRect, plotted: [[Point]], styles: [SeriesStyle], xAxis: Axis, yAxis: Axis) {
        func position(_ point: Point) -> (x: Double, y: Double)? {
            guard let fx = xAxis.fraction(point.percentile), let fy = yAxis.fraction(point.ms) else { return nil }
            return (Self.x(fx, in: plot), plot.maxY - fy * plot.height)
        }
        let positions = plotted.map { $0.compactMap(position) }
        // Markers a little outside the plot stay whole; only lines are clipped at the edge.
        context.clipped(to: ChartRect(x: plot.x - 6, y: plot.y - 6, width: plot.width + 12, height: plot.height + 12)) {
            for (points, style) in zip(positions, styles) where points.count > 1 {
                context.newPath()
                context.move(to: points[0].x, points[0].y)
                for point in points.dropFirst() { context.line(to: point.x, point.y) }
                context.setColor(style.color)
                context.setLineWidth(1.6)
                context.setDash(style.dash)
                context.stroke()
                context.setDash([])
            }
            // Markers after every line, so no line hides another series' marker.
            for (points, style) in zip(positions, styles) {
                for point in points {
                    context.drawMarker(style.marker, at: point.x, point.y, size: 6.5, color: style.color, filled: style.filled)
                }
            }
        }
    }
}
