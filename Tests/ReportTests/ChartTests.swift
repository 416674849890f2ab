import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

@testable import Report

/// The seed post's eleven variants with the numbers it published (published-2017.csv).
private struct PublishedRow {
    var name: String
    var model: String
    var p50: Double
    var p99: Double
    var p999: Double
    var max: Double
    var requests: Double
}

private let published: [PublishedRow] = [
    PublishedRow(name: "aiohttp", model: "async", p50: 247.72, p99: 352.75, p999: 404.59, max: 1414.08, requests: 30702),
    PublishedRow(name: "flask:gevent", model: "greenlet", p50: 945.17, p99: 6587.19, p999: 8177.32, max: 8192.75, requests: 7491),
    PublishedRow(name: "flask:meinheld", model: "greenlet", p50: 2526.55, p99: 6753.13, p999: 6857.55, max: 6857.55, requests: 190),
    PublishedRow(name: "flask:10", model: "threads", p50: 4419.11, p99: 4505.59, p999: 4659.46, max: 4667.55, requests: 1797),
    PublishedRow(name: "flask:20", model: "threads", p50: 2368.20, p99: 3140.01, p999: 3434.39, max: 3476.06, requests: 3364),
    PublishedRow(name: "flask:50", model: "threads", p50: 472.98, p99: 3978.68, p999: 8599.01, max: 9845.94, requests: 4606),
    PublishedRow(name: "flask:100", model: "threads", p50: 499.16, p99: 4428.77, p999: 8714.60, max: 9987.37, requests: 4555),
    PublishedRow(name: "flask:200", model: "threads", p50: 459.85, p99: 4493.61, p999: 8548.99, max: 9683.27, requests: 4378),
    PublishedRow(name: "flask:400", model: "threads", p50: 526.72, p99: 3195.23, p999: 8069.06, max: 9686.35, requests: 4336),
    PublishedRow(name: "flask:800", model: "threads", p50: 430.07, p99: 4503.95, p999: 8653.69, max: 9722.19, requests: 4381),
    PublishedRow(name: "flask:1000", model: "threads", p50: 732.21, p99: 1919.72, p999: 5323.73, max: 7364.60, requests: 4121),
]

/// Three trials spread ±4% around the published count, with a matching interval.
private func requestBars(_ rows: [PublishedRow] = published) -> [RequestsChart.Bar] {
    rows.map { row in
        RequestsChart.Bar(
            name: row.name, model: row.model, mean: row.requests,
            trials: [row.requests * 0.96, row.requests * 1.01, row.requests * 1.03],
            interval: row.requests * 0.93...row.requests * 1.07)
    }
}

private func percentileSeries(_ rows: [PublishedRow] = published) -> [PercentileChart.Series] {
    rows.map { row in
        PercentileChart.Series(name: row.name, model: row.model, points: [
            .init(percentile: 50, ms: row.p50), .init(percentile: 90, ms: (row.p50 + row.p99) / 2),
            .init(percentile: 99, ms: row.p99), .init(percentile: 99.9, ms: row.p999),
            .init(percentile: 99.99, ms: row.max), .init(percentile: 100, ms: row.max),
        ])
    }
}

private let outputFolder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-chart-tests", isDirectory: true)

/// What a reader would notice in the written files: right size, something drawn in the plot,
/// an SVG that parses and names the chart, a real PDF.
private func expectWellFormed(_ files: ChartFiles, _ chart: some Chart) throws {
    let image = try CairoSurface.png(files.png)
    #expect(image.width == chart.width * 2)
    #expect(image.height == chart.height * 2)
    let pixels = image.pixels()
    #expect(Set(pixels).count > 50, "a chart has text, bars and antialiasing: many distinct colours")
    let width = Int(image.width)
    let height = Int(image.height)
    var inked = 0
    var total = 0
    for y in (height * 3 / 10)..<(height * 8 / 10) {
        for x in (width / 5)..<(width * 7 / 10) {
            total += 1
            if pixels[y * width + x] != 0xFFFF_FFFF { inked += 1 }
        }
    }
    #expect(Double(inked) / Double(total) > 0.02, "the plot area has data drawn in it")

    let svg = try Data(contentsOf: files.svg)
    let parser = XMLParser(data: svg)
    #expect(parser.parse(), "the SVG is well-formed XML")
    #expect(String(decoding: svg, as: UTF8.self).contains("<title>\(MarkupText.escaped(chart.title))</title>"))
    let pdf = try Data(contentsOf: files.pdf)
    #expect(pdf.starts(with: Array("%PDF".utf8)))
}

