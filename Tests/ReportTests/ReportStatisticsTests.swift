import Foundation
import TestFixtures
import Testing

@testable import Report
@testable import Core
@testable import Definition
@testable import Records
@testable import Store

@Suite("Report statistics")
struct ReportStatisticsTests {
    // MARK: Latency distribution

    @Test("percentiles and mean of a small distribution match the hand computation")
    func smallDistribution() {
        // Sorted: 100×2, 200×5, 300×1, 500×1, 1000×1 (the 150 bucket is empty). N = 10,
        // cumulative counts 2, 7, 8, 9, 10.
        // p50: rank ⌈0.50·10⌉ = 5 → 200.   p90: rank 9 → 500.   p99: rank ⌈9.9⌉ = 10 → 1000.
        // p20: rank 2 → 100.   p21: rank ⌈2.1⌉ = 3 → 200.   p0 → min 100.   p100 → 1000.
        // mean = (100·2 + 200·5 + 300 + 500 + 1000) / 10 = 3000 / 10 = 300.
        let distribution = LatencyDistribution(buckets((300, 1), (100, 2), (200, 5), (1000, 1), (150, 0), (500, 1)))
        #expect(distribution.count == 10)
        #expect(distribution.min == 100)
        #expect(distribution.max == 1000)
        #expect(distribution.mean == 300)
        #expect(distribution.latenciesUs == [100, 200, 300, 500, 1000])
        #expect(distribution.percentile(50) == 200)
        #expect(distribution.percentile(90) == 500)
        #expect(distribution.percentile(99) == 1000)
        #expect(distribution.percentile(20) == 100)
        #expect(distribution.percentile(21) == 200)
        #expect(distribution.percentile(0) == 100)
        #expect(distribution.percentile(100) == 1000)
        #expect(distribution.percentiles([50, 90, 99]) == [50: 200, 90: 500, 99: 1000])
    }

    @Test("ranks are exact for fractional percentiles and invalid percentiles give nil")
    func exactRanks() {
        // 1…1000 once each: p99.9 is rank 999 exactly (a float product would give 999.0000001 → 1000).
        let distribution = LatencyDistribution((1...1000).map { LatencyBucket(latencyUs: Int64($0), count: 1) })
        #expect(distribution.percentile(99.9) == 999)
        #expect(distribution.percentile(99.99) == 1000)
        #expect(distribution.percentile(50) == 500)
        #expect(distribution.percentile(-1) == nil)
        #expect(distribution.percentile(100.5) == nil)
        #expect(distribution.percentile(.nan) == nil)
    }

    @Test("an empty distribution has no percentiles, no mean and does not crash")
    func emptyDistribution() {
        let distribution = LatencyDistribution([])
        #expect(distribution.count == 0)
        #expect(distribution.min == nil)
        #expect(distribution.max == nil)
        #expect(distribution.mean == nil)
        #expect(distribution.percentile(50) == nil)
        #expect(distribution.percentiles([0, 50, 100]).isEmpty)
        #expect(LatencyDistribution(merging: [[], []]).isEmpty)
    }

    @Test("a single sample is every percentile and the mean")
    func singleSample() {
        let distribution = LatencyDistribution(buckets((4242, 1)))
        for p in [0, 1, 50, 99, 99.9, 99.99, 100] {
            #expect(distribution.percentile(p) == 4242)
        }
        #expect(distribution.mean == 4242)
    }

    @Test("two trials merge into one distribution, equal latencies adding up")
    func mergeTrials() {
        // Merged: 100×1, 200×1, 300×3; N = 5. p20 → rank 1 → 100; p40 → rank 2 → 200;
        // p50 → rank ⌈2.5⌉ = 3 → 300. mean = (100 + 200 + 900) / 5 = 240.
        let merged = LatencyDistribution(merging: [buckets((100, 1), (300, 1)), buckets((200, 1), (300, 2))])
        #expect(merged.buckets == buckets((100, 1), (200, 1), (300, 3)))
        #expect(merged.count == 5)
        #expect(merged.percentile(20) == 100)
        #expect(merged.percentile(40) == 200)
        #expect(merged.percentile(50) == 300)
        #expect(merged.mean == 240)
        #expect(merged == LatencyDistribution(buckets((300, 2), (200, 1), (300, 1), (100, 1))))
    }

