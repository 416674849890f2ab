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
        let frame = LineChartFrame(
            context, title: title, yLabel: yLabel, yAxis: yAxis, legend: legend, hasSeries: !series.isEmpty,
            lastXLabel: "p99.99", width: width, height: height, margin: margin)
        let plot = frame.plot
        frame.drawBackground(context, yAxis: yAxis)
        for tick in xAxis.ticks {
            guard let fraction = xAxis.fraction(tick.value) else { continue }
            frame.drawXTick(context, x: Self.x(fraction, in: plot), label: tick.label)
        }
        frame.drawAxes(context)
        frame.drawTitles(context, yLabel: yLabel, xLabel: Self.xLabel)
        drawLines(context, plot: plot, plotted: plotted, styles: styles, xAxis: xAxis, yAxis: yAxis)
        frame.drawLegend(context)
        if latencies.isEmpty {
            frame.drawEmpty(context, series.isEmpty ? "no data" : "no latency data")
        }
        try context.check()
    }

    /// p50 and p99.99 sit a little inside the plot, so their markers do not sit on the axes.
    private static func x(_ fraction: Double, in plot: ChartRect) -> Double {
        let inset = 8.0
        return plot.x + inset + fraction * (plot.width - 2 * inset)
    }

    private func drawLines(_ context: CairoContext, plot: ChartRect, plotted: [[Point]], styles: [SeriesStyle], xAxis: Axis, yAxis: Axis) {
        func position(_ point: Point) -> (x: Double, y: Double)? {
            guard let fx = xAxis.fraction(point.percentile), let fy = yAxis.fraction(point.ms) else { return nil }
            return (Self.x(fx, in: plot), plot.maxY - fy * plot.height)
        }
        let positions = plotted.map { $0.compactMap(position) }
        // Markers a little outside the plot stay whole; only lines are clipped at the edge.
        context.clipped(to: ChartRect(x: plot.x - 6, y: plot.y - 6, width: plot.width + 12, height: plot.height + 12)) {
            for (points, style) in zip(positions, styles) {
                context.strokePolyline(points, color: style.color, width: 1.6, dash: style.dash)
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