/// Cairo writes coordinates in 24.8 fixed point, so a drawn length is off by up to 1/256 pt.
private let fixedPoint = 1.0 / 256

/// Whether a drawn length matches the expected one: within 1%, or a couple of Cairo's
/// fixed-point steps for lengths so short that 1% is finer than Cairo draws.
private func matches(_ drawn: Double, _ expected: Double) -> Bool {
    abs(drawn - expected) <= max(0.01 * abs(expected), 2 * fixedPoint)
}

/// Writes the chart's files and reads back what its SVG draws.
private func drawing(_ chart: some Chart, name: String) throws -> SVGDrawing {
    try SVGDrawing(contentsOf: ChartWriter.write(chart, folder: outputFolder, name: name, created: .fixtureDocumentDate).svg)
}

/// The plot of a bar chart as drawn: the x axis line at its bottom, the highest grid
/// line at its top. The legend sits above it.
private func barPlot(_ svg: SVGDrawing) throws -> ChartRect {
    let axes = svg.stroked(ChartStyle.axisColor).map(\.bounds)
    let axis = try #require(axes.first, "a bar chart draws its x axis")
    #expect(axes.count == 1 && axis.height == 0, "one horizontal x axis: \(axes)")
    let top = try #require(svg.stroked(ChartStyle.gridColor).map(\.bounds.y).min(), "a bar chart draws grid lines")
    return ChartRect(x: axis.x, y: top, width: axis.width, height: axis.y - top)
}

/// A bar as drawn: its rectangle and which of the given colours fills it.
private struct DrawnBar {
    var rect: ChartRect
    var color: Int
}

/// The filled rectangles in one of `colors` that stand on the plot's x axis, left to
/// right: the bars, without the legend's swatches.
private func drawnBars(_ svg: SVGDrawing, plot: ChartRect, colors: [Color]) -> [DrawnBar] {
    svg.shapes.compactMap { shape -> DrawnBar? in
        guard let rect = shape.rectangle, abs(rect.maxY - plot.maxY) <= 2 * fixedPoint,
              let color = colors.firstIndex(where: { shape.fill?.isColor($0) == true }) else { return nil }
        return DrawnBar(rect: rect, color: color)
    }.sorted { $0.rect.x < $1.rect.x }
}

private let modelColors = ChartStyle.modelOrder.map { ChartStyle.style(forModel: $0).color }

struct ChartTests {
    @Test func requestsChartWithSeedVariants() throws {
        let chart = RequestsChart(title: "Requests served in 20 s, per variant", yLabel: "requests per trial (20 s window)", bars: requestBars())
        try expectWellFormed(ChartWriter.write(chart, folder: outputFolder, name: "requests", created: .fixtureDocumentDate), chart)
    }

    /// Seventeen variants, some with long names and one failed, in every chart: labels and
    /// legends must stay apart (look at the PNGs in the temp folder after a change).
    @Test func longNamesInEveryChart() throws {
        var rows = published
        rows += published.prefix(6).map { row in
            var long = row
            long.name = "gthread-workers-with-a-long-name-\(row.name)"
            long.model = "threads"
            return long
        }
        var bars = requestBars(rows)
        bars[2] = RequestsChart.Bar(name: "flask:meinheld", model: "greenlet", mean: nil, failed: true)
        let requests = RequestsChart(title: "Seventeen variants, one failed, some with long names", yLabel: "requests per trial (20 s window)", bars: bars)
        try expectWellFormed(ChartWriter.write(requests, folder: outputFolder, name: "requests-long", created: .fixtureDocumentDate), requests)

        let percentiles = PercentileChart(title: "Latency by percentile, seventeen variants", series: percentileSeries(rows))
        try expectWellFormed(ChartWriter.write(percentiles, folder: outputFolder, name: "percentiles-long", created: .fixtureDocumentDate), percentiles)

        let memory = MemoryChart(bars: bars.map { bar in
            var bar = bar
            bar.mean = bar.mean.map { 30 + $0 / 1000 }
            bar.trials = bar.trials.map { 30 + $0 / 1000 }
            bar.interval = nil
            return bar
        })
        try expectWellFormed(ChartWriter.write(memory, folder: outputFolder, name: "memory-long", created: .fixtureDocumentDate), memory)

        let grouped = GroupedBarChart(
            title: "This machine vs published 2017, seventeen variants", yLabel: "requests per trial (20 s window)",
            groups: rows.map { GroupedBarChart.Group(name: $0.name, values: [$0.requests * 1.4, $0.requests]) },
            sources: ["this machine", "published 2017"])
        try expectWellFormed(ChartWriter.write(grouped, folder: outputFolder, name: "grouped-long", created: .fixtureDocumentDate), grouped)

        let few = RequestsChart(title: "Seven variants", yLabel: "requests per trial (20 s window)", bars: requestBars(Array(published.prefix(7))))
        try expectWellFormed(ChartWriter.write(few, folder: outputFolder, name: "requests-seven", created: .fixtureDocumentDate), few)
    }