    // MARK: Variant statistics

    @Test("a failed trial is listed and left out of every number")
    func failedTrialExcluded() {
        let variant = storedVariant(id: 1, name: "flask:10", position: 0, workerClass: "gthread", threads: 10)
        let run = runData(
            variants: [variant],
            trials: [
                trial(variant: 1, index: 1, requests: 100, latency: buckets((1000, 2)), errors: ErrorCounts(read: 1)),
                trial(
                    variant: 1, index: 2, status: .failed, durationUs: 0, requests: 999,
                    latency: buckets((1, 5)), errors: ErrorCounts(connect: 50), failure: "the app server exited with status 3"),
                trial(variant: 1, index: 3, requests: 300, latency: buckets((3000, 2))),
            ])
        let stats = RunStatistics.compute(run)[0]
        #expect(stats.trialsOK == 2)
        #expect(stats.trialsFailed == 1)
        #expect(stats.failures == ["trial 2: the app server exited with status 3"])
        #expect(stats.throughput.requestsPerTrial == [100, 300])
        #expect(stats.throughput.requestsMean == 200)
        #expect(stats.latency.minMs == 1.0)
        #expect(stats.latency.distribution.count == 4)
        #expect(stats.throughput.meanDurationS == 20)
        #expect(stats.errors.counts == ErrorCounts(read: 1))
        #expect(stats.model == .threads)
    }

    @Test("an ok trial without samples gives nil latencies but still counts requests")
    func emptyTrial() {
        let run = runData(
            variants: [storedVariant(id: 1, name: "gevent", position: 0, workerClass: "gevent")],
            trials: [trial(variant: 1, index: 1, requests: 0, errors: ErrorCounts(timeout: 7))])
        let stats = RunStatistics.compute(run)[0]
        #expect(stats.latency.p50Ms == nil)
        #expect(stats.latency.meanMs == nil)
        #expect(stats.latency.maxMs == nil)
        #expect(stats.throughput.requestsMean == 0)
        #expect(stats.throughput.requestsCI95 == nil)
        #expect(stats.errors.counts.total == 7)
    }

    @Test("the 95% interval of requests [10, 12, 14] is a t interval of their logarithms: 7.82–18.06, never below zero")
    func confidenceInterval() throws {
        // ln 10, ln 12, ln 14: mean 2.475516, s = 0.168432; t(df 2) = 4.302653; half-width
        // 0.418408; e^(2.475516 ∓ 0.418408) = 7.8233 and 18.0641, around the geometric mean 11.89.
        let run = runData(
            variants: [storedVariant(id: 1, name: "v", position: 0, workerClass: "sync")],
            trials: [10, 12, 14].enumerated().map { offset, requests in
                trial(variant: 1, index: offset + 1, durationUs: 2_000_000, requests: Int64(requests))
            })
        let stats = RunStatistics.compute(run)[0]
        let interval = try #require(stats.throughput.requestsCI95)
        #expect(stats.throughput.requestsMean == 12)
        #expect(abs(interval.lowerBound - 7.8233) < 1e-3)
        #expect(abs(interval.upperBound - 18.0641) < 1e-3)
        // Per second over 2 s windows: [5, 6, 7].
        let perSecond = try #require(stats.throughput.requestsPerSecondCI95)
        #expect(stats.throughput.requestsPerSecondMean == 6)
        #expect(abs(perSecond.upperBound - 9.0320) < 1e-3)
        // The ordinary interval of [1, 20, 40] goes below zero; the ratio interval cannot.
        #expect(try #require(StudentT.interval95([1, 20, 40])).lowerBound < 0)
        #expect(try #require(StudentT.ratioInterval95([1, 20, 40])).lowerBound > 0)
        #expect(StudentT.interval95([5]) == nil)
        #expect(abs((stats.precision.cv ?? 0) - 1.0 / 6) < 1e-12, "s = 1 over mean 6")
    }

