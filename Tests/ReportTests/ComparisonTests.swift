import Foundation
import TestFixtures
import Testing

@testable import Report
@testable import Core
@testable import Definition
@testable import Records
@testable import Store

@Suite("Comparison and claims")
struct ComparisonTests {
    // MARK: Welch's contrast, Holm, Kendall

    @Test("Welch's t matches the hand computation for a clear difference")
    func welchSignificant() throws {
        // Means 150 and 100, variances 1 and 1, n = 3: se = √(1/3 + 1/3) = 0.8165,
        // t = 50 / 0.8165 = 61.237; df = (2/3)² / ((1/3)²/2 + (1/3)²/2) = 4.
        let test = try #require(LogContrast.difference(baseline: [100, 101, 99], against: [150, 151, 149]))
        #expect(abs(test.t - 61.237_243_569_579) < 1e-9)
        #expect(abs(test.degreesOfFreedom - 4) < 1e-12)
        // scipy.stats.ttest_ind(..., equal_var=False): p = 4.25909e-07.
        #expect(abs(test.p - 4.259_092_087e-7) < 1e-12)
        // t(0.975, 4) = 2.776445: 50 ± 2.776445 · 0.816497.
        #expect(abs(test.interval95.lowerBound - (50 - 2.266_957_9)) < 1e-6)
    }

    @Test("Welch's t matches the hand computation for overlapping samples and unequal sizes")
    func welchNotSignificant() throws {
        // Means 102 and 100, variances 100 and 100: t = 2 / √(200/3) = 0.24495, df = 4.
        let test = try #require(LogContrast.difference(baseline: [100, 110, 90], against: [102, 112, 92]))
        #expect(abs(test.t - 0.244_948_974_278) < 1e-9)
        #expect(abs(test.p - 0.818_549_069_775) < 1e-9)
        // Means 8 and 2, variances 20/3 and 1: t = 6 / √(5/3 + 1/3) = 4.2426;
        // df = 4 / ((5/3)²/3 + (1/3)²/2) = 4.07547; scipy p = 0.0127176.
        let unequal = try #require(LogContrast.difference(baseline: [1, 2, 3], against: [5, 7, 9, 11]))
        #expect(abs(unequal.t - 4.242_640_687) < 1e-9)
        #expect(abs(unequal.degreesOfFreedom - 4.075_471_698) < 1e-9)
        #expect(abs(unequal.p - 0.012_717_594_465) < 1e-9)
        #expect(LogContrast.difference(baseline: [1], against: [2, 3]) == nil)
        // A sum of contrasts keeps every term: half of one less half of the other has a
        // quarter of each variance, and Welch–Satterthwaite's df over all four terms.
        let sum = LogContrast.combination([(0.5, test), (-0.5, unequal)])
        #expect(abs(sum.estimate - (0.5 * 2 - 0.5 * 6)) < 1e-12)
        #expect(abs(sum.variance - 0.25 * (test.variance + unequal.variance)) < 1e-12)
    }

    @Test("Holm adjusts the smallest p by m, the next by m − 1, keeping the order; Kendall's τ-b counts pairs")
    func holmAndKendall() throws {
        // p = 0.01, 0.04, 0.03 (m = 3): sorted 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 → max(0.06, 0.04) = 0.06.
        let adjusted = Holm.adjusted([0.01, 0.04, nil, 0.03])
        #expect(adjusted[0].map { abs($0 - 0.03) < 1e-12 } == true)
        #expect(adjusted[3].map { abs($0 - 0.06) < 1e-12 } == true)
        #expect(adjusted[1].map { abs($0 - 0.06) < 1e-12 } == true)
        #expect(adjusted[2] == nil)
        #expect(KendallTau.tauB([(1, 10), (2, 20), (3, 30)]) == 1)
        #expect(KendallTau.tauB([(1, 30), (2, 20), (3, 10)]) == -1)
        // One swapped pair of three: (2 − 1) / 3.
        #expect(abs((KendallTau.tauB([(1, 10), (2, 30), (3, 20)]) ?? 0) - 1.0 / 3) < 1e-12)
    }

    // MARK: Run comparison

    @Test("a clear gain in requests/s is significant and called better, with the point inside its interval")
    func significantComparison() throws {
        let baseline = side(fixtureRun(id: 1, rates: ["aiohttp": [100, 101, 99]]))
        let against = side(fixtureRun(id: 2, rates: ["aiohttp": [150, 151, 149]]))

        let comparison = try RunComparison.compare(baseline: baseline, against: against, allowDefinitionChange: false, definitionFile: "e.toml")

        let rps = try #require(comparison.variants.first?.result(.requestsPerSecond))
        #expect(abs((rps.ratio ?? 0) - 1.5) < 1e-12)
        let interval = try #require(rps.interval)
        #expect(!interval.contains(1))
        #expect(interval.contains(1.5))
        #expect((rps.adjustedP ?? 1) < 0.001)
        #expect(rps.verdict == .better)
        // Latency got worse in the fixture (the faster run's requests took longer).
        let p50 = try #require(comparison.variants.first?.result(.p50))
        #expect(p50.verdict == .worse)
        #expect(try #require(p50.interval).contains(try #require(p50.ratio)))
        #expect(ComparisonReport.text(comparison).contains("better (p < 0.001)"))
    }

