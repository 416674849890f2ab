/// The seed post's chart, improved: requests per trial for every variant as bars in the
/// given order, with each trial as a dot and the 95% interval as a whisker.
public struct RequestsChart: Chart, Sendable {
    public typealias Bar = BarChart.Bar

    public private(set) var chart: BarChart
    public var title: String { chart.title }
    public var width: Double { chart.width }
    public var height: Double { chart.height }

    /// `yLabel` names the measure and its window, e.g. "requests per trial (20 s window)".
    public init(title: String, yLabel: String, bars: [Bar]) {
        chart = BarChart(title: title, yLabel: yLabel, bars: bars)
    }

    public func draw(_ context: CairoContext) throws { try chart.draw(context) }
}
