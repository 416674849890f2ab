import Foundation

/// A metric against a swept setting: one line per variant through its cells, the 95%
/// interval across trials as whiskers at each level, and, for a variant bounded by its
/// request slots, the ceiling Little's law allows drawn as a thin dashed line of the same
/// colour. x sits on a log scale when the levels span a decade or more (a zero level gets
/// its own slot left of the rest, past an axis break); y is linear from zero, or log for
/// latencies.
public struct CurveChart: Chart, Sendable {
    /// One cell's value.
    public struct Point: Sendable, Equatable {
        /// The level, in the setting's unit.
        public var x: Double
        /// The mean across ok trials; nil when the cell has no number (failed).
        public var y: Double?
        public var interval: ClosedRange<Double>?
        /// Every trial failed at this level: marked on the axis, not left out.
        public var failed: Bool

        public init(x: Double, y: Double?, interval: ClosedRange<Double>? = nil, failed: Bool = false) {
            self.x = x
            self.y = y
            self.interval = interval
            self.failed = failed
        }
    }

    /// One variant's line.
    public struct Series: Sendable, Equatable {
        public var name: String
        public var model: String
        public var points: [Point]
        /// The slot ceiling at each level, when the variant has one.
        public var ceiling: [Point]

        public init(name: String, model: String, points: [Point], ceiling: [Point] = []) {
            self.name = name
            self.model = model
            self.points = points
            self.ceiling = ceiling
        }
    }

    /// A level the x axis labels: its value and how the cell names write it.
    public struct Level: Sendable, Equatable {
        public var value: Double
        public var label: String

        public init(value: Double, label: String) {
            self.value = value
            self.label = label
        }
    }

    public enum Scale: Sendable, Equatable { case linear, log }

    public var title: String
    public var xTitle: String
    public var yLabel: String
    public var levels: [Level]
    public var series: [Series]
    public var yScale: Scale
    public var width: Double
    public var height: Double

    static let margin = 12.0
    static let legendLabelWidth = 130.0

    public init(
        title: String, xTitle: String, yLabel: String, levels: [Level], series: [Series], yScale: Scale = .linear,
        width: Double = 640, height: Double = 380
    ) {
        self.title = title
        self.xTitle = xTitle
        self.yLabel = yLabel
        self.levels = levels
        self.series = series
        self.yScale = yScale
        self.width = width
        self.height = height
    }

    /// Where each level sits along x, 0…1.
    public var xAxis: LevelAxis { LevelAxis(levels.map(\.value)) }

    public func draw(_ context: CairoContext) throws {
        context.save()
        defer { context.restore() }
        let margin = Self.margin
        let measured = series.flatMap { line in
            line.points.flatMap { point in [point.y, point.interval?.lowerBound, point.interval?.upperBound].compactMap { $0 } }
        }.filter { $0.isFinite && (yScale == .linear || $0 > 0) }
        // Ceilings run far above the measurements at low delays: the axis follows what was
        // measured and the ceiling leaves the plot where it must.
        let yAxis: Axis
        switch yScale {
        case .linear: yAxis = Axis.linear(through: (measured.max() ?? 1) * 1.1)
        case .log: yAxis = Axis.latency(minimum: measured.min() ?? 1, maximum: measured.max() ?? 1000)
        }
        let styles = ChartStyle.seriesStyles(forModels: series.map(\.model))
        var items = zip(series, styles).map { line, style in
            Legend.Item(label: context.fitted(line.name, font: Legend.font, maxWidth: Self.legendLabelWidth), swatch: .line(style))
        }
        if series.contains(where: { !$0.ceiling.isEmpty }) {
            items.append(Legend.Item(label: "dashed: slot ceiling", swatch: .line(SeriesStyle(color: ChartStyle.axisColor, marker: .plus, filled: false, dash: [4, 3]))))
        }
        let legend = Legend(items: items)
        let xAxis = self.xAxis
        let frame = LineChartFrame(
            context, title: title, yLabel: yLabel, yAxis: yAxis, legend: legend, hasSeries: !series.isEmpty,
            lastXLabel: levels.last?.label ?? "", width: width, height: height, margin: margin)
        let plot = frame.plot
        frame.drawBackground(context, yAxis: yAxis)
        for level in levels {
            frame.drawXTick(context, x: Self.x(xAxis.fraction(level.value), in: plot), label: level.label)
        }
        frame.drawAxes(context)
        if let gap = xAxis.breakFraction {
            // Two short slashes where the axis jumps from 0 to the log scale.
            let x = Self.x(gap, in: plot)
            for offset in [-2.5, 2.5] {
                context.strokeLine(x + offset - 3, plot.maxY + 4, x + offset + 3, plot.maxY - 4, color: ChartStyle.axisColor, width: 1)
            }
        }
        frame.drawTitles(context, yLabel: yLabel, xLabel: xTitle + (xAxis.isLog ? " (log scale)" : ""))
        drawSeries(context, plot: plot, styles: styles, xAxis: xAxis, yAxis: yAxis)
        frame.drawLegend(context)
        if measured.isEmpty {
            frame.drawEmpty(context, "no data")
        }
        try context.check()
    }