    @Test(
        "Student-t critical values are exact for every df, with no normal shortcut past 30",
        arguments: [(1, 12.706204736), (2, 4.302652730), (3, 3.182446305), (10, 2.228138852), (30, 2.042272456),
                    (31, 2.039513446), (40, 2.021075390), (100, 1.983971519), (1000, 1.962339081)])
    func criticalValues(df: Int, expected: Double) throws {
        let t = try #require(StudentT.critical95(degreesOfFreedom: df))
        #expect(abs(t - expected) < 1e-8, "t(0.975, \(df)) = \(t)")
    }

    @Test("app CPU is the cumulative counter's growth between the window's edges; RSS peaks inside it")
    func appResources() {
        // Window 2000 ms, sampled at its opening (t=0: 1100 + 250 = 1350 ms) and closing
        // (t=2000: 2300 + 550 = 2850 ms): 1500 ms used = 1.5 s, 75% of a core. The samples taken
        // before, during start-up and warm-up, count for neither CPU nor peak RSS (900).
        let samples = [
            ResourceSample(tMs: -1500, phase: .before, role: .app, cpuUserMs: 10, cpuSystemMs: 5, rssBytes: 700),
            ResourceSample(tMs: -500, phase: .before, role: .app, cpuUserMs: 1000, cpuSystemMs: 200, rssBytes: 900),
            ResourceSample(tMs: 0, role: .app, cpuUserMs: 1100, cpuSystemMs: 250, rssBytes: 100),
            ResourceSample(tMs: 0, role: .loadgen, cpuUserMs: 0, cpuSystemMs: 0, rssBytes: 5000),
            ResourceSample(tMs: 1000, role: .app, cpuUserMs: 1600, cpuSystemMs: 400, rssBytes: 300),
            ResourceSample(tMs: 2000, role: .app, cpuUserMs: 2300, cpuSystemMs: 550, rssBytes: 200),
            ResourceSample(tMs: 2000, role: .loadgen, cpuUserMs: 400, cpuSystemMs: 600, rssBytes: 5000),
        ]
        let run = runData(
            variants: [storedVariant(id: 1, name: "aiohttp", position: 0, workerClass: "aiohttp.GunicornWebWorker")],
            trials: [trial(variant: 1, index: 1, durationUs: 2_000_000, requests: 12, errors: ErrorCounts(status: 1, timeout: 2), resources: samples)])
        let stats = RunStatistics.compute(run)[0]
        #expect(stats.resources.appCPU == CPUUse(seconds: 1.5, percentOfCore: 75))
        // 12 requests, 2 timed out: 10 answered (a non-2xx answer is an answer), 150 ms each.
        #expect(stats.resources.appCPUPerRequestMs == 150)
        #expect(stats.resources.appPeakRSSBytes == 300)
        #expect(stats.resources.appPeakRSSPerTrial == [300])
        #expect(stats.resources.loadgenCPU == CPUUse(seconds: 1.0, percentOfCore: 50))
    }

