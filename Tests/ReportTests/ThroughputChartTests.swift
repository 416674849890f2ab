import Foundation
import Testing

@testable import Report

private let outputFolder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-throughput-chart-tests", isDirectory: true)

/// The seed post's eleven variants and roughly the requests per 100 ms bin each served.
private let seedVariants: [(name: String, model: String, perBin: Double)] = [
    ("aiohttp", "async", 154), ("flask:gevent", "greenlet", 37), ("flask:meinheld", "greenlet", 1),
    ("flask:10", "threads", 9), ("flask:20", "threads", 17), ("flask:50", "threads", 23),
    ("flask:100", "threads", 23), ("flask:200", "threads", 22), ("flask:400", "threads", 22),
    ("flask:800", "threads", 22), ("flask:1000", "threads", 21),
]

/// 200 bins (20 s of 100 ms) wobbling ±10% around `perBin`, differently in every trial,
/// so the same input always draws the same picture.
private func wobblingBins(_ perBin: Double, trial: Int, count: Int = 200) -> [Int64] {
    (0..<count).map { bin in Int64((perBin * (1 + 0.1 * sin(Double(bin) / 5 + Double(trial) * 2))).rounded()) }
}

private func seedPanels(trials: Int = 3) -> [ThroughputChart.Panel] {
    seedVariants.map { variant in
        ThroughputChart.Panel(name: variant.name, model: variant.model, trials: (0..<trials).map { wobblingBins(variant.perBin, trial: $0) })
    }
}

/// The opaque ARGB pixel Cairo writes for `color`.
private func pixel(_ color: Color) -> UInt32 {
    let channel = { (value: Double) in UInt32((value * 255).rounded()) }
    return 0xFF00_0000 | channel(color.red) << 16 | channel(color.green) << 8 | channel(color.blue)
}

/// A decoded PNG with its pixels, addressed in chart points (the PNG is `pngScale`× larger).
private struct Rendered {
    let width: Int
    let height: Int
    let pixels: [UInt32]

    /// How many pixels of exactly `color` lie inside `rect` (in points).
    func count(_ color: Color, in rect: ChartRect? = nil) -> Int {
        let scale = ChartWriter.pngScale
        let area = rect ?? ChartRect(x: 0, y: 0, width: Double(width) / scale, height: Double(height) / scale)
        let target = pixel(color)
        let xs = max(0, Int(area.x * scale))..<min(width, Int((area.maxX * scale).rounded(.up)))
        let ys = max(0, Int(area.y * scale))..<min(height, Int((area.maxY * scale).rounded(.up)))
        guard !xs.isEmpty, !ys.isEmpty else { return 0 }
        return ys.reduce(0) { total, y in total + xs.filter { pixels[y * width + $0] == target }.count }
    }
}

/// Writes the chart's three files, checks that each has content and that the PNG is
/// `pngScale`× the chart's size, and returns the decoded PNG.
private func render(_ chart: ThroughputChart, name: String) throws -> Rendered {
    let files = try ChartWriter.write(chart, folder: outputFolder, name: name, created: .fixtureDocumentDate)
    for url in [files.png, files.svg, files.pdf] {
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? 0
        #expect(size > 1000, "\(url.lastPathComponent) has a chart in it")
    }
    #expect(String(decoding: try Data(contentsOf: files.svg), as: UTF8.self).contains("<title>\(MarkupText.escaped(chart.title))</title>"))
    let image = try CairoSurface.png(files.png)
    #expect(image.width == chart.width * ChartWriter.pngScale)
    #expect(image.height == chart.height * ChartWriter.pngScale)
    return Rendered(width: Int(image.width), height: Int(image.height), pixels: image.pixels())
}

/// The layout as the PNG draws it: measured on a context scaled like `ChartWriter`'s.
private func pngLayout(_ chart: ThroughputChart) throws -> ThroughputChart.Layout {
    let context = try CairoContext(CairoSurface.image(width: 1, height: 1))
    context.scale(ChartWriter.pngScale, ChartWriter.pngScale)
    return chart.layout(context)
}

private func widened(_ rect: ChartRect, by amount: Double) -> ChartRect {
    ChartRect(x: rect.x - amount, y: rect.y - amount, width: rect.width + 2 * amount, height: rect.height + 2 * amount)
}

