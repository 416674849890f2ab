import Foundation
import TestFixtures
import Testing

@testable import Core
@testable import Definition
@testable import Records
@testable import Report
@testable import Store

/// The machine factor, relative change and claims, on the shipped reference run (thinned)
/// and on copies of it with known changes: every trial slower by the same factor, all but
/// one variant slower, one variant's requests cut so a claim reverses.
@Suite("Replication: machine factor, relative change, claims")
struct ReplicationTests {
    /// The reference run, read once per test from the thinned export.
    private static func reference() throws -> RunData {
        let cache = SnapshotCache(cacheFolder: TestPaths.cache.appending(path: "replication"))
        return try ResultStore.withSnapshot(of: try ThinnedReference.file(), cache: cache) { snapshot in
            let store = snapshot.store
            let run = try #require(try store.listRuns().map(\.run).first { $0.kind == .measured })
            return try store.loadRun(id: run.id)
        }
    }

    private static func side(_ data: RunData, _ label: String) -> ComparisonSide {
        ComparisonSide(label: label, data: data, variants: ComparisonSide.measuredVariants(data))
    }

    /// `data` with the trials of the variants `which` selects changed by `change`.
    private static func changed(_ data: RunData, which: (String) -> Bool, _ change: (inout LoadMeasurement) -> Void) -> RunData {
        var copy = data
        let chosen = Set(data.variants.filter { which($0.cell.description) }.map(\.id))
        for index in copy.trials.indices where chosen.contains(copy.trials[index].key.variantID) {
            change(&copy.trials[index].record.measurement)
        }
        return copy
    }

    /// Every trial `factor` times as fast: the same requests in a window 1/factor as long.
    private static func speed(_ factor: Double) -> (inout LoadMeasurement) -> Void {
        { $0.durationUs = Int64((Double($0.durationUs) / factor).rounded()) }
    }

    private static func compare(_ baseline: RunData, _ against: RunData) throws -> RunComparison {
        try RunComparison.compare(
            baseline: side(baseline, "reference"), against: side(against, "rerun"), allowDefinitionChange: false,
            definitionFile: "experiment.toml")
    }

    @Test("a run compared with itself finds the machine factor 1 and no change on any measure; its claims replicate or say they cannot tell")
    func identical() throws {
        let reference = try Self.reference()
        let comparison = try Self.compare(reference, reference)
        #expect(comparison.variants.count == 11)
        for factor in comparison.factors {
            #expect(abs(factor.ratio - 1) < 1e-12, "\(factor.measure)")
            #expect(try #require(factor.interval).contains(1))
            #expect(factor.kendallTau == 1)
        }
        for variant in comparison.variants {
            for result in variant.measures {
                #expect(!result.verdict.isChange, "\(variant.name) \(result.measure)")
                #expect(result.relative?.verdict.isChange == false, "\(variant.name) \(result.measure)")
            }
        }
        #expect(comparison.claims.count == 4, "the reference's write-up states four claims")
        #expect(comparison.claims.allSatisfy { $0.from == "both" })
        #expect(!comparison.claims.contains { $0.verdict == .reversed || $0.verdict == .cannotCheck }, "\(comparison.claims)")
        // The 2017 post's claim that meinheld served the fewest is clearly false on this run:
        // 41,777 requests [38,336–45,158] against flask:400's 22,394 [18,586–26,053].
        let meinheld = try #require(comparison.claims.first { $0.claim == "flask:meinheld serves the fewest requests" })
        #expect(meinheld.verdict == .holdsOnNeither, "\(meinheld)")
        let aiohttp = try #require(comparison.claims.first { $0.claim == "aiohttp serves the most requests" })
        #expect(aiohttp.verdict == .replicates, "\(aiohttp)")
        // gevent against the threaded variants is within the noise of eight trials.
        let gevent = try #require(comparison.claims.first { $0.claim.hasPrefix("flask:gevent serves more requests than") })
        #expect(gevent.verdict == .inconclusive, "\(gevent)")
    }