    @Test("a store from before the window's edge samples still gives CPU over the window, as a rate")
    func appResourcesFromOlderStores() {
        // The window's first sample came 250 ms late and its last 250 ms early: 1.5 s used over
        // 1.5 s is one core, so 2.0 s over the 2 s window.
        let samples = [
            ResourceSample(tMs: 250, role: .app, cpuUserMs: 1000, cpuSystemMs: 0, rssBytes: 1),
            ResourceSample(tMs: 1750, role: .app, cpuUserMs: 2500, cpuSystemMs: 0, rssBytes: 1),
        ]
        let run = runData(
            variants: [storedVariant(id: 1, name: "aiohttp", position: 0, workerClass: "aiohttp.GunicornWebWorker")],
            trials: [trial(variant: 1, index: 1, durationUs: 2_000_000, requests: 10, resources: samples)])
        let stats = RunStatistics.compute(run)[0]
        #expect(stats.resources.appCPU == CPUUse(seconds: 2.0, percentOfCore: 100))
    }

    @Test(
        "the concurrency model follows the worker class",
        arguments: [
            ("aiohttp.GunicornWebWorker", nil, ConcurrencyModel.async),
            ("gevent", nil, .greenlet),
            ("eventlet", nil, .greenlet),
            ("meinheld.gmeinheld.MeinheldWorker", nil, .greenlet),
            ("gthread", 10, .threads),
            ("sync", 10, .threads),
            ("sync", nil, .process),
            (nil, nil, .process),
        ] as [(String?, Int?, ConcurrencyModel)])
    func concurrencyModel(workerClass: String?, threads: Int?, expected: ConcurrencyModel) {
        #expect(ConcurrencyModel(workerClass: workerClass, threads: threads) == expected)
    }

    @Test("an unknown worker class has no model")
    func unknownModel() {
        #expect(ConcurrencyModel(workerClass: "mypackage.CustomWorker", threads: nil) == nil)
    }

    // MARK: Tables and exports

    @Test("the Markdown results table: definition order, rounding, alignment, failed and empty variants")
    func markdownTable() {
        // aiohttp merged: 163274, 247725×3, 1414080 µs; N = 5. p50 rank 3 → 247.725 → "247.73"
        // (half rounds up); p99 rank ⌈4.95⌉ = 5 → "1,414.08"; mean 2320529/5 µs = 464.1058 → "464.11".
        // Duration (20.1 + 20.05)/2 = 20.075 → "20.08". Requests [30702, 30000]: mean 30351,
        // the t interval of the logarithms (t(1) = 12.706) taken back: "26,201–35,153". Errors 3 + 2 + 1 = 6.
        // flask:10 (trial 2 failed): 4419110×2, 4667550; mean 13505770/3 µs → "4,501.92";
        // requests [1797, 1799] ± 12.706 → "1,785–1,811".
        let expected = """
            | variant        | min (ms) | p50 (ms) | p99 (ms) | p99.9 (ms) | max (ms) | mean (ms) | duration (s) | requests (mean of trials) | requests 95% CI | errors | trials |
            | -------------- | -------: | -------: | -------: | ---------: | -------: | --------: | -----------: | ------------------------: | --------------: | -----: | -----: |
            | aiohttp        |   163.27 |   247.73 | 1,414.08 |   1,414.08 | 1,414.08 |    464.11 |        20.08 |                    30,351 |   26,201–35,153 |      6 |      2 |
            | flask:gevent   |        — |        — |        — |          — |        — |         — |        20.00 |                         0 |             n=1 |    400 |      1 |
            | flask:meinheld |   failed |   failed |   failed |     failed |   failed |    failed |       failed |                    failed |          failed | failed | 0 of 1 |
            | flask:10       | 4,419.11 | 4,419.11 | 4,667.55 |   4,667.55 | 4,667.55 |  4,501.92 |        20.05 |                     1,798 |     1,785–1,811 |      0 | 2 of 3 |

            """
        let rendered = ResultsTable.render(RunStatistics.compute(fixtureRun()), format: .markdown)
        #expect(rendered == expected)
    }

