import Foundation
import Testing

@testable import Report
import Core
import Definition

/// A swept run's report: cells arranged by variant and level, Little's-law ceilings, the
/// variant × level tables, the curves as drawn, and claims and values that address cells.
struct SweepReportTests {
    /// One cell at `delay` seconds with its requests/s; three ok trials unless failed.
    static func cell(
        _ variant: String, position: Int, workerClass: String, threads: Int? = nil, delay: Double, rps: Double?,
        p99: Double? = nil, cpuMs: Double? = nil, appCores: Double? = nil
    ) -> VariantStatistics {
        let level = SweepLevel(setting: .delay, value: delay)
        var stats = VariantStatistics(
            cell: CellID(variant: variant, levels: [level]), position: position, workerClass: workerClass, threads: threads)
        stats.workers = 2
        if let rps {
            stats.trialsOK = 3
            stats.throughput.requestsPerSecondMean = rps
            stats.throughput.requestsPerSecondCI95 = (rps * 0.95)...(rps * 1.05)
            stats.precision.reached = 0.05
            stats.latency.p99Ms = p99
            stats.resources.appCPUPerRequestMs = cpuMs
            // Over a 20 s window.
            stats.resources.appCPU = appCores.map { CPUUse(seconds: $0 * 20, percentOfCore: $0 * 100) }
        } else {
            stats.trialsFailed = 3
        }
        return stats
    }

    /// flask:10 (20 slots) and aiohttp (400 connections) at 0, 50 and 200 ms, written in a
    /// shuffled order: the view sorts levels and keeps variants in definition order.
    static let statistics: [VariantStatistics] = [
        cell("flask:10", position: 3, workerClass: "gthread", threads: 10, delay: 0.2, rps: 88, p99: 4_300, appCores: 0.2),
        cell("flask:10", position: 2, workerClass: "gthread", threads: 10, delay: 0.05, rps: 280, p99: 1_500, appCores: 1.5),
        cell("flask:10", position: 1, workerClass: "gthread", threads: 10, delay: 0, rps: 1_000, p99: 700, cpuMs: 1, appCores: 1.8),
        cell("aiohttp", position: 0, workerClass: "aiohttp.GunicornUVLoopWebWorker", delay: 0, rps: 5_000, p99: 120, cpuMs: 0.2, appCores: 1),
        cell("aiohttp", position: 4, workerClass: "aiohttp.GunicornUVLoopWebWorker", delay: 0.05, rps: 2_000, p99: 260, appCores: 0.5),
        cell("aiohttp", position: 5, workerClass: "aiohttp.GunicornUVLoopWebWorker", delay: 0.2, rps: nil),
    ]

    @Test("the view sorts levels, keeps variants in definition order and finds each cell")
    func arrangement() throws {
        let view = try #require(SweepView(Self.statistics, connections: 400))
        #expect(view.axis == .delay)
        #expect(view.levels.map(\.label) == ["0ms", "50ms", "200ms"])
        #expect(view.variants == ["aiohttp", "flask:10"])
        #expect(view.row("flask:10").map { $0?.throughput.requestsPerSecondMean } == [1_000, 280, 88])
        #expect(view.row("aiohttp").map { $0?.isFailed } == [false, false, true])
        #expect(SweepView([VariantStatistics(cell: CellID(variant: "plain"), position: 0)], connections: 400) == nil)
    }