    /// The first and last level sit a little inside the plot, so their markers stay whole.
    static func x(_ fraction: Double, in plot: ChartRect) -> Double {
        let inset = 12.0
        return plot.x + inset + fraction * (plot.width - 2 * inset)
    }

    private func drawSeries(_ context: CairoContext, plot: ChartRect, styles: [SeriesStyle], xAxis: LevelAxis, yAxis: Axis) {
        func y(_ value: Double) -> Double? {
            yAxis.fraction(value).map { plot.maxY - $0 * plot.height }
        }
        // A ceiling runs far above the plot at short delays: it is cut at the plot's edge.
        context.clipped(to: plot) {
            for (line, style) in zip(series, styles) {
                let ceiling = line.ceiling.compactMap { point -> (x: Double, y: Double)? in
                    guard let value = point.y, let py = y(value) else { return nil }
                    return (Self.x(xAxis.fraction(point.x), in: plot), py)
                }
                context.strokePolyline(ceiling, color: style.color, width: 1, dash: [4, 3])
            }
        }
        context.clipped(to: ChartRect(x: plot.x - 8, y: plot.y - 8, width: plot.width + 16, height: plot.height + 16)) {
            for (line, style) in zip(series, styles) {
                let points = line.points.sorted { $0.x < $1.x }.compactMap { point -> (x: Double, y: Double)? in
                    guard let value = point.y, let py = y(value) else { return nil }
                    return (Self.x(xAxis.fraction(point.x), in: plot), py)
                }
                context.strokePolyline(points, color: style.color, width: 1.6, dash: style.dash)
                for point in line.points {
                    let x = Self.x(xAxis.fraction(point.x), in: plot)
                    if let interval = point.interval, let low = y(interval.lowerBound) ?? (yScale == .log ? plot.maxY : nil),
                        let high = y(interval.upperBound)
                    {
                        context.strokeLine(x, low, x, high, color: style.color, width: 1)
                        context.strokeLine(x - 3, low, x + 3, low, color: style.color, width: 1)
                        context.strokeLine(x - 3, high, x + 3, high, color: style.color, width: 1)
                    }
                    if point.failed {
                        context.drawMarker(.cross, at: x, plot.maxY, size: 8, color: style.color, filled: false)
                    }
                }
            }
            // Markers after every line, so no line hides another series' marker.
            for (line, style) in zip(series, styles) {
                for point in line.points {
                    guard let value = point.y, let py = y(value) else { continue }
                    context.drawMarker(style.marker, at: Self.x(xAxis.fraction(point.x), in: plot), py, size: 6.5, color: style.color, filled: style.filled)
                }
            }
        }
    }
}

/// Where the levels of a swept setting sit along x: evenly by value, or by log10 value when
/// the positive levels span a decade or more. A zero level then sits in a slot of its own at
/// the left, a break's width before the smallest positive level.
public struct LevelAxis: Sendable, Equatable {
    public let isLog: Bool
    let low: Double
    let high: Double
    let hasZero: Bool

    /// The share of the axis the zero slot and its break take on a log axis.
    static let zeroSlot = 0.14

    public init(_ values: [Double]) {
        let positive = values.filter { $0 > 0 }
        let low = positive.min() ?? 0
        let high = max(values.max() ?? 1, low)
        isLog = positive.count >= 2 && high / low >= 10
        hasZero = values.contains { $0 <= 0 }
        if isLog {
            self.low = log10(low)
            self.high = log10(high)
        } else {
            self.low = min(values.min() ?? 0, 0)
            self.high = high > self.low ? high : self.low + 1
        }
    }

    /// 0…1 along the axis.
    public func fraction(_ value: Double) -> Double {
        guard isLog else { return (value - low) / (high - low) }
        let start = hasZero ? Self.zeroSlot : 0
        guard value > 0 else { return 0 }
        let span = high > low ? high - low : 1
        return start + (log10(value) - low) / span * (1 - start)
    }

    /// Where the break between the zero slot and the log scale is drawn, if there is one.
    public var breakFraction: Double? { isLog && hasZero ? Self.zeroSlot / 2 : nil }
}
