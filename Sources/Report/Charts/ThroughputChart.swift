import Foundation

/// A trial's run over time as small multiples: one panel per variant in a grid, each with a
/// line per trial of a value per bin (requests per second by default; the p99 of a timeline's
/// intervals). Every panel shares the same axes, so variants compare at a glance and a stall
/// shows as a drop to the x axis. A warm-up before the window (x below 0) is shaded, and
/// stalls are marked on the x axis. Lines take their model's colour and differ between trials
/// by dash and opacity; only the outer panels carry tick labels, and the axis labels are shared.
public struct ThroughputChart: Chart, Sendable {
    /// One variant's panel.
    public struct Panel: Sendable, Equatable {
        public var name: String
        /// Concurrency model ("async", "greenlet", "threads", "process"); picks the colour.
        public var model: String
        /// One array per trial: the value of each bin, bin i covering
        /// [start + i·binSeconds, start + (i+1)·binSeconds); nil where there is none (a p99
        /// without requests), which breaks the line.
        public var values: [[Double?]]
        /// Where stalls start, s from the window's start.
        public var stalls: [Double]

        /// Requests completed in each bin, drawn as requests per second.
        public init(name: String, model: String, trials: [[Int64]]) {
            self.init(name: name, model: model, values: trials.map { $0.map { Double($0) } }, stalls: [])
            counts = true
        }

        public init(name: String, model: String, values: [[Double?]], stalls: [Double] = []) {
            self.name = name
            self.model = model
            self.values = values
            self.stalls = stalls
        }

        /// Whether `values` are counts per bin, to be divided by its width.
        var counts = false
    }

    public var title: String
    public var panels: [Panel]
    /// The width of a bin; a bin's count is drawn as `count / binSeconds` requests per second.
    public var binSeconds: Double
    /// The length of the measured window: the x axis runs to it, and bins that start after
    /// it are left out.
    public var windowSeconds: Double
    /// Where the x axis starts: 0, or minus the warm-up shown before the window.
    public var startSeconds = 0.0
    /// The y axis label; nil for requests/s per bin.
    public var valueLabel: String?
    public var width: Double
    public var height: Double

    static let margin = 12.0
    /// Height of one row of panels (panel title, plot and the gap below it) when the height
    /// is derived from the row count, and of everything else: title, tick and axis labels.
    static let rowHeight = 118.0
    static let chromeHeight = 84.0
    static let columnGap = 14.0
    static let rowGap = 10.0
    /// Panels narrower than this stop being readable; fewer columns are used instead.
    static let minimumPanelWidth = 150.0
    static let panelTitleFont = Font.sans(9, bold: true)
    static let xLabel = "seconds into the measured window"
    static let emptyNote = "no per-request data"

    /// `height` nil grows the chart with the number of rows of panels.
    public init(title: String, panels: [Panel], binSeconds: Double = 0.1, windowSeconds: Double, width: Double = 640, height: Double? = nil) {
        self.title = title
        self.panels = panels
        self.binSeconds = binSeconds
        self.windowSeconds = windowSeconds
        self.width = width
        self.height = height ?? Self.chromeHeight + Double(Self.rows(for: panels.count, width: width)) * Self.rowHeight
    }

    /// Columns for `count` panels: one row for up to three, 2 × 2 for four, three across up
    /// to twelve, then four; fewer when the panels would be narrower than `minimumPanelWidth`.
    static func columns(for count: Int, width: Double) -> Int {
        let wanted = count <= 3 ? count : count == 4 ? 2 : count <= 12 ? 3 : 4
        let fitting = Int((width - 2 * margin + columnGap) / (minimumPanelWidth + columnGap))
        return max(1, min(wanted, fitting))
    }

    static func rows(for count: Int, width: Double) -> Int {
        let columns = columns(for: count, width: width)
        return max(1, (count + columns - 1) / columns)
    }