    @Test("Little's law: slots over delay plus the app's CPU per request at the lowest delay; what holds each cell")
    func ceilings() throws {
        let view = try #require(SweepView(Self.statistics, connections: 400))
        // 2 workers × 10 threads, each request holding a slot for its 1 ms of CPU besides the wait.
        let pool = try #require(view.service("flask:10"))
        #expect(pool.slots == 20 && pool.bySlots)
        #expect(abs(pool.seconds - 0.001) < 1e-12)
        let poolCeiling = view.ceiling("flask:10").map(\.requestsPerSecond)
        #expect(zip(poolCeiling, [20 / 0.001, 20 / 0.051, 20 / 0.201]).allSatisfy { abs($0 - $1) < 1e-6 }, "\(poolCeiling)")
        // An event loop takes the load's 400 connections.
        let loop = try #require(view.service("aiohttp"))
        #expect(loop.slots == 400 && !loop.bySlots)
        #expect(abs(loop.seconds - 0.0002) < 1e-12)

        let prose = SweepSection.ceilings(view, cores: 2)
        #expect(prose.contains("- **flask:10** (20 slots, service time 1.00 ms): held by its slots at 200ms (88 of 100); held by the CPU at 0ms (1,000 of 20,000, app 1.80 cores), 50ms (280 of 392, app 1.50 cores)."), "\(prose)")
        #expect(prose.contains("- **aiohttp** (400 connections, service time 0.20 ms): held by neither at 0ms (5,000 of 2,000,000, app 1.00 cores), 50ms (2,000 of 7,968, app 0.50 cores)."), "\(prose)")
        #expect(prose.hasSuffix("Cells with no ok trial, so no point on the curves: aiohttp @ delay=200ms (see Failed trials)."), "\(prose)")
        // Command servers have no worker class, so no slot count and no ceiling: said, not left blank.
        let commands = Self.statistics.map { cell -> VariantStatistics in
            var cell = cell
            cell.model = nil
            return cell
        }
        let none = SweepSection.ceilings(try #require(SweepView(commands, connections: 400)), cores: 2)
        #expect(none.hasPrefix("*No variant of this run has a known number of request slots"), "\(none)")
    }

    @Test("requests/s and p99 as variant × level tables, a failed cell written as failed")
    func tables() throws {
        let view = try #require(SweepView(Self.statistics, connections: 400))
        let text = SweepSection.tables(view, format: .markdown)
        let rows = text.split(separator: "\n").map { line in
            line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        #expect(rows.filter { $0 == ["variant", "delay=0ms", "delay=50ms", "delay=200ms"] }.count == 2, "\(text)")
        #expect(rows.contains(["aiohttp", "5,000 ±5%", "2,000 ±5%", "failed"]), "\(text)")
        #expect(rows.contains(["flask:10", "1,000 ±5%", "280 ±5%", "88 ±5%"]), "\(text)")
        #expect(rows.contains(["flask:10", "700.00", "1,500.00", "4,300.00"]), "\(text)")
        #expect(text.hasPrefix("**Requests/s** (mean of trials, ± half the 95% interval):"))
    }

    @Test("the curve goes through each level's value left to right, with its ceiling dashed in the same colour, on a log x axis with a slot for zero")
    func curveAsDrawn() throws {
        let axis = LevelAxis([0, 0.01, 0.05, 0.2])
        #expect(axis.isLog)
        #expect(axis.fraction(0) == 0)
        #expect(axis.fraction(0.01) == LevelAxis.zeroSlot)
        #expect(abs(axis.fraction(0.2) - 1) < 1e-12)
        #expect(!LevelAxis([50, 100, 400]).isLog)
        #expect(LevelAxis([50, 100, 400]).fraction(100) == 0.25)

        let view = try #require(SweepView(Self.statistics, connections: 400))
        let chart = try #require(SweepSection.charts(view, statistics: Self.statistics).first?.chart as? CurveChart)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-sweep-chart-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let drawing = try SVGDrawing(contentsOf: ChartWriter.write(chart, folder: folder, name: "curve", created: .fixtureDocumentDate).svg)
        let threads = ChartStyle.style(forModel: "threads").color
        let strokes = drawing.stroked(threads)
        let line = try #require(strokes.first { $0.strokeWidth == 1.6 && $0.subpaths.first?.vertices.count == 3 })
        let points = line.subpaths[0].vertices
        #expect(points.map(\.x) == points.map(\.x).sorted(), "left to right: \(points)")
        #expect(points[0].y < points[1].y && points[1].y < points[2].y, "1,000 > 280 > 88 requests/s: \(points)")
        // Heights in proportion to the values: 280 / 1,000 of the first point's height above the axis.
        let axisY = try #require(drawing.stroked(ChartStyle.axisColor).first { $0.subpaths.first?.vertices.count == 2 && $0.bounds.height == 0 }?.bounds.y)
        let ratio = (axisY - points[1].y) / (axisY - points[0].y)
        #expect(abs(ratio - 0.28) < 0.01, "\(ratio)")
        let ceiling = try #require(strokes.first { $0.dash == [4, 3] && $0.strokeWidth == 1 })
        // 20,000 requests/s at no delay is far above the plot: that end is held at its top.
        #expect(ceiling.subpaths[0].vertices.count == 3)
        #expect(ceiling.subpaths[0].vertices[0].y < points[0].y)
        // The failed aiohttp cell is marked, not dropped: a cross on the axis at 200 ms.
        let async = ChartStyle.style(forModel: "async").color
        #expect(drawing.stroked(async).contains { abs($0.bounds.midY - axisY) < 5 && abs($0.bounds.midX - points[2].x) < 5 })
    }

    @Test("claims ending in '@ condition' are checked once per matching level among that level's cells")
    func cellClaims() throws {
        let known = Self.statistics.sorted { $0.position < $1.position }.map(\.cell)
        let claims = try Claim.parse(
            ["more rps: aiohttp > flask:[0-9]* @ delay>=10ms", "most rps: flask:10 @ delay=200ms"],
            known: known, file: "report.md", firstLine: 10)
        let at = { (variant: String, delay: Double) in CellID(variant: variant, levels: [SweepLevel(setting: .delay, value: delay)]) }
        #expect(claims.map(\.form) == [
            .more(at("aiohttp", 0.05), than: [at("flask:10", 0.05)]),
            .more(at("aiohttp", 0.2), than: [at("flask:10", 0.2)]),
            .most(at("flask:10", 0.2)),
        ])
        #expect(claims[0].sentence == "aiohttp @ delay=50ms serves more requests per second than flask:10 @ delay=50ms")
        let source = ClaimSource.run(Self.statistics, name: "this run", maxErrorRate: 0.01)
        #expect(ClaimCheck.evaluate(claims[0], in: source).verdict == .holds)
        // aiohttp failed at 200 ms: the claim cannot be checked, and flask:10 is the only cell there.
        #expect(ClaimCheck.evaluate(claims[1], in: source).verdict == .cannotCheck)
        #expect(ClaimCheck.evaluate(claims[2], in: source).verdict != .doesNotHold)

        let none = #expect(throws: ReportgenError.self) {
            try Claim.parse(["most rps: aiohttp @ delay=7ms"], known: known, file: "report.md", firstLine: 1)
        }
        #expect(none?.message == "no cell of this run is at delay=7ms")
        let bad = #expect(throws: ReportgenError.self) {
            try Claim.parse(["most rps: aiohttp @ speed>3"], known: known, file: "report.md", firstLine: 1)
        }
        #expect(bad?.message == "'speed' is not a swept setting")
    }

    @Test("inline values name cells with their levels")
    func inlineCells() {
        #expect(CellID.joiningWords(["rps", "aiohttp", "@", "delay=50ms"]) == ["rps", "aiohttp @ delay=50ms"])
        #expect(CellID.joiningWords(["ratio", "rps", "a", "@", "delay=50ms,", "connections=10", "b", "@", "delay=0ms"])
            == ["ratio", "rps", "a @ delay=50ms, connections=10", "b @ delay=0ms"])
        #expect(CellID.split("requests @ delay=50ms")! == ("requests", "delay=50ms"))
    }
}