    @Test func percentileChartWithSeedVariants() throws {
        let chart = PercentileChart(title: "Latency by percentile", series: percentileSeries())
        try expectWellFormed(ChartWriter.write(chart, folder: outputFolder, name: "percentiles", created: .fixtureDocumentDate), chart)
    }

    @Test func memoryChartWithSeedVariants() throws {
        let bars = published.enumerated().map { index, row in
            let peak = row.model == "threads" ? 40 + Double(index) * 6.5 : 33.5
            return MemoryChart.Bar(name: row.name, model: row.model, mean: peak, trials: [peak - 0.8, peak, peak + 1.1])
        }
        let chart = MemoryChart(bars: bars)
        try expectWellFormed(ChartWriter.write(chart, folder: outputFolder, name: "memory", created: .fixtureDocumentDate), chart)
    }

    @Test func groupedBarChartComparesSources() throws {
        let groups = published.enumerated().map { index, row in
            GroupedBarChart.Group(name: row.name, values: [index == 4 ? nil : row.requests * 1.6, row.requests])
        }
        let chart = GroupedBarChart(
            title: "This machine vs the published 2017 run", yLabel: "requests per trial (20 s window)",
            groups: groups, sources: ["this machine", "published 2017"])
        try expectWellFormed(ChartWriter.write(chart, folder: outputFolder, name: "grouped", created: .fixtureDocumentDate), chart)
    }