    /// The y axis label names the bin, since the rate is per bin, not a moving average.
    var yLabel: String {
        if let valueLabel { return valueLabel }
        let bin = binSeconds < 1
            ? "\(Axis.formatted(binSeconds * 1000, fractionDigits: 1)) ms"
            : "\(Axis.formatted(binSeconds, fractionDigits: 2)) s"
        return "requests/s (per \(bin) bin)"
    }

    /// The window in seconds, or 1 when it is not a usable length.
    private var window: Double { windowSeconds.isFinite && windowSeconds > 0 ? windowSeconds : 1 }
    /// The x axis's start: 0 or the warm-up's start, never more than the window before 0 × 10.
    private var start: Double { startSeconds.isFinite && startSeconds < 0 ? max(startSeconds, -10 * window) : 0 }
    /// The x axis's span.
    private var span: Double { window - start }

    /// Each trial's bins inside the shown span, as drawn (requests per second for counts).
    func rates(_ panel: Panel) -> [[Double?]] {
        guard binSeconds.isFinite, binSeconds > 0 else { return panel.values.map { _ in [] } }
        // Bins that start before the window's end; the tolerance keeps 0.3 / 0.1 at 3 bins.
        let bins = Int((span / binSeconds * (1 - 1e-9)).rounded(.up))
        return panel.values.map { values in
            values.prefix(bins).map { value in value.map { panel.counts ? $0 / binSeconds : $0 } }
        }
    }

    /// Where on the plot second `t` of the window lies.
    private func x(_ t: Double, in plot: ChartRect) -> Double {
        plot.x + (t - start) / span * plot.width
    }

    /// Where everything goes, measured with the context's fonts.
    struct Layout {
        let title: TextLayout
        /// The area the panels share, panel titles included.
        let grid: ChartRect
        /// Each panel's plot area, in the order of `panels`.
        let plots: [ChartRect]
        let columns: Int
        let xAxis: Axis
        /// The x ticks drawn: the window's, and in a warm-up its steps below 0 (or its start).
        let xTicks: [Axis.Tick]
        /// Shared by every panel: 0 to the highest rate of any trial, rounded up to a nice step.
        let yAxis: Axis
        /// `rates(_:)` of each panel.
        let rates: [[[Double?]]]
        let hasData: Bool
        let axisLabelHeight: Double
        let tickHeight: Double
        let panelTitleHeight: Double
    }

    func layout(_ context: CairoContext) -> Layout {
        let margin = Self.margin
        let rates = panels.map { self.rates($0) }
        let highest = rates.flatMap { $0.flatMap { $0.compactMap { $0 } } }.filter(\.isFinite).max()
        let yAxis = Axis.linear(through: highest ?? 1, targetTicks: 4)
        let xAxis = Axis.linear(through: window, targetTicks: 4)
        let xTicks = Self.warmupTicks(xAxis, start: start) + xAxis.ticks.filter { $0.value <= window * (1 + 1e-9) }
        let title = TextLayout(context, self.title, font: ChartStyle.titleFont, width: width - 2 * margin)
        let axisLabelHeight = context.labelSize(yLabel, font: ChartStyle.axisLabelFont).height
        let tickHeight = context.labelSize("0", font: ChartStyle.tickFont).height
        let panelTitleHeight = context.labelSize(panels.first?.name ?? "", font: Self.panelTitleFont).height
        let tickWidth = highest == nil ? 0 : yAxis.ticks.map { context.labelSize($0.label, font: ChartStyle.tickFont).width }.max() ?? 0
        // The last x tick label is centred on the right edge of the rightmost panels.
        let overhang = (xAxis.ticks.last.map { context.labelSize($0.label, font: ChartStyle.tickFont).width } ?? 0) / 2
        let left = margin + axisLabelHeight + 8 + tickWidth + 6
        let top = margin + title.size.height + 8
        let bottom = height - margin - axisLabelHeight - 6 - tickHeight - 4
        let grid = ChartRect(x: left, y: top, width: max(width - margin - overhang - left, 10), height: max(bottom - top, 10))

        let columns = Self.columns(for: panels.count, width: width)
        let rows = Self.rows(for: panels.count, width: width)
        let cellWidth = (grid.width - Self.columnGap * Double(columns - 1)) / Double(columns)
        let cellHeight = (grid.height - Self.rowGap * Double(rows - 1)) / Double(rows)
        let plots = panels.indices.map { index in
            let titleRoom = panelTitleHeight + 3
            return ChartRect(
                x: grid.x + Double(index % columns) * (cellWidth + Self.columnGap),
                y: grid.y + Double(index / columns) * (cellHeight + Self.rowGap) + titleRoom,
                width: max(cellWidth, 1), height: max(cellHeight - titleRoom, 1))
        }
        return Layout(
            title: title, grid: grid, plots: plots, columns: columns, xAxis: xAxis, xTicks: xTicks, yAxis: yAxis, rates: rates,
            hasData: highest != nil, axisLabelHeight: axisLabelHeight, tickHeight: tickHeight, panelTitleHeight: panelTitleHeight)
    }