    @Test("the text table aligns the same cells for the terminal")
    func textTable() {
        let expected = """
            variant         min (ms)  p50 (ms)  p99 (ms)  p99.9 (ms)  max (ms)  mean (ms)  duration (s)  requests (mean of trials)  requests 95% CI  errors  trials
            --------------  --------  --------  --------  ----------  --------  ---------  ------------  -------------------------  ---------------  ------  ------
            aiohttp           163.27    247.73  1,414.08    1,414.08  1,414.08     464.11         20.08                     30,351    26,201–35,153       6       2
            flask:gevent           —         —         —           —         —          —         20.00                          0              n=1     400       1
            flask:meinheld    failed    failed    failed      failed    failed     failed        failed                     failed           failed  failed  0 of 1
            flask:10        4,419.11  4,419.11  4,667.55    4,667.55  4,667.55   4,501.92         20.05                      1,798      1,785–1,811       0  2 of 3

            """
        #expect(ResultsTable.render(RunStatistics.compute(fixtureRun()), format: .text) == expected)
    }

    @Test("the generic grid escapes pipes in Markdown and pads short rows")
    func grid() {
        let markdown = ResultsTable.grid(header: ["a|b", "n"], rows: [["x"]], rightAligned: [1], format: .markdown)
        #expect(markdown == "| a\\|b |   n |\n| ---- | --: |\n| x    |     |\n")
        let text = ResultsTable.grid(
            header: ["name", "n"], rows: [["a", "1,000"], ["long name", "5"]], rightAligned: [1], format: .text)
        #expect(text == "name           n\n---------  -----\na          1,000\nlong name      5\n")
    }

    @Test("numbers round half away from zero with grouping")
    func numberFormatting() {
        #expect(ReportNumber.decimal(1414.075, places: 2, grouped: true) == "1,414.08")
        #expect(ReportNumber.decimal(-0.004, places: 2, grouped: true) == "0.00")
        #expect(ReportNumber.decimal(1_234_567, places: 0, grouped: true) == "1,234,567")
        #expect(ReportNumber.decimal(999.999, places: 2, grouped: false) == "1000.00")
        #expect(ReportNumber.milliseconds(nil) == "—")
        #expect(ReportNumber.integer(-12345, grouped: true) == "-12,345")
    }