    @Test("every trial 0.66× as fast: the machine factor is 0.66 inside its interval, no variant changed relative to it, and every claim verdict is as on the reference")
    func uniformSlowdown() throws {
        let reference = try Self.reference()
        let slower = Self.changed(reference, which: { _ in true }, Self.speed(0.66))
        let comparison = try Self.compare(reference, slower)

        let factor = try #require(comparison.factor(.requestsPerSecond))
        #expect(abs(factor.ratio - 0.66) < 0.001, "\(factor.ratio)")
        let interval = try #require(factor.interval)
        #expect(interval.contains(0.66) && interval.upperBound < 0.7, "\(interval)")
        #expect(factor.kendallTau == 1)
        for variant in comparison.variants {
            let rps = try #require(variant.result(.requestsPerSecond))
            #expect(rps.verdict == .worse, "\(variant.name): a third slower is a change in the raw ratio")
            let relative = try #require(rps.relative)
            #expect(abs(relative.ratio - 1) < 0.001)
            #expect(relative.verdict == .noSignificantDifference, "\(variant.name): \(relative)")
            #expect(try #require(relative.interval).contains(1))
        }
        // Latency did not move.
        #expect(abs((comparison.factor(.p50)?.ratio ?? 0) - 1) < 1e-12)
        let line = ComparisonReport.summaryLine(comparison)
        #expect(line.hasPrefix("this machine: 0.66× [0."), "\(line)")
        #expect(line.contains("; relative to that, no variant changed; "), "\(line)")
        let identical = try Self.compare(reference, reference)
        #expect(comparison.claims.map(\.verdict) == identical.claims.map(\.verdict), "requests per window did not change")
    }

    @Test("all variants 0.66× as fast but aiohttp: aiohttp alone is flagged, faster relative to the machine; the others are not")
    func oneVariantKeepsItsSpeed() throws {
        let reference = try Self.reference()
        let mixed = Self.changed(reference, which: { $0 != "aiohttp" }, Self.speed(0.66))
        let comparison = try Self.compare(reference, mixed)

        let factor = try #require(comparison.factor(.requestsPerSecond))
        #expect(abs(factor.ratio - pow(0.66, 10.0 / 11)) < 0.001, "\(factor.ratio)")
        for variant in comparison.variants {
            let relative = try #require(variant.result(.requestsPerSecond)?.relative)
            if variant.name == "aiohttp" {
                #expect(relative.verdict == .better, "\(relative)")
                #expect(relative.ratio > 1.4)
            } else {
                #expect(relative.verdict == .noSignificantDifference, "\(variant.name): \(relative)")
            }
        }
        let line = ComparisonReport.summaryLine(comparison)
        #expect(line.contains("relative to that, aiohttp rps 1.4"), "\(line)")
        #expect(!line.contains("flask"), "\(line)")
        // The rank of aiohttp cannot move up from first; the order of the rest is unchanged.
        #expect(factor.kendallTau == 1)
    }

    @Test("aiohttp answering a fifth of its requests: 'aiohttp serves the most requests' is reversed, with the numbers of both runs")
    func claimReverses() throws {
        let reference = try Self.reference()
        let cut = Self.changed(reference, which: { $0 == "aiohttp" }) { $0.requests /= 5 }
        let comparison = try Self.compare(reference, cut)
        let most = try #require(comparison.claims.first { $0.claim == "aiohttp serves the most requests" })
        #expect(most.verdict == .reversed, "\(most)")
        #expect(most.baseline.verdict == .holds && most.against.verdict == .doesNotHold)
        #expect(most.against.detail.contains("against aiohttp"), "\(most.against.detail)")
        #expect(ComparisonReport.summaryLine(comparison).contains("claims replicate (1 reversed"), "\(ComparisonReport.summaryLine(comparison))")

        let json = try ComparisonJSON.document(comparison).layout()
        #expect(json.contains("\"verdict\" : \"reversed\""))
        #expect(json.contains("\"machine_factor\" : {"))
    }

    @Test("claims a stranger's write-up cannot state about these runs are a note, not an error")
    func unreadableClaims() throws {
        var reference = try Self.reference()
        reference.writeupText = "# Mine\n\n```claims\nmost requests: nginx-unit\n```\n"
        let comparison = try Self.compare(reference, reference)
        #expect(comparison.claims.isEmpty)
        #expect(comparison.claimNotes.count == 2, "one note for each run's write-up")
        #expect(comparison.claimNotes.first?.contains("unknown variant 'nginx-unit' in a claim") == true, "\(comparison.claimNotes)")
    }
}