/// Cairo writes coordinates in 24.8 fixed point, so a drawn position is off by up to 1/256 pt.
private let fixedPoint = 1.0 / 256

/// Each panel's plot as the SVG draws it, in reading order: the x axis line along its
/// bottom and the y axis line up its left side.
private func drawnPlots(_ svg: SVGDrawing) -> [ChartRect] {
    let axes = svg.stroked(ChartStyle.axisColor).map(\.bounds)
    let bottoms = axes.filter { $0.height == 0 }
    let sides = axes.filter { $0.width == 0 }
    return bottoms.compactMap { bottom in
        sides.first { $0.x == bottom.x && $0.maxY == bottom.y }.map { side in
            ChartRect(x: bottom.x, y: side.y, width: bottom.width, height: side.height)
        }
    }.sorted { ($0.y, $0.x) < ($1.y, $1.x) }
}

/// The x at the middle of `bin`, where the chart puts that bin's point.
private func binCentre(_ bin: Int, bins: Int, in plot: ChartRect) -> Double {
    plot.x + (Double(bin) + 0.5) / Double(bins) * plot.width
}

struct ThroughputChartTests {
    /// Eleven variants in three columns: every model's colour is drawn, and only inside
    /// the panels of that model.
    @Test func seedVariantsAsSmallMultiples() throws {
        let chart = ThroughputChart(title: "Throughput over the measured window", panels: seedPanels(), windowSeconds: 20)
        #expect(chart.width == 640)
        let image = try render(chart, name: "throughput")
        let layout = try pngLayout(chart)
        #expect(layout.columns == 3)
        #expect(layout.plots.count == 11)

        for model in ["async", "greenlet", "threads"] {
            let color = ChartStyle.style(forModel: model).color
            let own = seedVariants.indices.filter { seedVariants[$0].model == model }
            let inside = own.map { image.count(color, in: widened(layout.plots[$0], by: 2)) }
            #expect(inside.allSatisfy { $0 > 20 }, "every \(model) panel draws its lines in the \(model) colour: \(inside)")
            #expect(inside.reduce(0, +) == image.count(color), "no \(model)-coloured pixels outside its own panels")
        }
        #expect(image.count(ChartStyle.style(forModel: "process").color) == 0, "no process variant, no process colour")
    }

    @Test func panelsShareOneNiceYScale() throws {
        var panels = seedPanels(trials: 1)
        panels[0] = ThroughputChart.Panel(
            name: panels[0].name, model: panels[0].model,
            trials: [[Int64](repeating: 100, count: 200) + [137], [Int64](repeating: 90, count: 200)])
        // Bins after the 20 s window are not drawn, so they must not stretch the axis either.
        panels[1].values[0] += [50] + [Double?](repeating: 10_000, count: 50)
        let chart = ThroughputChart(title: "Shared scale", panels: panels, binSeconds: 0.1, windowSeconds: 20.05)
        let layout = try pngLayout(chart)
        // The highest bin inside the window is 137 requests in 100 ms: 1,370 requests/s.
        #expect(layout.yAxis.ticks.first?.value == 0)
        #expect(layout.yAxis.ticks.last?.value == 1500)
        #expect(layout.yAxis.fraction(1370).map { $0 > 0.9 && $0 < 1 } == true)
        #expect(layout.rates[0][0].last == 1370)
        #expect(layout.rates[1][0].count == 201, "bins starting inside the window are kept, later ones dropped")
        #expect(layout.rates[1][0].last == 500)
        #expect(Set(layout.plots.map { ($0.height * 100).rounded() }).count == 1, "every panel has the same height")
        #expect(chart.yLabel == "requests/s (per 100 ms bin)")
        _ = try render(chart, name: "throughput-shared-scale")
    }

