import Foundation

/// The frame shared by the bar charts: title, legend row, linear y axis with grid and
/// label, and one slot per category along x with labels that never overlap.
///
/// The layout is measured, not guessed: tick label widths set the left margin, the category
/// labels' mode sets the bottom margin, and the y axis leaves `headroom` points above the
/// tallest value for the labels drawn there.
struct CategoryChartFrame {
    let plot: ChartRect
    let axis: Axis
    let labels: CategoryLabels
    let slotWidth: Double
    let categoryCount: Int

    private let title: TextLayout
    private let legend: Legend
    private let legendTop: Double
    private let yLabel: String
    private let showsTickLabels: Bool

    static let margin = 12.0

    init(
        _ context: CairoContext, width: Double, height: Double, title: String, legend: Legend,
        yLabel: String, categories: [String], maxValue: Double?, headroom: Double
    ) {
        let margin = Self.margin
        let titleLayout = TextLayout(context, title, font: ChartStyle.titleFont, width: width - 2 * margin)
        let legendTop = margin + titleLayout.size.height + 4
        let legendHeight = legend.flowHeight(context, maxWidth: width - 2 * margin)
        let plotTop = legendTop + legendHeight + 10
        let axisLabelHeight = context.labelSize(yLabel, font: ChartStyle.axisLabelFont).height
        let count = max(categories.count, 1)

        // Two passes: the y axis depends on the plot height (for headroom), which depends on
        // the label layout, which depends on the left margin set by the y tick labels.
        var plotHeight = height - plotTop - margin - 60
        var left = margin + axisLabelHeight + 8
        var axis = Axis.linear(through: 1)
        var labels = CategoryLabels([], slotWidth: 1, maxHeight: 1, context: context)
        var slot = 1.0
        for _ in 0..<2 {
            axis = Self.axis(maxValue: maxValue, headroom: headroom, plotHeight: plotHeight)
            let tickWidth = axis.ticks.map { context.labelSize($0.label, font: ChartStyle.tickFont).width }.max() ?? 0
            left = margin + axisLabelHeight + 8 + tickWidth + 6
            let maxLabelHeight = height * 0.3
            slot = (width - margin - left) / Double(count)
            labels = CategoryLabels(categories, slotWidth: slot, maxHeight: maxLabelHeight, context: context)
            // A long rotated first label must not run off the left edge.
            let overhang = labels.leftReach(slotWidth: slot)
            if margin + max(overhang, 0) > left {
                left = margin + overhang
                slot = (width - margin - left) / Double(count)
                labels = CategoryLabels(categories, slotWidth: slot, maxHeight: maxLabelHeight, context: context)
            }
            plotHeight = height - margin - labels.height - plotTop
        }
        self.plot = ChartRect(x: left, y: plotTop, width: width - margin - left, height: max(plotHeight, 10))
        self.axis = axis
        self.labels = labels
        self.slotWidth = slot
        self.categoryCount = categories.count
        self.title = titleLayout
        self.legend = legend
        self.legendTop = legendTop
        self.yLabel = yLabel
        self.showsTickLabels = maxValue != nil
    }

    private static func axis(maxValue: Double?, headroom: Double, plotHeight: Double) -> Axis {
        guard let maxValue, maxValue > 0 else { return .linear(through: 1) }
        // Stretch the top so the tallest value still has `headroom` points above it.
        let share = min(headroom / max(plotHeight, 1), 0.5)
        return .linear(through: maxValue / (1 - share))
    }

    /// The x of slot `index`'s centre.
    func centre(_ index: Int) -> Double { plot.x + slotWidth * (Double(index) + 0.5) }

    /// The y of `value`, kept inside the plot.
    func y(_ value: Double) -> Double {
        let fraction = min(max(axis.fraction(value) ?? 0, 0), 1)
        return plot.maxY - fraction * plot.height
    }

    /// Title, legend, grid, y ticks and y label: everything drawn under the data.
    func drawBackground(_ context: CairoContext) {
        context.setColor(ChartStyle.textColor)
        title.draw(at: Self.margin, Self.margin)
        legend.drawFlow(context, right: plot.maxX, top: legendTop, maxWidth: plot.maxX - Self.margin)
        for tick in axis.ticks {
            let y = self.y(tick.value)
            context.strokeLine(plot.x, y, plot.maxX, y, color: ChartStyle.gridColor, width: 0.8)
            if showsTickLabels {
                context.label(tick.label, at: plot.x - 6, y, font: ChartStyle.tickFont, color: ChartStyle.textColor, alignment: .right)
            }
        }
        let label = context.fitted(yLabel, font: ChartStyle.axisLabelFont, maxWidth: plot.height)
        let labelHeight = context.labelSize(label, font: ChartStyle.axisLabelFont).height
        context.label(
            label, at: Self.margin + labelHeight / 2, plot.midY, font: ChartStyle.axisLabelFont,
            color: ChartStyle.textColor, alignment: .center, rotation: -Double.pi / 2)
    }

    /// The x axis line and category labels: drawn over the data.
    func drawForeground(_ context: CairoContext) {
        context.strokeLine(plot.x, plot.maxY, plot.maxX, plot.maxY, color: ChartStyle.axisColor, width: 1)
        labels.draw(context, centres: (0..<categoryCount).map(centre), top: plot.maxY)
    }

    /// A centred note in the plot, for charts without data.
    func drawNote(_ context: CairoContext, _ text: String) {
        context.label(text, at: plot.midX, plot.midY, font: ChartStyle.noteFont, color: ChartStyle.mutedTextColor, alignment: .center)
    }
}