    @Test("two sweep runs pair their cells by variant and level, not by position")
    func sweepCellsPair() throws {
        let baseline = side(fixtureRun(id: 1, rates: [
            "aiohttp @ delay=0ms": [1_000, 1_010, 990], "aiohttp @ delay=50ms": [400, 404, 396],
        ]))
        // The second run measured the 50 ms cell only: it sits first, where the 0 ms cell was.
        let against = side(fixtureRun(id: 2, rates: ["aiohttp @ delay=50ms": [200, 202, 198]]))
        let comparison = try RunComparison.compare(baseline: baseline, against: against, allowDefinitionChange: false, definitionFile: "e.toml")
        let paired = comparison.variants.filter { $0.result(.requestsPerSecond)?.ratio != nil }
        #expect(paired.map(\.name) == ["aiohttp @ delay=50ms"])
        let ratio = try #require(paired.first?.result(.requestsPerSecond)?.ratio)
        #expect(abs(ratio - 0.5) < 1e-12, "the 50 ms cell halved: \(ratio)")
    }

    @Test("overlapping trials give no significant difference")
    func nonSignificantComparison() throws {
        let baseline = side(fixtureRun(id: 1, rates: ["aiohttp": [100, 110, 90]], latencyShift: 0))
        let against = side(fixtureRun(id: 2, rates: ["aiohttp": [102, 112, 92]], latencyShift: 0))

        let comparison = try RunComparison.compare(baseline: baseline, against: against, allowDefinitionChange: false, definitionFile: "e.toml")

        let rps = try #require(comparison.variants.first?.result(.requestsPerSecond))
        let interval = try #require(rps.interval)
        #expect(interval.contains(1))
        #expect(interval.contains(try #require(rps.ratio)))
        #expect((rps.adjustedP ?? 0) > 0.5)
        #expect(rps.verdict == .noSignificantDifference)
        #expect(comparison.variants.first?.result(.p99)?.verdict == .noSignificantDifference)
    }

    @Test("the bootstrap is reproducible and a weighted percentile with unit weights is the merged one")
    func bootstrapAndWeights() throws {
        let trials = [
            LatencyDistribution([LatencyBucket(latencyUs: 100, count: 5), LatencyBucket(latencyUs: 900, count: 1)]),
            LatencyDistribution([LatencyBucket(latencyUs: 200, count: 2), LatencyBucket(latencyUs: 400, count: 7)]),
            LatencyDistribution([]),
        ]
        let merged = LatencyDistribution(merging: trials.map(\.buckets))
        for p in [0.0, 10, 50, 90, 99, 100] {
            #expect(LatencyDistribution.percentile(p, of: trials, weights: [1, 1, 1]) == merged.percentile(p))
        }
        // Trial 0 drawn three times: 15×100, 3×900, 2×200, 7×400 → N = 27, p50 rank 14 → 100.
        #expect(LatencyDistribution.percentile(50, of: trials, weights: [3, 1, 0]) == 100)
        #expect(LatencyDistribution.percentile(50, of: trials, weights: [0, 0, 3]) == nil)

        func mean(_ values: [Double]) -> ([Int]) -> Double? {
            { weights in zip(values, weights).reduce(0) { $0 + $1.0 * Double($1.1) } / Double(weights.reduce(0, +)) }
        }
        let pair: Bootstrap.Pair = (3, 3, mean([100, 110, 90]), mean([102, 112, 92]))
        let interval = try #require(Bootstrap.standard.meanRatioInterval([pair]))
        #expect(interval == Bootstrap.standard.meanRatioInterval([pair]))
        #expect(interval.contains(1.02))
        #expect(Bootstrap.standard.resamples >= 10_000)
    }

    @Test("against a published table there is one value: a ratio, no interval, and the output says so")
    func publishedBaseline() throws {
        var publishedData = fixtureRun(id: 9, rates: [:], kind: .published)
        publishedData.machine = MachineInfo(
            fingerprint: "published:published 2017", hostname: "published 2017", cpuModel: "hardware not described",
            cpuCores: 0, memoryBytes: 0, kernel: "not described", os: "not described", cpuGovernor: nil)
        let published = ComparisonSide(
            label: "published 2017", data: publishedData,
            variants: [
                ComparisonSide.Variant(
                    cell: CellID(variant: "aiohttp"), rates: [1500], trialLatency: [],
                    published: PublishedRow(
                        variant: "aiohttp", minMs: 1, p50Ms: 247.72, p99Ms: 352.75, p999Ms: nil, maxMs: nil,
                        meanMs: nil, durationS: 20, requests: 30_000),
                    failed: false),
            ])
        let against = side(fixtureRun(id: 2, rates: ["aiohttp": [150, 151, 149], "flask:10": [10, 11]]))

        let comparison = try RunComparison.compare(baseline: published, against: against, allowDefinitionChange: false, definitionFile: "e.toml")

        let rps = try #require(comparison.variants.first { $0.name == "aiohttp" }?.result(.requestsPerSecond))
        #expect(abs((rps.ratio ?? 0) - 0.1) < 1e-12)
        #expect(rps.interval == nil)
        #expect(rps.adjustedP == nil)
        #expect(rps.verdict == .singlePublishedValue)
        #expect(comparison.variants.first { $0.name == "aiohttp" }?.result(.p50)?.verdict == .singlePublishedValue)
        #expect(comparison.variants.first { $0.name == "flask:10" }?.result(.p50)?.verdict == .unavailable("not in published 2017"))
        #expect(comparison.definitionChanges == nil)
        let text = ComparisonReport.text(comparison)
        #expect(text.contains("single published value: no interval"))
        #expect(comparison.machines.differing.contains { $0.fact == "cores" && $0.baseline == "not described" })
    }