    /// Ticks below 0 for a warm-up from `start`: the window's steps that fit in it, or, when
    /// none does, one at the warm-up's start.
    static func warmupTicks(_ axis: Axis, start: Double) -> [Axis.Tick] {
        guard start < 0, axis.ticks.count >= 2 else { return [] }
        let step = axis.ticks[1].value - axis.ticks[0].value
        guard step > 0 else { return [] }
        let steps = Int((-start / step + 1e-9).rounded(.down))
        if steps == 0 {
            let digits = start == start.rounded() ? 0 : start * 10 == (start * 10).rounded() ? 1 : 2
            return [Axis.Tick(value: start, label: Axis.formatted(start, fractionDigits: digits))]
        }
        return (1...steps).reversed().map { k in
            let value = -Double(k) * step
            return Axis.Tick(value: value, label: Axis.formatted(value, fractionDigits: step.rounded() == step ? 0 : 1))
        }
    }

    public func draw(_ context: CairoContext) throws {
        context.save()
        defer { context.restore() }
        let layout = layout(context)
        context.setColor(ChartStyle.textColor)
        layout.title.draw(at: Self.margin, Self.margin)
        guard !panels.isEmpty else {
            context.label("no data", at: layout.grid.midX, layout.grid.midY, font: ChartStyle.noteFont, color: ChartStyle.mutedTextColor, alignment: .center)
            try context.check()
            return
        }
        for (index, panel) in panels.enumerated() {
            // X tick labels go under the lowest panel of each column, not only the last row,
            // so a column that ends a row early is still labelled.
            drawPanel(
                context, panel, rates: layout.rates[index], plot: layout.plots[index], layout: layout,
                showsYTicks: layout.hasData && index % layout.columns == 0, showsXTicks: index + layout.columns >= panels.count)
        }
        drawAxisLabels(context, layout: layout)
        try context.check()
    }

