import Foundation

/// Bars grouped per variant, one bar per source (e.g. "this machine" and "published 2017"),
/// each source with its own colour and pattern and a legend above the plot.
public struct GroupedBarChart: Chart, Sendable {
    /// One variant: a value per source, in the order of `sources`; nil where a source has none.
    public struct Group: Sendable, Equatable {
        public var name: String
        public var values: [Double?]

        public init(name: String, values: [Double?]) {
            self.name = name
            self.values = values
        }
    }

    public var title: String
    public var yLabel: String
    public var groups: [Group]
    public var sources: [String]
    public var width: Double
    public var height: Double

    public init(title: String, yLabel: String, groups: [Group], sources: [String], width: Double = 560, height: Double = 340) {
        self.title = title
        self.yLabel = yLabel
        self.groups = groups
        self.sources = sources
        self.width = width
        self.height = height
    }

    public func draw(_ context: CairoContext) throws {
        context.save()
        defer { context.restore() }
        let values = groups.flatMap { $0.values.prefix(sources.count).compactMap { $0 } }.filter(\.isFinite)
        let valueHeight = context.labelSize("0", font: ChartStyle.valueFont).height
        let legend = Legend(items: sources.enumerated().map { Legend.Item(label: $1, swatch: .bar(ChartStyle.sourceStyle($0))) })
        let frame = CategoryChartFrame(
            context, width: width, height: height, title: title, legend: legend, yLabel: yLabel,
            categories: groups.map(\.name), maxValue: values.max(), headroom: valueHeight + 8)
        frame.drawBackground(context)

        let count = max(sources.count, 1)
        let barWidth = min(frame.slotWidth * 0.8 / Double(count), 28)
        let showValues = fitsValueLabels(context, barWidth: barWidth)
        let missingFits = context.labelSize("n/a", font: ChartStyle.valueFont).width <= barWidth + 2
        for (index, group) in groups.enumerated() {
            let start = frame.centre(index) - barWidth * Double(count) / 2
            for source in sources.indices {
                let x = start + barWidth * Double(source)
                let value = source < group.values.count ? group.values[source] : nil
                guard let value, value.isFinite else {
                    if missingFits {
                        context.label("n/a", at: x + barWidth / 2, frame.plot.maxY - valueHeight / 2 - 2, font: ChartStyle.valueFont, color: ChartStyle.mutedTextColor, alignment: .center)
                    }
                    continue
                }
                let top = frame.y(value)
                context.drawBar(ChartRect(x: x, y: top, width: barWidth, height: frame.plot.maxY - top), style: ChartStyle.sourceStyle(source))
                if showValues {
                    context.label(BarChart.valueText(value), at: x + barWidth / 2, top - 3 - valueHeight / 2, font: ChartStyle.valueFont, color: ChartStyle.textColor, alignment: .center)
                }
            }
        }
        if groups.isEmpty || sources.isEmpty {
            frame.drawNote(context, "no data")
        } else if values.isEmpty {
            frame.drawNote(context, "no values to compare")
        }
        frame.drawForeground(context)
        try context.check()
    }

    /// Values are printed over bars only when every one fits its bar's width.
    private func fitsValueLabels(_ context: CairoContext, barWidth: Double) -> Bool {
        groups.allSatisfy { group in
            group.values.prefix(sources.count).allSatisfy { value in
                value.map { context.labelSize(BarChart.valueText($0), font: ChartStyle.valueFont).width <= barWidth + 2 } ?? true
            }
        }
    }
}
