import Foundation

/// Numbers against numbers, one series per group: lines through the points in x order, or
/// points alone (a scatter). What a write-up's `sql chart=line|scatter` cell draws, in the
/// frame, palette and marks of the built-in line charts. x and y are linear (y from zero when
/// every value is positive), or y is logarithmic.
public struct XYChart: Chart, Sendable {
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double

        public init(x: Double, y: Double) {
            (self.x, self.y) = (x, y)
        }
    }

    public struct Series: Sendable, Equatable {
        public var name: String
        public var points: [Point]
        public var style: SeriesStyle
        /// A companion line: thin, dotted, without markers and left out of the legend (the
        /// knee chart's p50 beside each variant's target percentile).
        public var quiet = false

        public init(name: String, points: [Point], style: SeriesStyle, quiet: Bool = false) {
            (self.name, self.points, self.style, self.quiet) = (name, points, style, quiet)
        }
    }

    /// A horizontal line across the plot at `y`, labelled at its right end (a target).
    public struct Rule: Sendable, Equatable {
        public var y: Double
        public var label: String

        public init(y: Double, label: String) {
            (self.y, self.label) = (y, label)
        }
    }

    /// A large marker at a point, outlined in its series' colour (a capacity on the target).
    public struct Highlight: Sendable, Equatable {
        public var point: Point
        public var style: SeriesStyle

        public init(point: Point, style: SeriesStyle) {
            (self.point, self.style) = (point, style)
        }
    }

    public enum Mark: Sendable, Equatable { case line, scatter }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var mark: Mark
    public var logY: Bool
    /// A logarithmic x axis (the knee chart's offered rates span decades).
    public var logX = false
    public var rule: Rule?
    public var highlights: [Highlight] = []
    public var width: Double
    public var height: Double

    static let margin = 12.0
    static let legendLabelWidth = 130.0

    public init(
        title: String, xLabel: String, yLabel: String, series: [Series], mark: Mark, logY: Bool = false,
        logX: Bool = false, rule: Rule? = nil, highlights: [Highlight] = [], width: Double = 640, height: Double = 380
    ) {
        self.logX = logX
        (self.title, self.xLabel, self.yLabel, self.series, self.mark) = (title, xLabel, yLabel, series, mark)
        (self.logY, self.rule, self.highlights, self.width, self.height) = (logY, rule, highlights, width, height)
    }

    public func draw(_ context: CairoContext) throws {
        context.save()
        defer { context.restore() }
        // A log axis has no place for zero or less: such points are left out of it.
        let plotted = series.map { line in
            line.points.filter { $0.x.isFinite && $0.y.isFinite && (!logY || $0.y > 0) && (!logX || $0.x > 0) }.sorted { $0.x < $1.x }
        }
        let xs = plotted.flatMap { $0.map(\.x) } + highlights.map(\.point.x).filter { $0.isFinite && (!logX || $0 > 0) }
        let ys = plotted.flatMap { $0.map(\.y) } + (rule.map { [$0.y] } ?? []).filter { $0.isFinite && (!logY || $0 > 0) }
        let xAxis = logX
            ? Axis.latency(minimum: xs.filter { $0 > 0 }.min() ?? 1, maximum: xs.max() ?? 10)
            : Axis.linear(through: xs.max() ?? 1, from: xs.min() ?? 0, targetTicks: 6)
        let yAxis = logY
            ? Axis.latency(minimum: ys.min() ?? 1, maximum: ys.max() ?? 10)
            : Axis.linear(through: ys.max() ?? 1, from: min(0, ys.min() ?? 0))
        let legend = Legend(items: series.filter { !$0.quiet }.map { line in
            Legend.Item(label: context.fitted(line.name, font: Legend.font, maxWidth: Self.legendLabelWidth), swatch: .line(line.style))
        })
        let frame = LineChartFrame(
            context, title: title, yLabel: yLabel, yAxis: yAxis, legend: legend, hasSeries: series.filter({ !$0.quiet }).count > 1,
            lastXLabel: xAxis.ticks.last?.label ?? "", width: width, height: height, margin: Self.margin)
        let plot = frame.plot
        frame.drawBackground(context, yAxis: yAxis)
        for tick in xAxis.ticks {
            guard let fraction = xAxis.fraction(tick.value) else { continue }
            frame.drawXTick(context, x: plot.x + fraction * plot.width, label: tick.label)
        }
        frame.drawAxes(context)
        frame.drawTitles(context, yLabel: yLabel, xLabel: xLabel)
        // A point far off the axes (values the axes could not span) is not drawn.
        func position(_ point: Point) -> (x: Double, y: Double)? {
            guard let fx = xAxis.fraction(point.x), let fy = yAxis.fraction(point.y), (-1...2).contains(fx), (-1...2).contains(fy) else { return nil }
            return (plot.x + fx * plot.width, plot.maxY - fy * plot.height)
        }
        let positions = plotted.map { $0.compactMap(position) }
        context.clipped(to: ChartRect(x: plot.x - 6, y: plot.y - 6, width: plot.width + 12, height: plot.height + 12)) {
            if let rule, let at = position(Point(x: xs.min() ?? 0, y: rule.y)) {
                context.strokeLine(plot.x, at.y, plot.maxX, at.y, color: ChartStyle.textColor, width: 1, dash: [5, 3])
                // At the left end: lines start low on the left and rise to the right.
                context.label(rule.label, at: plot.x + 4, at.y - 7, font: ChartStyle.tickFont, alignment: .left)
            }
            if mark == .line {
                for (points, line) in zip(positions, series) {
                    if line.quiet {
                        context.strokePolyline(points, color: line.style.color, width: 0.9, dash: [1, 3])
                    } else {
                        context.strokePolyline(points, color: line.style.color, width: 1.6, dash: line.style.dash)
                    }
                }
            }
            // A line of many points shows its shape, not its markers.
            for (points, line) in zip(positions, series) where !line.quiet && (mark == .scatter || points.count <= 40) {
                for point in points {
                    context.drawMarker(line.style.marker, at: point.x, point.y, size: mark == .scatter ? 5 : 6, color: line.style.color, filled: line.style.filled)
                }
            }
            for highlight in highlights {
                guard let at = position(highlight.point) else { continue }
                context.drawMarker(.diamond, at: at.x, at.y, size: 11, color: highlight.style.color, filled: true)
                context.drawMarker(.diamond, at: at.x, at.y, size: 11, color: ChartStyle.textColor, filled: false)
            }
        }
        if series.filter({ !$0.quiet }).count > 1 { frame.drawLegend(context) }
        if ys.isEmpty { frame.drawEmpty(context, "no data") }
        try context.check()
    }
}

extension ChartStyle {
    /// Line colours for series that are not concurrency models (a query's groups), dark
    /// enough on white and apart in luma.
    static let lineColors = [Color(hex: 0x17365F), Color(hex: 0xC8500A), Color(hex: 0x4FA37A), Color(hex: 0x6B6B6B), Color(hex: 0xD98C2B)]

    /// One style per such series: colour in turn, then marker, fill and dash.
    static func paletteStyles(count: Int) -> [SeriesStyle] {
        (0..<count).map { index in
            let shapes = MarkerShape.allCases
            return SeriesStyle(
                color: lineColors[index % lineColors.count], marker: shapes[index % shapes.count], filled: index % 2 == 0,
                dash: dashPatterns[(index / lineColors.count) % dashPatterns.count])
        }
    }
}