    @Test("CSV: the header and a row, failed variants with empty numbers, RFC 4180 quoting")
    func csv() {
        let lines = ResultsExport.csv(RunStatistics.compute(fixtureRun())).split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        #expect(lines[0] == """
            variant,model,trials_ok,trials_failed,min_ms,p50_ms,p90_ms,p99_ms,p99_9_ms,p99_99_ms,max_ms,mean_ms,\
            duration_s,requests_mean,requests_ci95_low,requests_ci95_high,requests_per_s,errors_connect,errors_read,\
            errors_write,errors_status,errors_timeout,app_cpu_s,app_peak_rss_bytes,app_cpu_cores,app_cpu_ms_per_request,\
            requests_per_s_cv,requests_per_s_precision
            """)
        // Requests per second: (30702 / 20.1 + 30000 / 20.05) / 2 = (1527.4627 + 1496.2594) / 2 = 1511.86.
        // Their logarithms differ by 0.02064: s = 0.0146 (the CV), and t(0.975, 1) = 12.706 times
        // s/√2 is ±0.1311 on the log scale, ±13.15% of the mean taken back.
        #expect(lines[1] == """
            aiohttp,async,2,0,163.274,247.725,1414.080,1414.080,1414.080,1414.080,1414.080,464.106,20.075,\
            30351.00,26201.40,35153.09,1511.86,0,1,0,3,2,,,,,0.0146,0.1315
            """)
        #expect(lines[3] == "flask:meinheld,greenlet,0,1" + String(repeating: ",", count: 24))
        #expect(CSV.field("a,b") == "\"a,b\"")
        #expect(CSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSV.field("flask:10") == "flask:10")
    }

    @Test("every column of results.csv and results.json says what it means, and no two share a CSV name or a JSON place")
    func columnTable() {
        let columns = ResultsColumn.all + ResultsColumn.cell(swept: SweptSetting.allCases)
        #expect(columns.allSatisfy { !$0.meaning.isEmpty && ($0.csv != nil || $0.json != nil) })
        let names = columns.compactMap(\.csv)
        let places = columns.compactMap(\.json)
        #expect(Set(names).count == names.count, "\(names)")
        #expect(Set(places).count == places.count, "\(places)")
        // No JSON place is both a value and an object holding others.
        #expect(!places.contains { place in places.contains { $0.hasPrefix(place + ".") } })
    }

    @Test("a swept run's cells say their variant and levels: CSV columns after the others, JSON fields")
    func sweptCells() throws {
        var variants = [storedVariant(id: 1, name: "flask:10 @ delay=0ms", position: 0, workerClass: "gthread", threads: 10),
                        storedVariant(id: 2, name: "flask:10 @ delay=50ms", position: 1, workerClass: "gthread", threads: 10)]
        for (offset, delay) in [0, 0.05].enumerated() {
            variants[offset].cell = CellID(variant: "flask:10", levels: [SweepLevel(setting: .delay, value: delay)])
        }
        let run = runData(variants: variants, trials: [trial(variant: 1, index: 1, requests: 10), trial(variant: 2, index: 1, requests: 5)])
        let stats = RunStatistics.compute(run)
        let lines = ResultsExport.csv(stats).split(separator: "\n").map(String.init)
        #expect(lines[0] == ResultsExport.csvHeader.joined(separator: ",") + ",cell_variant,upstream_delay_s")
        #expect(lines[2].hasPrefix("flask:10 @ delay=50ms,threads,1,0,"))
        #expect(lines[2].hasSuffix(",flask:10,0.050000"))
        let object = try #require(try JSONSerialization.jsonObject(with: try ResultsExport.json(run: run, stats: stats)) as? [String: Any])
        let cell = try #require((object["variants"] as? [[String: Any]])?.last)
        #expect(cell["cell_variant"] as? String == "flask:10")
        #expect(cell["levels"] as? [String: Double] == ["upstream_delay_s": 0.05])
    }

    @Test("JSON decodes with the run, machine, software and every trial")
    func json() throws {
        let run = fixtureRun()
        let data = try ResultsExport.json(run: run, stats: RunStatistics.compute(run))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let runObject = try #require(object["run"] as? [String: Any])
        #expect(runObject["id"] as? Int == 7)
        #expect(runObject["started_at"] as? String == "2026-01-02T03:04:05.000Z")
        #expect(runObject["quick"] as? Bool == false)
        let software = try #require(object["software"] as? [String: Any])
        #expect(software["wrk"] as? String == "wrk 4.1.0")
        let machine = try #require(object["machine"] as? [String: Any])
        #expect(machine["cpu_cores"] as? Int == 2)
        let variants = try #require(object["variants"] as? [[String: Any]])
        #expect(variants.map { $0["name"] as? String } == ["aiohttp", "flask:gevent", "flask:meinheld", "flask:10"])
        let latency = try #require(variants[0]["latency_ms"] as? [String: Any])
        #expect(latency["p50"] as? Double == 247.725)
        let trials = try #require(variants[3]["trials"] as? [[String: Any]])
        #expect(trials.map { $0["trial"] as? Int } == [1, 2, 3])
        #expect(trials[1]["status"] as? String == "failed")
        #expect(trials[1]["failure"] as? String == "wrk could not connect")
        #expect(variants[2]["latency_ms"].flatMap { ($0 as? [String: Any])?["p50"] } is NSNull)
        #expect(String(decoding: data, as: UTF8.self).contains("\n  \"machine\""))
    }

    // MARK: Fixtures

    /// Four variants, listed out of definition order: two trials of aiohttp, one ok trial
    /// without samples, an all-failed variant and a variant with one failed trial of three.
    private func fixtureRun() -> RunData {
        runData(
            variants: [
                storedVariant(id: 4, name: "flask:10", position: 3, workerClass: "sync", threads: 10),
                storedVariant(id: 1, name: "aiohttp", position: 0, workerClass: "aiohttp.GunicornWebWorker"),
                storedVariant(id: 3, name: "flask:meinheld", position: 2, workerClass: "meinheld.gmeinheld.MeinheldWorker"),
                storedVariant(id: 2, name: "flask:gevent", position: 1, workerClass: "gevent"),
            ],
            trials: [
                trial(
                    variant: 1, index: 1, durationUs: 20_100_000, requests: 30_702,
                    latency: buckets((163_274, 1), (247_725, 2)), errors: ErrorCounts(status: 3)),
                trial(
                    variant: 1, index: 2, durationUs: 20_050_000, requests: 30_000,
                    latency: buckets((247_725, 1), (1_414_080, 1)), errors: ErrorCounts(read: 1, timeout: 2)),
                trial(variant: 2, index: 1, requests: 0, errors: ErrorCounts(connect: 400)),
                trial(variant: 3, index: 1, status: .failed, durationUs: 0, failure: "the app server exited with status 1"),
                trial(variant: 4, index: 3, durationUs: 20_050_000, requests: 1799, latency: buckets((4_419_110, 1), (4_667_550, 1))),
                trial(variant: 4, index: 1, durationUs: 20_050_000, requests: 1797, latency: buckets((4_419_110, 1))),
                trial(variant: 4, index: 2, status: .failed, durationUs: 0, requests: 5, failure: "wrk could not connect"),
            ])
    }

    private func buckets(_ pairs: (Int64, Int64)...) -> [LatencyBucket] {
        pairs.map { LatencyBucket(latencyUs: $0.0, count: $0.1) }
    }

    private func storedVariant(id: Int64, name: String, position: Int, workerClass: String, threads: Int? = nil) -> StoredVariant {
        .fixture(
            id: id, runID: 7, name: name, position: position,
            config: VariantConfig(module: "apps.app:app", workerClass: workerClass, workers: 2, threads: threads))
    }

    private func trial(
        variant: Int64, index: Int, status: TrialStatus = .ok, durationUs: Int64 = 20_000_000,
        requests: Int64 = 0, latency: [LatencyBucket] = [], errors: ErrorCounts = ErrorCounts(),
        failure: String? = nil, resources: [ResourceSample] = []
    ) -> StoredTrial {
        StoredTrial(
            id: variant * 100 + Int64(index),
            record: .fixture(
                variantID: variant, trialIndex: index, runOrder: index, status: status,
                startedAt: Date(timeIntervalSince1970: 1_767_323_045), durationUs: durationUs, requests: requests,
                bytes: requests * 100, errors: errors, latency: latency, failure: failure,
                commandLine: "wrk -d20s -c400 -t10", resources: resources))
    }

    private func runData(variants: [StoredVariant], trials: [StoredTrial]) -> RunData {
        RunData.fixture(
            run: StoredRun(
                id: 7, experiment: "aiohttp-vs-flask", definitionHash: "abc123", machineID: 1,
                startedAt: Date(timeIntervalSince1970: 1_767_323_045), finishedAt: nil, status: .complete,
                kind: .measured, shuffleSeed: 42, quick: false),
            definitionText: "trials = 3", projectCommit: "deadbeef",
            software: SoftwareVersions(reportgen: "0.1.0", python: "Python 3.11.2", wrk: "wrk 4.1.0"),
            upstreamCommandLine: "nginx -c upstream.conf",
            machine: MachineInfo(
                fingerprint: "f00d", hostname: "bench", cpuModel: "Test CPU", cpuCores: 2,
                memoryBytes: 4 << 30, kernel: "6.1.0", os: "Debian 12", cpuGovernor: nil),
            variants: variants, trials: trials)
    }
}
