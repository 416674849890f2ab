/// The app's peak resident memory per variant (MiB): one bar per variant, coloured by
/// model, with each trial's peak as a dot.
public struct MemoryChart: Chart, Sendable {
    public typealias Bar = BarChart.Bar

    public private(set) var chart: BarChart
    public var title: String { chart.title }
    public var width: Double { chart.width }
    public var height: Double { chart.height }

    /// `bars[i].mean` is the bar height (MiB) and `trials` each trial's peak RSS.
    public init(title: String = "Peak memory of the app", yLabel: String = "peak RSS of the app (MiB)", bars: [Bar]) {
        chart = BarChart(title: title, yLabel: yLabel, bars: bars)
    }

    public func draw(_ context: CairoContext) throws { try chart.draw(context) }
}