    /// One bar per variant, left to right in the order given, each as tall as its value on
    /// one shared scale: bar heights relate as the request counts do.
    @Test func requestBarsFollowTheirValuesInOrder() throws {
        let chart = RequestsChart(title: "Requests served in 20 s, per variant", yLabel: "requests per trial (20 s window)", bars: requestBars())
        let svg = try drawing(chart, name: "requests-geometry")
        let bars = drawnBars(svg, plot: try barPlot(svg), colors: modelColors)
        #expect(bars.map { ChartStyle.modelOrder[$0.color] } == published.map(\.model), "bars in definition order, coloured by model")
        try #require(bars.count == published.count)

        let (first, firstRow) = (bars[0], published[0])
        for (bar, row) in zip(bars, published).dropFirst() {
            #expect(
                matches(bar.rect.height / first.rect.height * firstRow.requests, row.requests),
                "\(row.name) : \(firstRow.name) is \(row.requests / firstRow.requests) in requests but \(bar.rect.height / first.rect.height) in height")
        }
        let byHeight = zip(bars, published).sorted { $0.0.rect.height < $1.0.rect.height }.map(\.1.name)
        #expect(byHeight == published.sorted { $0.requests < $1.requests }.map(\.name), "more requests, taller bar")
        let centres = bars.map(\.rect.midX)
        let gaps = zip(centres, centres.dropFirst()).map { $1 - $0 }
        #expect(gaps.allSatisfy { abs($0 - gaps[0]) <= 4 * fixedPoint }, "evenly spaced slots: \(gaps)")
    }

    /// A failed variant keeps its place: its slot stays empty rather than the bars after it
    /// moving left into it.
    @Test func failedVariantLeavesItsSlotEmpty() throws {
        var bars = requestBars(Array(published.prefix(5)))
        bars[1] = RequestsChart.Bar(name: bars[1].name, model: bars[1].model, mean: nil, failed: true)
        let chart = RequestsChart(title: "One variant failed", yLabel: "requests per trial (20 s window)", bars: bars)
        let svg = try drawing(chart, name: "requests-failed-slot")
        let plot = try barPlot(svg)
        let drawn = drawnBars(svg, plot: plot, colors: modelColors)
        try #require(drawn.count == 4, "no bar for the failed variant")
        let slot = plot.width / 5
        let slots = drawn.map { (($0.rect.midX - plot.x) / slot - 0.5).rounded() }
        #expect(slots == [0, 2, 3, 4], "bars stay in their own slots: \(drawn.map(\.rect.midX))")
        #expect(drawn.map { ChartStyle.modelOrder[$0.color] } == [0, 2, 3, 4].map { published[$0].model })
    }

    /// Each trial is a dot at its value, left to right in trial order, and the whisker runs
    /// from the interval's low end to its high end, on the bar's own scale.
    @Test func trialDotsAndWhiskersSitAtTheirValues() throws {
        let rows = [published[0], published[1], published[3], published[4]]
        let chart = RequestsChart(title: "Trials and intervals", yLabel: "requests per trial (20 s window)", bars: requestBars(rows))
        let svg = try drawing(chart, name: "requests-trials")
        let plot = try barPlot(svg)
        let bars = drawnBars(svg, plot: plot, colors: modelColors)
        try #require(bars.count == rows.count)
        let dots = svg.filled(ChartStyle.markColor).map(\.bounds).filter { $0.midY > plot.y }
        let whiskers = svg.stroked(ChartStyle.markColor).filter { $0.bounds.midY > plot.y }

        for (bar, row) in zip(bars, rows) {
            // The y of a value on this bar's scale: the bar's top is its mean.
            let y = { (value: Double) in plot.maxY - bar.rect.height * value / row.requests }
            let own = dots.filter { $0.midX > bar.rect.x && $0.midX < bar.rect.maxX }.sorted { $0.midX < $1.midX }
            #expect(own.count == 3, "\(row.name) has a dot per trial")
            for (dot, share) in zip(own, [0.96, 1.01, 1.03]) {
                #expect(matches(plot.maxY - dot.midY, plot.maxY - y(row.requests * share)), "\(row.name)'s trial at \(share)× the mean is drawn at its value")
            }
            let whisker = try #require(whiskers.first { $0.bounds.midX > bar.rect.x && $0.bounds.midX < bar.rect.maxX }, "\(row.name) has a whisker")
            #expect(matches(plot.maxY - whisker.bounds.maxY, plot.maxY - y(row.requests * 0.93)), "\(row.name)'s whisker starts at the interval's low end")
            #expect(matches(plot.maxY - whisker.bounds.y, plot.maxY - y(row.requests * 1.07)), "\(row.name)'s whisker ends at the interval's high end")
        }
    }

    /// Within each group the sources stand side by side in the order given, and their bars
    /// relate as their values; a missing value leaves only the other source's bar.
    @Test func groupedBarsFollowTheirValuesPerGroup() throws {
        let factors: [Double?] = [1.6, 0.5, 1, nil, 2.2]
        let rows = Array(published.prefix(factors.count))
        let groups = zip(rows, factors).map { row, factor in
            GroupedBarChart.Group(name: row.name, values: [factor.map { row.requests * $0 }, row.requests])
        }
        let chart = GroupedBarChart(title: "This machine vs published", yLabel: "requests per trial (20 s window)", groups: groups, sources: ["this machine", "published 2017"])
        let svg = try drawing(chart, name: "grouped-geometry")
        let plot = try barPlot(svg)
        let bars = drawnBars(svg, plot: plot, colors: ChartStyle.sourceStyles.prefix(2).map(\.color))

        let expected = groups.flatMap { group in group.values.enumerated().compactMap { source, value in value.map { (source, $0) } } }
        #expect(bars.map(\.color) == expected.map(\.0), "per group, this machine's bar then the published one; none where a value is missing")
        try #require(bars.count == expected.count)
        // One scale for every bar in the chart.
        let scale = bars[0].rect.height / expected[0].1
        for (bar, (_, value)) in zip(bars, expected) {
            #expect(matches(bar.rect.height, value * scale), "a bar for \(value) is \(bar.rect.height) pt tall, \(value * scale) expected")
        }
        var index = 0
        for group in groups {
            let count = group.values.compactMap { $0 }.count
            defer { index += count }
            guard count == 2, let first = group.values[0], let second = group.values[1] else { continue }
            let (left, right) = (bars[index].rect, bars[index + 1].rect)
            #expect(matches(left.height / right.height * second, first), "\(group.name): heights relate as \(first) to \(second)")
            #expect(abs(left.maxX - right.x) <= fixedPoint, "\(group.name)'s bars stand side by side")
        }
    }

    /// On the latency axis up is slower: each line climbs where its latency grows, every
    /// ratio of latencies is the same height anywhere in the plot (a log scale), the line
    /// spans p50 to p99.99 (p100 has no place on the nines axis), and the legend lists the
    /// variants in the order given.
    @Test func percentileLinesClimbWithLatency() throws {
        let rows = [published[3], published[0], published[1]]
        let series = percentileSeries(rows)
        let chart = PercentileChart(title: "Latency by percentile", series: series)
        let svg = try drawing(chart, name: "percentiles-geometry")
        let axes = svg.stroked(ChartStyle.axisColor).map(\.bounds)
        let xAxis = try #require(axes.first { $0.height == 0 })
        let yAxis = try #require(axes.first { $0.width == 0 })
        let plot = ChartRect(x: yAxis.x, y: yAxis.y, width: xAxis.width, height: yAxis.height)
        let nines = svg.stroked(ChartStyle.gridColor).map(\.bounds).filter { $0.width == 0 }.map(\.x).sorted()
        try #require(nines.count == Axis.ninesTicks.count, "a vertical grid line per nine")

        let styles = ChartStyle.seriesStyles(forModels: series.map(\.model))
        var points: [(ms: Double, y: Double)] = []
        for (row, style) in zip(rows, styles) {
            let lines = svg.stroked(style.color).filter { $0.strokeWidth == 1.6 && $0.bounds.maxX <= plot.maxX }
            let line = try #require(lines.count == 1 ? lines.first : nil, "one line for \(row.name), found \(lines.count)")
            #expect(abs(line.bounds.x - nines[0]) <= fixedPoint && abs(line.bounds.maxX - nines[4]) <= fixedPoint, "\(row.name)'s line runs from p50 to p99.99")
            let latencies = [row.p50, (row.p50 + row.p99) / 2, row.p99, row.p999, row.max]
            let ys = try nines.map { x in try #require(try line.y(atX: x)) }
            for index in 1..<ys.count where latencies[index] != latencies[index - 1] {
                #expect((ys[index] < ys[index - 1]) == (latencies[index] > latencies[index - 1]), "\(row.name) rises where its latency grows, from \(Axis.ninesTicks[index - 1]) to \(Axis.ninesTicks[index])")
            }
            points += zip(latencies, ys).map { ($0, $1) }
        }
        let low = try #require(points.min { $0.ms < $1.ms })
        let high = try #require(points.max { $0.ms < $1.ms })
        let perDecade = (low.y - high.y) / log10(high.ms / low.ms)
        #expect(perDecade > 0, "higher latencies are drawn higher")
        for point in points {
            #expect(abs(point.y - (low.y - perDecade * log10(point.ms / low.ms))) <= 2 * fixedPoint, "\(point.ms) ms on the log scale")
        }

        let swatches = styles.map { style in
            svg.stroked(style.color).filter { $0.strokeWidth == 1.6 && $0.bounds.x > plot.maxX }.map(\.bounds.y)
        }
        #expect(swatches.allSatisfy { $0.count == 1 }, "one legend entry per variant")
        let legendYs = swatches.compactMap(\.first)
        #expect(legendYs == legendYs.sorted() && Set(legendYs).count == legendYs.count, "the legend lists the variants top to bottom as given: \(legendYs)")
    }

    @Test func modelColoursDifferInGrey() {
        let lumas = ChartStyle.modelOrder.map { ChartStyle.style(forModel: $0).color.luma }
        for (index, luma) in lumas.enumerated() {
            for other in lumas[(index + 1)...] { #expect(abs(luma - other) >= 0.15) }
        }
        let patterns = ChartStyle.modelOrder.map { ChartStyle.style(forModel: $0).pattern }
        #expect(Set(patterns.map { "\($0)" }).count == patterns.count, "each model has its own fill pattern too")
        let sources = ChartStyle.sourceStyles.prefix(3).map(\.color.luma)
        for (index, luma) in sources.enumerated() {
            for other in sources[(index + 1)...] { #expect(abs(luma - other) >= 0.15) }
        }
    }

    @Test func linesOfOneModelLookDifferent() {
        let styles = ChartStyle.seriesStyles(forModels: published.map(\.model))
        let keys = styles.map { "\($0.color)|\($0.marker)|\($0.filled)|\($0.dash)" }
        #expect(Set(keys).count == styles.count)
    }

    /// Seed names at the default width: labels either fit their slots side by side or are
    /// rotated far enough apart that neighbouring lines cannot touch.
    @Test func categoryLabelsNeverOverlap() throws {
        let context = try CairoContext(CairoSurface.image(width: 10, height: 10))
        for (names, slot) in [(published.map(\.name), 56.0), (published.map(\.name), 30.0), (published.map(\.name) + published.map(\.name), 9.0)] {
            let labels = CategoryLabels(names, slotWidth: slot, maxHeight: 120, context: context)
            switch labels.mode {
            case .horizontal, .wrapped:
                for line in labels.lines.flatMap({ $0 }) { #expect(context.labelSize(line, font: CategoryLabels.font).width <= slot) }
            case .rotated45:
                #expect(slot * sqrt(0.5) >= labels.lineHeight)
            case .rotated90:
                #expect(slot * Double(labels.stride) >= labels.lineHeight)
            }
            #expect(labels.height <= 120 + labels.lineHeight)
        }
    }

    @Test func emptyChartsStillRender() throws {
        let allFailed = published.prefix(3).map { RequestsChart.Bar(name: $0.name, model: $0.model, mean: nil, failed: true) }
        let charts: [(String, any Chart)] = [
            ("empty-requests", RequestsChart(title: "No variants", yLabel: "requests per trial (20 s window)", bars: [])),
            ("failed-requests", RequestsChart(title: "Every variant failed", yLabel: "requests per trial (20 s window)", bars: allFailed)),
            ("empty-percentiles", PercentileChart(title: "No latencies", series: [])),
            ("empty-grouped", GroupedBarChart(title: "Nothing to compare", yLabel: "requests", groups: [], sources: [])),
        ]
        for (name, chart) in charts {
            let files = try ChartWriter.write(chart, folder: outputFolder, name: name, created: .fixtureDocumentDate)
            let image = try CairoSurface.png(files.png)
            #expect(image.width == chart.width * 2)
        }
    }

    @Test func niceLinearTicks() {
        let axis = Axis.linear(through: 30702)
        #expect(axis.ticks.map(\.label) == ["0", "5,000", "10,000", "15,000", "20,000", "25,000", "30,000", "35,000"])
        #expect(Axis.linear(through: 0.9).ticks.map(\.label) == ["0", "0.2", "0.4", "0.6", "0.8", "1"])
        #expect(Axis.formatted(1234567.891, fractionDigits: 2) == "1,234,567.89")
    }

    @Test func ninesAndLatencyAxes() throws {
        let nines = Axis.nines()
        #expect(nines.ticks.map(\.label) == ["p50", "p90", "p99", "p99.9", "p99.99"])
        let positions = try nines.ticks.map { try #require(nines.fraction($0.value)) }
        // Each nine takes the same width.
        #expect(abs((positions[2] - positions[1]) - (positions[3] - positions[2])) < 1e-9)
        #expect(nines.fraction(100) == nil)
        let latency = Axis.latency(minimum: 85, maximum: 9987)
        #expect(latency.ticks.map(\.label) == ["10", "100", "1,000", "10,000"])
        #expect(latency.fraction(0) == nil)
        #expect(Axis.latency(minimum: 200, maximum: 900).ticks.map(\.label) == ["100", "200", "500", "1,000"])
    }
}