    /// The height follows the rows, so each panel keeps about the same size however many
    /// variants there are; a given height is kept.
    @Test func heightGrowsWithRows() throws {
        let counts = [1, 2, 3, 4, 6, 11, 17, 30]
        let charts = counts.map { count in
            ThroughputChart(title: "\(count) variants", panels: (0..<count).map { index in
                ThroughputChart.Panel(name: "variant \(index)", model: "threads", trials: [wobblingBins(20, trial: 0)])
            }, windowSeconds: 20)
        }
        let heights = charts.map(\.height)
        #expect(zip(heights, heights.dropFirst()).allSatisfy { $0 <= $1 }, "\(heights)")
        #expect(heights[5] > heights[2] && heights[7] > heights[5])
        let plotHeights = try charts.map { try pngLayout($0).plots[0].height }
        #expect(plotHeights.allSatisfy { abs($0 - plotHeights[0]) < 0.15 * plotHeights[0] }, "panels stay the same size: \(plotHeights)")
        #expect(ThroughputChart.columns(for: 1, width: 640) == 1)
        #expect(ThroughputChart.columns(for: 4, width: 640) == 2)
        #expect(ThroughputChart.columns(for: 11, width: 640) == 3)
        #expect(ThroughputChart.columns(for: 11, width: 300) == 1, "a narrow chart stacks its panels")
        #expect(ThroughputChart(title: "Fixed", panels: seedPanels(), windowSeconds: 20, height: 300).height == 300)
        _ = try render(charts[7], name: "throughput-thirty")
    }

    /// Failed and wrk-run variants have no bins: their panel says so, and drawing goes on.
    @Test func panelsWithoutDataShowANote() throws {
        let panels = [
            ThroughputChart.Panel(name: "aiohttp", model: "async", trials: [wobblingBins(150, trial: 0)]),
            ThroughputChart.Panel(name: "failed", model: "threads", trials: []),
            ThroughputChart.Panel(name: "wrk run", model: "greenlet", trials: [[], []]),
        ]
        let chart = ThroughputChart(title: "Two variants without per-request data", panels: panels, windowSeconds: 20)
        let image = try render(chart, name: "throughput-empty-panels")
        let layout = try pngLayout(chart)
        for index in 1...2 {
            #expect(image.count(ChartStyle.mutedTextColor, in: layout.plots[index]) > 0, "\(panels[index].name) shows its note")
        }
        #expect(image.count(ChartStyle.mutedTextColor, in: layout.plots[0]) == 0, "the panel with data has no note")
        #expect(image.count(ChartStyle.style(forModel: "threads").color) == 0)
        #expect(image.count(ChartStyle.style(forModel: "greenlet").color) == 0)

        let nothing = ThroughputChart(title: "Only failed variants", panels: Array(panels.dropFirst()), windowSeconds: 20)
        #expect(try pngLayout(nothing).hasData == false)
        _ = try render(nothing, name: "throughput-no-data")
        _ = try render(ThroughputChart(title: "No variants", panels: [], windowSeconds: 20), name: "throughput-no-panels")
    }

    /// The drawn line itself: at the axis' top while 1,000 requests/s are served, on the
    /// x axis for every bin of the stall, and back up after it.
    @Test func stallLineRunsAlongTheAxis() throws {
        let stalled = [Int64](repeating: 100, count: 60) + [Int64](repeating: 0, count: 60) + [Int64](repeating: 100, count: 80)
        let chart = ThroughputChart(
            title: "A stall from 6 s to 12 s", panels: [ThroughputChart.Panel(name: "flask:10", model: "threads", trials: [stalled])],
            windowSeconds: 20)
        let svg = try SVGDrawing(contentsOf: ChartWriter.write(chart, folder: outputFolder, name: "throughput-stall-geometry", created: .fixtureDocumentDate).svg)
        let plot = try #require(drawnPlots(svg).first, "the panel has its axes")
        let lines = svg.stroked(ChartStyle.style(forModel: "threads").color)
        let line = try #require(lines.count == 1 ? lines.first : nil, "one line for one trial, found \(lines.count)")
        let top = try #require(svg.stroked(ChartStyle.gridColor).map(\.bounds.y).min())
        #expect(abs(top - plot.y) <= fixedPoint, "1,000 requests/s is the axis' top grid line")

        let misplaced = try stalled.indices.filter { bin in
            let y = try #require(try line.y(atX: binCentre(bin, bins: stalled.count, in: plot)), "the line reaches bin \(bin)")
            return abs(y - (stalled[bin] == 0 ? plot.maxY : plot.y)) > fixedPoint
        }
        #expect(misplaced.isEmpty, "bins not drawn at the top (1,000 requests/s) or on the axis (none): \(misplaced)")
    }