    @Test("the closing line gives the machine factor first, then only what changed relative to it")
    func summaryLine() throws {
        // Latency that does not follow the rate, so only requests/s changes.
        let baseline = side(fixtureRun(id: 1, rates: ["aiohttp": [100, 101, 99], "flask:10": [50, 52, 48]], latencyShift: 0))
        // Both variants 1.5× faster: the machine, not the variants.
        let faster = side(fixtureRun(id: 2, rates: ["aiohttp": [150, 151, 149], "flask:10": [75, 78, 72]], latencyShift: 0))
        let comparison = try RunComparison.compare(baseline: baseline, against: faster, allowDefinitionChange: false, definitionFile: "e.toml")
        let line = ComparisonReport.summaryLine(comparison)
        #expect(!line.contains("\n"))
        #expect(line.range(of: #"^this machine: 1\.50× \[1\.4\d–1\.5\d\] run 1 in requests/s; relative to that, no variant changed$"#, options: .regularExpression) != nil, "\(line)")
        let factor = try #require(comparison.factor(.requestsPerSecond))
        #expect(abs(factor.ratio - 1.5) < 0.01)
        #expect(factor.kendallTau == 1)
        // aiohttp alone 1.5× faster: relative to the factor √1.5, it gained and flask:10 lost.
        let one = side(fixtureRun(id: 3, rates: ["aiohttp": [150, 151, 149], "flask:10": [50, 52, 48]], latencyShift: 0))
        let alone = try RunComparison.compare(baseline: baseline, against: one, allowDefinitionChange: false, definitionFile: "e.toml")
        let changed = ComparisonReport.summaryLine(alone)
        #expect(changed.hasPrefix("this machine: 1.22× ["), "\(changed)")
        #expect(changed.contains("relative to that, aiohttp rps 1.22× ["), "\(changed)")
        #expect(changed.contains("] better"), "\(changed)")
    }