    private func drawPanel(_ context: CairoContext, _ panel: Panel, rates: [[Double?]], plot: ChartRect, layout: Layout, showsYTicks: Bool, showsXTicks: Bool) {
        let name = context.fitted(panel.name, font: Self.panelTitleFont, maxWidth: plot.width)
        context.label(name, at: plot.x, plot.y - 3 - layout.panelTitleHeight / 2, font: Self.panelTitleFont, color: ChartStyle.textColor)
        let y = { (rate: Double) in plot.maxY - min(max(layout.yAxis.fraction(rate) ?? 0, 0), 1) * plot.height }
        for tick in layout.yAxis.ticks {
            context.strokeLine(plot.x, y(tick.value), plot.maxX, y(tick.value), color: ChartStyle.gridColor, width: 0.8)
            if showsYTicks {
                context.label(tick.label, at: plot.x - 6, y(tick.value), font: ChartStyle.tickFont, color: ChartStyle.textColor, alignment: .right)
            }
        }
        if start < 0 {
            // The warm-up, shaded: load ran, nothing in it is counted.
            context.setColor(ChartStyle.warmupColor)
            context.rectangle(plot.x, plot.y, x(0, in: plot) - plot.x, plot.height)
            context.fill()
        }
        for tick in layout.xTicks {
            let x = self.x(tick.value, in: plot)
            context.strokeLine(x, plot.y, x, plot.maxY, color: ChartStyle.minorGridColor, width: 0.8)
            if showsXTicks {
                context.label(tick.label, at: x, plot.maxY + 4 + layout.tickHeight / 2, font: ChartStyle.tickFont, color: ChartStyle.textColor, alignment: .center)
            }
        }
        context.strokeLine(plot.x, plot.maxY, plot.maxX, plot.maxY, color: ChartStyle.axisColor, width: 1)
        context.strokeLine(plot.x, plot.y, plot.x, plot.maxY, color: ChartStyle.axisColor, width: 1)

        for stall in panel.stalls where stall >= start && stall <= window {
            // A stall: a red tick from the x axis up, where it starts.
            let at = x(stall, in: plot)
            context.strokeLine(at, plot.maxY, at, plot.maxY - min(10, plot.height / 3), color: ChartStyle.stallColor, width: 2)
        }
        guard rates.contains(where: { $0.contains { $0 != nil } }) else {
            let note = context.fitted(Self.emptyNote, font: ChartStyle.noteFont, maxWidth: plot.width - 4)
            context.label(note, at: plot.midX, plot.midY, font: ChartStyle.noteFont, color: ChartStyle.mutedTextColor, alignment: .center)
            return
        }
        let color = ChartStyle.style(forModel: panel.model).color
        // A rate of zero lies on the x axis: let half the line show below the plot's edge.
        context.clipped(to: ChartRect(x: plot.x, y: plot.y - 1, width: plot.width, height: plot.height + 2)) {
            // The first trial is drawn last, solid and opaque, on top of the others.
            for (trial, values) in rates.enumerated().reversed() where !values.isEmpty {
                context.newPath()
                var drawing = false
                for (bin, rate) in values.enumerated() {
                    guard let rate else {
                        drawing = false
                        continue
                    }
                    let x = self.x(start + (Double(bin) + 0.5) * binSeconds, in: plot)
                    if drawing { context.line(to: x, y(rate)) } else { context.move(to: x, y(rate)) }
                    drawing = true
                }
                context.setColor(Color(color.red, color.green, color.blue, alpha: trial == 0 ? 1 : 0.7))
                context.setLineWidth(1.1)
                context.setDash(ChartStyle.dashPatterns[trial % ChartStyle.dashPatterns.count])
                context.stroke()
                context.setDash([])
            }
        }
    }

    private func drawAxisLabels(_ context: CairoContext, layout: Layout) {
        let font = ChartStyle.axisLabelFont
        let grid = layout.grid
        // One row of panels is shorter than the label: it may run on down past the x tick
        // labels, where the bottom-left corner is empty, rather than lose its middle.
        let room = height - Self.margin - grid.y
        let yText = context.fitted(yLabel, font: font, maxWidth: room)
        let yWidth = context.labelSize(yText, font: font).width
        let centre = yWidth <= grid.height ? grid.midY : grid.y + yWidth / 2
        context.label(yText, at: Self.margin + layout.axisLabelHeight / 2, centre, font: font, color: ChartStyle.textColor, alignment: .center, rotation: -Double.pi / 2)
        context.label(Self.xLabel, at: grid.midX, height - Self.margin - layout.axisLabelHeight / 2, font: font, color: ChartStyle.textColor, alignment: .center)
    }
}
