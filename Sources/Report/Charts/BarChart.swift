import Foundation

/// One bar per variant, in the given order: its mean, each trial as a dot on the bar and an
/// optional 95% interval whisker; bars coloured and patterned by concurrency model, with a
/// legend above the plot. `RequestsChart` and `MemoryChart` are configurations of it.
public struct BarChart: Chart, Sendable {
    /// One variant's bar.
    public struct Bar: Sendable, Equatable {
        public var name: String
        /// Concurrency model ("async", "greenlet", "threads", "process"); picks the style.
        public var model: String
        /// Bar height; nil draws no bar (a failed variant, or no data).
        public var mean: Double?
        /// One value per trial, drawn as dots on the bar.
        public var trials: [Double]
        /// The 95% interval of the mean, drawn as a whisker.
        public var interval: ClosedRange<Double>?
        /// A failed variant shows an empty slot labelled "failed".
        public var failed: Bool

        public init(name: String, model: String, mean: Double?, trials: [Double] = [], interval: ClosedRange<Double>? = nil, failed: Bool = false) {
            self.name = name
            self.model = model
            self.mean = mean
            self.trials = trials
            self.interval = interval
            self.failed = failed
        }
    }

    public var title: String
    public var yLabel: String
    public var bars: [Bar]
    public var width: Double
    public var height: Double
    /// Print each mean above its bar when the numbers fit their slots.
    public var showsValues: Bool

    public init(title: String, yLabel: String, bars: [Bar], width: Double = 560, height: Double = 340, showsValues: Bool = true) {
        self.title = title
        self.yLabel = yLabel
        self.bars = bars
        self.width = width
        self.height = height
        self.showsValues = showsValues
    }

    public func draw(_ context: CairoContext) throws {
        context.save()
        defer { context.restore() }
        let shown = bars.map { $0.failed ? nil : $0 }
        let values = shown.flatMap { bar -> [Double] in
            guard let bar else { return [] }
            return [bar.mean, bar.interval?.upperBound].compactMap { $0 } + bar.trials
        }.filter(\.isFinite)
        let valueHeight = context.labelSize("0", font: ChartStyle.valueFont).height
        let frame = CategoryChartFrame(
            context, width: width, height: height, title: title, legend: legend(), yLabel: yLabel,
            categories: bars.map(\.name), maxValue: values.max(), headroom: showsValues ? valueHeight + 8 : 6)
        frame.drawBackground(context)

        let barWidth = min(frame.slotWidth * 0.62, 56)
        let labels = valueLabels(context, fitting: frame.slotWidth - 2)
        for (index, bar) in bars.enumerated() {
            let centre = frame.centre(index)
            guard !bar.failed, let mean = bar.mean, mean.isFinite else {
                drawSlotNote(context, bar.failed ? "failed" : "no data", centre: centre, frame: frame)
                continue
            }
            let top = frame.y(mean)
            context.drawBar(
                ChartRect(x: centre - barWidth / 2, y: top, width: barWidth, height: frame.plot.maxY - top),
                style: ChartStyle.style(forModel: bar.model))
            var highest = top
            if let interval = bar.interval {
                context.drawWhisker(centre, low: frame.y(interval.lowerBound), high: frame.y(interval.upperBound), capWidth: min(barWidth * 0.4, 10))
                highest = min(highest, frame.y(interval.upperBound))
            }
            for (x, value) in Self.dotPositions(bar.trials, centre: centre, barWidth: barWidth) {
                context.drawTrialDot(x, frame.y(value))
                highest = min(highest, frame.y(value) - 3)
            }
            if let label = labels?[index] {
                context.label(label, at: centre, highest - 3 - valueHeight / 2, font: ChartStyle.valueFont, color: ChartStyle.textColor, alignment: .center)
            }
        }
        if bars.isEmpty {
            frame.drawNote(context, "no data")
        } else if values.isEmpty {
            frame.drawNote(context, "no successful trials")
        }
        frame.drawForeground(context)
        try context.check()
    }

    /// Trials spread evenly across the middle half of the bar: a fixed spread, not random
    /// jitter, so the same data always draws the same picture.
    static func dotPositions(_ trials: [Double], centre: Double, barWidth: Double) -> [(x: Double, value: Double)] {
        let finite = trials.filter(\.isFinite)
        guard finite.count > 1 else { return finite.map { (centre, $0) } }
        let spread = min(barWidth * 0.5, 7 * Double(finite.count - 1))
        return finite.enumerated().map { index, value in
            (centre - spread / 2 + spread * Double(index) / Double(finite.count - 1), value)
        }
    }

    /// The label above each bar, or nil when any would be wider than its slot.
    private func valueLabels(_ context: CairoContext, fitting room: Double) -> [String?]? {
        guard showsValues else { return nil }
        let labels = bars.map { bar -> String? in
            guard !bar.failed, let mean = bar.mean, mean.isFinite else { return nil }
            return Self.valueText(mean)
        }
        let fits = labels.allSatisfy { label in
            label.map { context.labelSize($0, font: ChartStyle.valueFont).width <= room } ?? true
        }
        return fits ? labels : nil
    }

    /// Enough decimals to tell bars apart: none from 100 up, one from 10, two below.
    static func valueText(_ value: Double) -> String {
        let magnitude = abs(value)
        return Axis.formatted(value, fractionDigits: magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2)
    }

    private func drawSlotNote(_ context: CairoContext, _ note: String, centre: Double, frame: CategoryChartFrame) {
        let size = context.labelSize(note, font: ChartStyle.noteFont)
        if size.width <= frame.slotWidth - 2 {
            context.label(note, at: centre, frame.plot.maxY - size.height / 2 - 3, font: ChartStyle.noteFont, color: ChartStyle.mutedTextColor, alignment: .center)
        } else {
            context.label(note, at: centre, frame.plot.maxY - 3, font: ChartStyle.noteFont, color: ChartStyle.mutedTextColor, alignment: .left, rotation: -Double.pi / 2)
        }
    }

    private func legend() -> Legend {
        var models: [String] = []
        for bar in bars where !bar.failed && bar.mean != nil && !models.contains(where: { $0.lowercased() == bar.model.lowercased() }) {
            models.append(bar.model)
        }
        // Known models in the palette's order, then any others as they appear.
        let rank = { (model: String) in ChartStyle.modelOrder.firstIndex(of: model.lowercased()) ?? ChartStyle.modelOrder.count }
        models = models.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
        var items = models.map { Legend.Item(label: $0, swatch: .bar(ChartStyle.style(forModel: $0))) }
        if bars.contains(where: { !$0.failed && !$0.trials.isEmpty }) {
            items.append(Legend.Item(label: "one trial", swatch: .trialDot))
        }
        if bars.contains(where: { !$0.failed && $0.interval != nil }) {
            items.append(Legend.Item(label: "95% interval", swatch: .whisker))
        }
        return Legend(items: items)
    }
}