    /// Panels are laid out in the order given, each drawing its own variant's trials in its
    /// model's colour on one shared scale, the first trial solid and on top of the others.
    @Test func panelsAndTrialsAreDrawnInOrder() throws {
        let variants: [(name: String, model: String, perBin: Double)] = [("aiohttp", "async", 150), ("flask:gevent", "greenlet", 40), ("flask:20", "threads", 90)]
        let panels = variants.map { variant in
            ThroughputChart.Panel(name: variant.name, model: variant.model, trials: [
                wobblingBins(variant.perBin, trial: 0), wobblingBins(variant.perBin * 0.8, trial: 1),
            ])
        }
        let chart = ThroughputChart(title: "Three variants, two trials each", panels: panels, windowSeconds: 20)
        let svg = try SVGDrawing(contentsOf: ChartWriter.write(chart, folder: outputFolder, name: "throughput-order", created: .fixtureDocumentDate).svg)
        let plots = drawnPlots(svg)
        try #require(plots.count == panels.count, "a pair of axes per panel")
        #expect(plots.map(\.x) == plots.map(\.x).sorted() && Set(plots.map(\.y)).count == 1, "three panels in one row")

        // Requests/s per point of height, the same in every panel.
        var scale: Double?
        for (panel, plot) in zip(panels, plots) {
            let lines = svg.stroked(ChartStyle.style(forModel: panel.model).color)
            #expect(lines.count == 2, "\(panel.name) has a line per trial")
            #expect(lines.allSatisfy { $0.bounds.x >= plot.x && $0.bounds.maxX <= plot.maxX }, "\(panel.name)'s lines are in its own panel")
            // Later in the file is drawn on top.
            let (under, top) = (try #require(lines.first), try #require(lines.last))
            #expect(top.stroke?.opacity == 1 && top.dash.isEmpty, "the top line is solid and opaque: \(String(describing: top.stroke)), \(top.dash)")
            #expect(under.stroke.map { $0.opacity < 1 } == true && !under.dash.isEmpty, "the line under it is dashed and translucent")

            for (trial, line) in [(0, top), (1, under)] {
                let counts = panel.values[trial].map { $0 ?? 0 }
                let misdrawn = try stride(from: 0, to: counts.count, by: 7).filter { bin in
                    let y = try #require(try line.y(atX: binCentre(bin, bins: counts.count, in: plot)))
                    let rate = Double(counts[bin]) / chart.binSeconds
                    let perPoint = scale ?? rate / (plot.maxY - y)
                    scale = perPoint
                    return abs((plot.maxY - y) - rate / perPoint) > 2 * fixedPoint + 0.01 * rate / perPoint
                }
                #expect(misdrawn.isEmpty, "\(panel.name) trial \(trial + 1): bins not drawn as high as their rate on the shared scale: \(misdrawn)")
            }
        }
    }

    /// A stall (no requests completed for a while) drops the line to the x axis and back.
    @Test func stallDropsToTheAxis() throws {
        let stalled = [Int64](repeating: 100, count: 60) + [Int64](repeating: 0, count: 60) + [Int64](repeating: 100, count: 80)
        let chart = ThroughputChart(
            title: "A stall from 6 s to 12 s", panels: [ThroughputChart.Panel(name: "flask:10", model: "threads", trials: [stalled])],
            windowSeconds: 20)
        let image = try render(chart, name: "throughput-stall")
        let plot = try pngLayout(chart).plots[0]
        // 1,000 requests/s is the axis' top, so the line runs along the top of the plot,
        // then along the bottom during the stall.
        let color = ChartStyle.style(forModel: "threads").color
        let x = { (seconds: Double) in plot.x + seconds / 20 * plot.width }
        let before = ChartRect(x: x(1), y: plot.y, width: x(5) - x(1), height: plot.height)
        let during = ChartRect(x: x(7), y: plot.y, width: x(11) - x(7), height: plot.height)
        let topBand = { (rect: ChartRect) in ChartRect(x: rect.x, y: rect.y - 2, width: rect.width, height: 4) }
        let bottomBand = { (rect: ChartRect) in ChartRect(x: rect.x, y: rect.maxY - 2, width: rect.width, height: 4) }
        #expect(image.count(color, in: topBand(before)) > 100)
        #expect(image.count(color, in: bottomBand(before)) == 0)
        #expect(image.count(color, in: bottomBand(during)) > 100)
        #expect(image.count(color, in: topBand(during)) == 0)
    }
}