    @Test("runs that differ only in how many trials they took compare as the same definition")
    func trialCountsAreNoDefinitionChange() throws {
        var baselineRun = fixtureRun(id: 1, rates: ["aiohttp": [100, 101]])
        baselineRun.overrides = RunOverrides(precision: 0.05, maxTrials: 8)
        baselineRun.run.definitionHash = "with-precision"
        var againstRun = fixtureRun(id: 2, rates: ["aiohttp": [100, 101, 102]])
        againstRun.overrides = RunOverrides(trials: 3)
        let comparison = try RunComparison.compare(
            baseline: side(baselineRun), against: side(againstRun), allowDefinitionChange: false, definitionFile: "e.toml")
        #expect(comparison.definitionChanges == nil)
        againstRun.overrides = RunOverrides(trials: 3, duration: .seconds(5))
        #expect(throws: ReportgenError.self) {
            try RunComparison.compare(baseline: side(baselineRun), against: side(againstRun), allowDefinitionChange: false, definitionFile: "e.toml")
        }
    }

    @Test("a role placed on another host, or pinned, is a difference between runs with the same text; old runs ran every role here, unpinned")
    func placementChange() throws {
        let machine = fixtureRun(id: 1, rates: ["aiohttp": [100]]).machine
        let baselineRun = fixtureRun(id: 1, rates: ["aiohttp": [100, 101]])
        var againstRun = fixtureRun(id: 2, rates: ["aiohttp": [100, 101]])
        againstRun.hosts = [
            RunHost(name: "local", machine: machine, ssh: nil, address: "127.0.0.1", roles: [.upstream, .loadgen],
                    cpus: [.loadgen: CPUSet([0])], clockOffset: nil, loadToAppRoundTrip: nil),
            RunHost(name: "server", machine: machine, ssh: "bench@10.0.0.2", address: "10.0.0.2", roles: [.app],
                    cpus: [.app: CPUSet([1, 2])], clockOffset: ClockOffset(offsetUs: 120, roundTripUs: 900), loadToAppRoundTrip: nil),
        ]
        let error = try #require(throws: ReportgenError.self) {
            try RunComparison.compare(baseline: side(baselineRun), against: side(againstRun), allowDefinitionChange: false, definitionFile: "e.toml")
        }
        #expect(error.message.contains("placement of app, load"), "\(error.message)")
        let allowed = try RunComparison.compare(
            baseline: side(baselineRun), against: side(againstRun), allowDefinitionChange: true, definitionFile: "e.toml")
        let changes = try #require(allowed.definitionChanges)
        #expect(changes.placement == [
            "app: this machine, unpinned → server (bench@10.0.0.2), CPUs 1-2", "load: this machine, unpinned → this machine, CPU 0",
        ])
        #expect(ComparisonReport.text(allowed).contains("placement (where each role ran):"))
        var same = againstRun
        same.run.id = 3
        let unchanged = try RunComparison.compare(baseline: side(againstRun), against: side(same), allowDefinitionChange: false, definitionFile: "e.toml")
        #expect(unchanged.definitionChanges == nil)
    }

    @Test("runs of different definitions are refused with exit 65 unless allowed, which lists the differences")
    func definitionChange() throws {
        let baseline = side(fixtureRun(id: 1, rates: ["aiohttp": [100, 101]], definition: "title = \"x\"\nduration = \"20s\"\n"))
        var changed = fixtureRun(id: 2, rates: ["aiohttp": [100, 101]], definition: "title = \"x\"\nduration = \"5s\"\n")
        changed.run.definitionHash = "other"
        changed.overrides = RunOverrides(quick: true)
        let against = side(changed)

        let error = try #require(throws: ReportgenError.self) {
            try RunComparison.compare(baseline: baseline, against: against, allowDefinitionChange: false, definitionFile: "e.toml")
        }
        #expect(error.code == .badDefinition)
        #expect(error.code.rawValue == 65)
        #expect(error.hint?.contains("--allow-definition-change") == true)
        #expect(error.location?.file == "e.toml")

        let allowed = try RunComparison.compare(baseline: baseline, against: against, allowDefinitionChange: true, definitionFile: "e.toml")
        let changes = try #require(allowed.definitionChanges)
        #expect(changes.lines == ["- 2: duration = \"20s\"", "+ 2: duration = \"5s\""])
        #expect(changes.overrides == ["quick: false → true"])
        #expect(ComparisonReport.markdown(allowed, charts: []).contains("+ 2: duration = \"5s\""))
    }

    @Test("only differing machine facts are listed, with a count of the identical ones; ranks follow requests/s")
    func machinesAndRanks() throws {
        var other = fixtureRun(id: 2, rates: ["aiohttp": [10, 11], "flask:10": [20, 21]])
        other.machine.cpuCores = 8
        other.machine.fingerprint = "other"
        other.software = SoftwareVersions(
            reportgen: "0.1.0", python: "Python 3.11.2", pipFreeze: ["aiohttp==3.14.0", "Flask==3.1.1"])
        let comparison = try RunComparison.compare(
            baseline: side(fixtureRun(id: 1, rates: ["aiohttp": [30, 31], "flask:10": [20, 21]])), against: side(other),
            allowDefinitionChange: false, definitionFile: "e.toml")

        #expect(comparison.machines.differing.map(\.fact) == ["cores", "package flask"])
        #expect(comparison.machines.identicalCount > 5)
        #expect(!comparison.machines.sameMachine)
        let aiohttp = try #require(comparison.variants.first { $0.name == "aiohttp" })
        #expect(aiohttp.baselineRank == 1)
        #expect(aiohttp.againstRank == 2)
        #expect(ComparisonReport.text(comparison).contains("1 → 2 (down 1)"))
    }

    @Test("cells pair by variant and levels, also when the two runs' grids list their settings in another order")
    func cellsPairByLevels() throws {
        let workers = SweepLevel(setting: .workers, value: 2)
        let connections = SweepLevel(setting: .connections, value: 100)
        /// The run with its one variant made the cell at `levels`, named as its grid shows it.
        func grid(_ data: RunData, _ levels: [SweepLevel]) -> RunData {
            var data = data
            data.variants = data.variants.map { variant in
                StoredVariant(
                    id: variant.id, runID: variant.runID, cell: CellID(variant: variant.cell.variant, levels: levels),
                    position: variant.position, configJSON: variant.configJSON, config: variant.config)
            }
            return data
        }
        let baseline = grid(fixtureRun(id: 1, rates: ["flask:10": [100, 101, 99]]), [workers, connections])
        let against = grid(fixtureRun(id: 2, rates: ["flask:10": [200, 202, 198]]), [connections, workers])
        #expect(baseline.variants[0].name == "flask:10 @ workers=2, connections=100")
        #expect(against.variants[0].name == "flask:10 @ connections=100, workers=2")

        let comparison = try RunComparison.compare(
            baseline: side(baseline), against: side(against), allowDefinitionChange: false, definitionFile: "e.toml")
        #expect(comparison.variants.count == 1)
        let rps = try #require(comparison.variants.first?.result(.requestsPerSecond))
        #expect(abs((rps.ratio ?? 0) - 2) < 1e-9)
        #expect(rps.verdict == .better)
        #expect(ComparisonReport.summaryLine(comparison).hasPrefix("this machine: 2.00× "), "\(ComparisonReport.summaryLine(comparison))")
    }

    @Test("a package pip installed from a URL ('name @ url') is compared by where it came from")
    func directReferencePackages() throws {
        var base = fixtureRun(id: 1, rates: ["aiohttp": [30, 31]])
        base.software.pipFreeze = ["aiohttp==3.14.0", "My_Lib @ file:///src/mylib"]
        var other = fixtureRun(id: 2, rates: ["aiohttp": [30, 31]])
        other.software.pipFreeze = ["aiohttp==3.14.0", "my-lib @ git+https://example.org/mylib@v2"]
        let comparison = try RunComparison.compare(
            baseline: side(base), against: side(other), allowDefinitionChange: false, definitionFile: "e.toml")
        #expect(comparison.machines.differing == [
            MachineDifferences.Row(fact: "package my-lib", baseline: "file:///src/mylib", against: "git+https://example.org/mylib@v2")
        ])
    }

    // MARK: Claims

    @Test("each claim form holds or does not hold as the published numbers say")
    func claimsAgainstPublished() throws {
        let source = ClaimSource.published(baseline([
            ("aiohttp", 30702), ("flask:gevent", 7491), ("flask:meinheld", 190), ("flask:10", 1797),
            ("flask:50", 4606), ("flask:100", 4555), ("flask:1000", 4121),
        ]))
        let known = ["aiohttp", "flask:gevent", "flask:meinheld", "flask:10", "flask:50", "flask:100", "flask:1000"].map { CellID(variant: $0) }
        func verdict(_ line: String) throws -> ClaimResult.Verdict {
            let claims = try Claim.parse([line], known: known, file: "report.md", firstLine: 10)
            return ClaimCheck.evaluate(try #require(claims.first), in: source).verdict
        }
        #expect(try verdict("most requests: aiohttp") == .holds)
        #expect(try verdict("most requests: flask:gevent") == .doesNotHold)
        #expect(try verdict("more requests: flask:gevent > flask:[0-9]*") == .holds)
        #expect(try verdict("more requests: flask:10 > flask:[0-9]*") == .doesNotHold)
        #expect(try verdict("fewest requests: flask:meinheld") == .holds)
        #expect(try verdict("fewest requests: flask:10") == .doesNotHold)
        #expect(try verdict("no gain requests: flask:50 -> flask:100 flask:1000") == .holds)
        #expect(try verdict("no gain requests: flask:10 -> flask:50") == .doesNotHold)
        // Latency knows its polarity: a lower p50 is the gain.
        #expect(try verdict("no gain p50: flask:50 -> flask:100") == .holds)
        #expect(try verdict("no gain p50: flask:100 -> flask:50") == .doesNotHold)

        let claim = try #require(try Claim.parse(["more requests: flask:gevent > flask:[0-9]*"], known: known, file: "r.md", firstLine: 1).first)
        #expect(claim.form == .more(CellID(variant: "flask:gevent"), than: ["flask:10", "flask:50", "flask:100", "flask:1000"].map { CellID(variant: $0) }))
        #expect(claim.sentence == "flask:gevent serves more requests than flask:10, flask:50, flask:100 and flask:1000")
        #expect(ClaimCheck.evaluate(claim, in: source).detail.contains("highest of the others flask:50 4,606"))
    }

    @Test("no gain uses the 95% intervals when both variants have two or more trials, else plain values")
    func noGainWithIntervals() throws {
        var base = VariantStatistics(cell: CellID(variant: "flask:50"), position: 0)
        base.trialsOK = 3
        base.throughput.requestsMean = 4600
        base.throughput.requestsCI95 = 4500...4700
        var within = VariantStatistics(cell: CellID(variant: "flask:100"), position: 1)
        within.trialsOK = 3
        within.throughput.requestsMean = 4680
        within.throughput.requestsCI95 = 4600...4760
        var clear = VariantStatistics(cell: CellID(variant: "flask:200"), position: 2)
        clear.trialsOK = 3
        clear.throughput.requestsMean = 5000
        clear.throughput.requestsCI95 = 4900...5100
        var single = VariantStatistics(cell: CellID(variant: "flask:400"), position: 3)
        single.trialsOK = 1
        single.throughput.requestsMean = 4601
        let source = ClaimSource.run([base, within, clear, single], name: "this run")
        let known = ["flask:50", "flask:100", "flask:200", "flask:400", "flask:800"].map { CellID(variant: $0) }
        func result(_ line: String) throws -> ClaimResult {
            ClaimCheck.evaluate(try #require(try Claim.parse([line], known: known, file: "r.md", firstLine: 1).first), in: source)
        }

        // Higher mean, but inside the noise: no gain.
        #expect(try result("no gain requests: flask:50 -> flask:100").verdict == .holds)
        #expect(try result("no gain requests: flask:50 -> flask:100").detail.contains("95% intervals"))
        #expect(try result("no gain requests: flask:50 -> flask:200").verdict == .doesNotHold)
        // One trial: a plain comparison, and it says so.
        let plain = try result("no gain requests: flask:50 -> flask:400")
        #expect(plain.verdict == .doesNotHold)
        #expect(plain.detail.contains("one value per variant"))
        // A variant this run did not measure cannot settle a claim.
        #expect(try result("no gain requests: flask:800 -> flask:50").verdict == .cannotCheck)
        #expect(try result("more requests: flask:200 > flask:100 flask:800").detail.contains("flask:800 is not measured in this run"))
    }

    @Test(
        "an unknown claim form, metric or variant is an error naming file and line",
        arguments: [
            ("best requests: aiohttp", "unknown claim 'best requests'"),
            ("most speed: aiohttp", "unknown metric 'speed'"),
            ("most requests: aiohtp", "unknown variant 'aiohtp'"),
            ("more requests: aiohttp > django:*", "unknown variant 'django:*'"),
            ("more requests: aiohttp flask:10", "separates the variant from the others with '>'"),
            ("aiohttp wins", "a claim line reads"),
        ])
    func claimErrors(line: String, message: String) throws {
        let error = try #require(throws: ReportgenError.self) {
            try Claim.parse(["# a comment", "", line], known: [CellID(variant: "aiohttp"), CellID(variant: "flask:10")], file: "experiments/x/report.md", firstLine: 41)
        }
        #expect(error.code == .badDefinition)
        #expect(error.location == SourceLocation(file: "experiments/x/report.md", line: 43))
        #expect(error.message.contains(message))
        #expect(error.hint != nil)
    }

    @Test("the claims cell checks each claim against the published table and this run")
    func claimsCell() throws {
        let published = baseline([("aiohttp", 30702), ("flask:10", 1797)])
        var aiohttp = VariantStatistics(cell: CellID(variant: "aiohttp"), position: 0)
        aiohttp.trialsOK = 1
        aiohttp.throughput.requestsMean = 100
        var flask = VariantStatistics(cell: CellID(variant: "flask:10"), position: 1)
        flask.trialsOK = 1
        flask.throughput.requestsMean = 200
        let claims = try Claim.parse(["most requests: aiohttp"], known: [CellID(variant: "aiohttp"), CellID(variant: "flask:10")], file: "r.md", firstLine: 1)

        let markdown = ClaimCheck.markdown(claims, sources: [.published(published), .run([aiohttp, flask], name: "this run")])

        #expect(markdown.contains("| aiohttp serves the most requests"))
        #expect(markdown.contains("**holds**: aiohttp 30,702; next flask:10 1,797 (2 variants)"))
        #expect(markdown.contains("**does not hold**: flask:10 200 against aiohttp 100 (2 variants)"))
    }

    @Test("a variant that wins while it lost trials to failures, or answered with errors, wins with a but")
    func claimsWithErrors() throws {
        var aiohttp = VariantStatistics(cell: CellID(variant: "aiohttp"), position: 0)
        aiohttp.trialsOK = 2
        aiohttp.trialsFailed = 1
        aiohttp.throughput.requestsMean = 300
        aiohttp.throughput.requestsPerTrial = [300, 300]
        var gevent = VariantStatistics(cell: CellID(variant: "flask:gevent"), position: 1)
        gevent.trialsOK = 3
        gevent.throughput.requestsMean = 200
        gevent.throughput.requestsPerTrial = [200, 200, 200]
        gevent.errors = ErrorStatistics(counts: ErrorCounts(status: 3, timeout: 50), requests: 600)
        var flask = VariantStatistics(cell: CellID(variant: "flask:10"), position: 2)
        flask.trialsOK = 3
        flask.throughput.requestsMean = 100
        flask.throughput.requestsPerTrial = [100, 100, 100]
        let source = ClaimSource.run([aiohttp, gevent, flask], name: "this run", maxErrorRate: 0.01)
        let known = ["aiohttp", "flask:gevent", "flask:10"].map { CellID(variant: $0) }
        let most = try #require(Claim.parse(["most requests: aiohttp"], known: known, file: "r.md", firstLine: 1).first)
        let result = ClaimCheck.evaluate(most, in: source)
        #expect(result.verdict == .holds)
        #expect(result.detail.hasSuffix("; **but** aiohttp lost 1 of 3 trials to failures, left out of its numbers"))
        // 3 non-2xx of 600 requests is 0.5%, above a tenth of the limit; timeouts are not errors.
        let more = try #require(Claim.parse(["more requests: flask:gevent > flask:10"], known: known, file: "r.md", firstLine: 1).first)
        #expect(ClaimCheck.evaluate(more, in: source).detail.hasSuffix("; **but** flask:gevent answered 0.50% of its requests with errors"))
        // A clean winner needs no but.
        let clean = try #require(Claim.parse(["more requests: flask:10 > flask:gevent"], known: known, file: "r.md", firstLine: 1).first)
        #expect(!ClaimCheck.evaluate(clean, in: source).detail.contains("but"))
    }

    @Test("the published cell sets both tables side by side and notes differing windows")
    func publishedSection() throws {
        var aiohttp = VariantStatistics(cell: CellID(variant: "aiohttp"), position: 0)
        aiohttp.trialsOK = 1
        aiohttp.throughput.requestsMean = 4000
        aiohttp.latency.p50Ms = 12.5
        aiohttp.latency.p99Ms = 40
        let table = PublishedSection.markdown(baseline([("aiohttp", 30702), ("flask:10", 1797)]), [aiohttp], window: .seconds(3))
        #expect(table.contains("| variant  | requests 2017 | requests here (mean) | p50 2017 (ms) | p50 here (ms) | p99 2017 (ms) | p99 here (ms) |"))
        #expect(table.contains("| aiohttp  |        30,702 |                4,000 |"))
        #expect(table.contains("The windows differ (published 20.00 s, here 3 s)"))
        #expect(table.contains("not measured in this run"))
        let chart = PublishedSection.chart(baseline([("aiohttp", 30702)]), [aiohttp], window: .seconds(3))
        #expect(chart.groups == [GroupedBarChart.Group(name: "aiohttp", values: [4000, 30702])])
        #expect(chart.sources == ["this machine", "published 2017"])
    }

    // MARK: Reports

    @Test("a report of an experiment with a baseline reads it without writing the store, and fills the published and claims cells")
    func reportWithBaseline() throws {
        try withExperiment(template: """
            # Fixture

            ```published
            ```

            ```chart published
            ```

            ```claims
            most requests: aiohttp
            no gain requests: flask:10 -> flask:[0-9]*
            ```
            """
        ) { folder, experiment, store in
            let output = folder.appendingPathComponent("output")
            let before = try Data(contentsOf: store.path)
            let files = try ReportBuilder.render(store: store, runID: nil, experiment: experiment, outputRoot: output)
            let markdown = try String(contentsOf: files.markdown, encoding: .utf8)

            #expect(try store.listRuns().count == 1, "rendering imports nothing")
            #expect(try Data(contentsOf: store.path) == before, "rendering writes nothing to the store")
            #expect(markdown.contains("| variant  | requests 2017 | requests here (mean) |"))
            #expect(markdown.contains("![Requests: this machine vs published 2017](published-comparison.png)"))
            #expect(markdown.contains("**holds**: aiohttp 30,702; next flask:50 4,606 (3 variants)"))
            #expect(markdown.contains("**holds**: aiohttp 1,100; next flask:10 230 (2 variants)"))
            #expect(markdown.contains("| flask:50 serves no more requests than flask:10"))
            #expect(markdown.contains("**does not hold**: flask:50 4,606 improves on flask:10 1,797 (one value per variant"))
            #expect(markdown.contains("*cannot be checked*: flask:50 is not measured in this run"))
            #expect(files.charts.contains { $0.png.lastPathComponent == "published-comparison.png" })
            #expect(FileManager.default.fileExists(atPath: files.folder.appendingPathComponent("published-comparison.svg").path))
        }
    }

    @Test("a write-up without a published cell still gets the comparison; a malformed baseline names file and line")
    func reportDefaultsAndErrors() throws {
        try withExperiment(template: "# Fixture\n\n```table\n```\n") { folder, experiment, store in
            let output = folder.appendingPathComponent("output")
            let files = try ReportBuilder.render(store: store, runID: nil, experiment: experiment, outputRoot: output)
            let markdown = try String(contentsOf: files.markdown, encoding: .utf8)
            #expect(markdown.contains("## Compared with the published numbers"))
            #expect(markdown.contains("| flask:50 |"))

            let csv = experiment.directory.appendingPathComponent("baseline/published-2017.csv")
            try "variant,min_ms,p50_ms,p99_ms,p99_9_ms,max_ms,mean_ms,duration_s,requests\naiohttp,1,2,3,4,5,6,20,lots\n"
                .write(to: csv, atomically: true, encoding: .utf8)
            let error = try #require(throws: ReportgenError.self) {
                try ReportBuilder.render(store: store, runID: nil, experiment: experiment, outputRoot: output)
            }
            #expect(error.location?.file.hasSuffix("baseline/published-2017.csv") == true)
            #expect(error.location?.line == 2)
        }
    }

    // MARK: Fixtures

    /// An experiment folder with a baseline CSV and a store holding one complete run of it:
    /// aiohttp (1000 and 1200 requests) and flask:10 (200 and 260); flask:50 is defined but
    /// not measured.
    private func withExperiment(template: String, _ body: (URL, ExperimentDefinition, ResultStore) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-comparison-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let directory = folder.appendingPathComponent("experiments/fixture")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("upstream"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("baseline"), withIntermediateDirectories: true)
        let definition = """
            title = "Fixture"
            trials = 2

            [upstream]
            root = "upstream"

            [app]
            server = "gunicorn"
            module = "apps.flask_app:app"
            workers = 2
            requirements = "requirements.lock"

            [load]
            generator = "wrk"
            path = "/remote"
            connections = 400
            threads = 10
            duration = "20s"
            timeout = "10s"
            warmup = "2s"

            [[variants]]
            name = "aiohttp"
            module = "apps.aiohttp_app:app"
            worker_class = "aiohttp.GunicornWebWorker"

            [[variants]]
            name = "flask:{threads}"
            worker_class = "gthread"
            threads = [10, 50]
            """
        try "flask==3.1.3\n".write(to: directory.appendingPathComponent("requirements.lock"), atomically: true, encoding: .utf8)
        try AppStandIns.write(into: directory)
        try definition.write(to: directory.appendingPathComponent("experiment.toml"), atomically: true, encoding: .utf8)
        try template.write(to: directory.appendingPathComponent("report.md"), atomically: true, encoding: .utf8)
        try """
            variant,min_ms,p50_ms,p99_ms,p99_9_ms,max_ms,mean_ms,duration_s,requests
            aiohttp,163.27,247.72,352.75,404.59,1414.08,257.59,20.10,30702
            flask:10,163.05,4419.11,4505.59,4659.46,4667.55,3880.05,20.05,1797
            flask:50,122.17,472.98,3978.68,8599.01,9845.94,541.13,20.10,4606
            """.write(to: directory.appendingPathComponent("baseline/published-2017.csv"), atomically: true, encoding: .utf8)
        let experiment = try DefinitionLoader.load(experiment: "fixture", projectRoot: folder)

        let store = try ResultStore(path: folder.appendingPathComponent("results.sqlite"))
        let machineID = try store.machineID(for: MachineInfo(
            fingerprint: "fixture", hostname: "fixture-host", cpuModel: "Example CPU", cpuCores: 2,
            memoryBytes: 8 << 30, kernel: "6.1.0", os: "Debian 12", cpuGovernor: nil))
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let overrides = RunOverrides(variants: ["aiohttp", "flask:10"])
        let (run, variants) = try store.createRun(
            NewRun(
                experiment: "fixture", definitionHash: "fixture-hash", definitionText: definition, machineID: machineID,
                startedAt: start, toolVersion: "0.1.0", projectCommit: nil, shuffleSeed: 42,
                overrides: overrides, software: SoftwareVersions(reportgen: "0.1.0"), upstreamCommandLine: "nginx"),
            variants: [
                NewVariant(cell: CellID(variant: "aiohttp"), position: 0, config: VariantConfig(workerClass: "aiohttp.GunicornWebWorker")),
                NewVariant(cell: CellID(variant: "flask:10"), position: 1, config: VariantConfig(workerClass: "gthread", threads: 10)),
            ])
        for (order, trial) in [("aiohttp", 1, Int64(1000)), ("aiohttp", 2, 1200), ("flask:10", 1, 200), ("flask:10", 2, 260)].enumerated() {
            let variant = try #require(variants.first { $0.name == trial.0 })
            try store.recordTrial(.fixture(
                variantID: variant.id, trialIndex: trial.1, runOrder: order, startedAt: start, endedAt: start,
                requests: trial.2, latency: [LatencyBucket(latencyUs: 2_000 * Int64(order + 1), count: trial.2)]))
        }
        try store.setRunStatus(run.id, .complete, finishedAt: start)
        try body(folder, experiment, store)
    }


    private func side(_ data: RunData) -> ComparisonSide {
        ComparisonSide(label: "run \(data.run.id)", data: data, variants: ComparisonSide.measuredVariants(data))
    }

    private func baseline(_ rows: [(String, Int64)]) -> PublishedBaseline {
        PublishedBaseline(
            label: "published 2017", file: "baseline/published-2017.csv",
            rows: rows.enumerated().map { index, row in
                PublishedRow(
                    variant: row.0, minMs: 1, p50Ms: 100 + Double(index), p99Ms: 900, p999Ms: nil, maxMs: nil,
                    meanMs: nil, durationS: 20, requests: row.1)
            })
    }

    /// A run whose trials last one second each, so a trial's requests are its requests/s.
    /// Each trial's latencies grow with its rate by `latencyShift` µs per request/s.
    private func fixtureRun(
        id: Int64, rates: [String: [Double]], kind: RunKind = .measured, latencyShift: Int64 = 10,
        definition: String = "title = \"demo\"\n"
    ) -> RunData {
        var variants: [StoredVariant] = []
        var trials: [StoredTrial] = []
        for (position, name) in rates.keys.sorted().enumerated() {
            let variantID = id * 100 + Int64(position)
            variants.append(.fixture(id: variantID, runID: id, name: name, position: position))
            for (index, rate) in (rates[name] ?? []).enumerated() {
                let base = 1_000 + Int64(rate) * latencyShift + Int64(index) * 7
                trials.append(StoredTrial(
                    id: variantID * 10 + Int64(index),
                    record: .fixture(
                        variantID: variantID, trialIndex: index + 1, runOrder: index,
                        startedAt: Date(timeIntervalSince1970: 0), endedAt: Date(timeIntervalSince1970: 1),
                        durationUs: 1_000_000, requests: Int64(rate),
                        latency: [
                            LatencyBucket(latencyUs: base, count: 50), LatencyBucket(latencyUs: base * 2, count: 49),
                            LatencyBucket(latencyUs: base * 10, count: 1),
                        ])))
            }
        }
        return RunData.fixture(
            run: StoredRun(
                id: id, experiment: "demo", definitionHash: "h-" + definition.prefix(8), machineID: 1,
                startedAt: Date(timeIntervalSince1970: 1_795_801_800 + Double(id)), finishedAt: nil, status: .complete,
                kind: kind, shuffleSeed: 42, quick: false),
            definitionText: definition,
            software: SoftwareVersions(
                reportgen: "0.1.0", python: "Python 3.11.2", pipFreeze: ["aiohttp==3.14.0", "Flask==3.1.0"]),
            machine: MachineInfo(
                fingerprint: "f00d", hostname: "bench", cpuModel: "Test CPU", cpuCores: 2, memoryBytes: 4 << 30,
                kernel: "6.1.0", os: "Debian 12", cpuGovernor: nil),
            variants: variants, trials: trials)
    }
}
