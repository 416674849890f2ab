import Foundation
import TestFixtures
import Testing

import LoadGen
@testable import Report
@testable import Core
@testable import Definition
@testable import Records
@testable import Runner
@testable import Store

/// A two-setting grid stored, read back and rendered: its cells are found by variant and
/// levels, shown as the grid named them, and written inline with their levels in any order.
@Suite("a swept run's cells through the store")
struct SweptStoreTests {
    /// The report fixture's experiment as a grid. Workers (in [app]) are written before
    /// connections (in [load]): the grid's order is workers first, the other way round from
    /// the order of the settings themselves.
    static let definitionText = ReportBuilderTests.definitionText
        .replacingOccurrences(of: "workers = 2\n", with: "workers = [1, 2]\n")
        .replacingOccurrences(of: "connections = 400", with: "connections = [10, 40]")

    static let template = """
        # Grid

        flask:10 with one worker at 10 connections: {{ rps flask:10 @ workers=1, connections=10 }}; \
        the same cell written the other way round: {{ rps flask:10 @ connections=10, workers=1 }}. \
        Best with two workers at 40 connections: {{ best rps @ connections=40, workers=2 }}.

        ```claims
        more rps: aiohttp > flask:10 @ workers=2
        ```

        ```table
        ```
        """

    /// requests/s of each cell: aiohttp serves more than flask:10 everywhere, most with two
    /// workers at 40 connections.
    static func rate(_ cell: CellID) -> Int64 {
        let workers = Int64(cell.level(.workers)?.value ?? 0)
        let connections = Int64(cell.level(.connections)?.value ?? 0)
        return (cell.variant == "aiohttp" ? 1_000 : 100) + workers * 10 + connections
    }

    /// A temporary experiment folder and a store holding one complete run of the grid.
    static func fixture() throws -> (folder: URL, experiment: ExperimentDefinition, store: ResultStore) {
        let (folder, experiment) = try ReportBuilderTests.experimentFolder(definition: definitionText, writeup: template)
        let store = try ResultStore(path: folder.appendingPathComponent("results.sqlite"))
        let machineID = try store.machineID(for: MachineInfo(
            fingerprint: "grid", hostname: "grid-host", cpuModel: "Example CPU", cpuCores: 2,
            memoryBytes: 8 << 30, kernel: "6.1.0 x86_64", os: "Debian GNU/Linux 12 (bookworm)", cpuGovernor: nil))
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let (run, variants) = try store.createRun(
            NewRun(
                experiment: "fixture", definitionHash: "grid-hash", definitionText: definitionText, machineID: machineID,
                startedAt: start, toolVersion: "0.1.0", projectCommit: nil, shuffleSeed: 7, overrides: RunOverrides(),
                software: SoftwareVersions(reportgen: "0.1.0", pipFreeze: []), upstreamCommandLine: "nginx",
                writeupText: template),
            variants: experiment.cells.map {
                NewVariant(cell: $0.cell, position: $0.position, config: VariantConfig(workerClass: $0.workerClass, workers: $0.workers, threads: $0.threads))
            })
        for (order, variant) in variants.enumerated() {
            let requests = rate(variant.cell) * 20
            try store.recordTrial(.fixture(
                variantID: variant.id, trialIndex: 1, runOrder: order + 1,
                startedAt: start.addingTimeInterval(Double(order) * 25), endedAt: start.addingTimeInterval(Double(order) * 25 + 24),
                durationUs: 20_000_000, requests: requests, bytes: requests * 700,
                latency: [LatencyBucket(latencyUs: 2_000, count: requests)]))
        }
        try store.setRunStatus(run.id, .complete, finishedAt: start.addingTimeInterval(300))
        return (folder, experiment, store)
    }

    @Test("cells come back from the store as the grid named them, and resume by variant and levels")
    func storedCells() throws {
        let (folder, experiment, store) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let stored = try store.variants(runID: 1)
        #expect(stored.map(\.cell) == experiment.cells.map(\.cell))
        #expect(stored.map(\.cell.description) == stored.map(\.name))
        #expect(stored.first?.name == "aiohttp @ workers=1, connections=10")
        // What a resumed run skips: every planned trial, however the store orders a cell's levels.
        let done = Set(try store.storedTrials(runID: 1).map { PlannedTrialKey(cell: $0.cell, trial: $0.trialIndex) })
        let plan = TrialPlan(cells: experiment.cells.map(\.cell), trialsPerCell: 1, seed: 7)
        #expect(plan.remaining(excluding: done).isEmpty)
    }

    @Test("inline values and claims find a cell by its levels in any order; an export renders the same")
    func renderedCells() throws {
        let (folder, experiment, store) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = try ReportBuilder.render(store: store, runID: 1, experiment: experiment, outputRoot: folder.appendingPathComponent("output"))
        let markdown = try String(contentsOf: files.markdown, encoding: .utf8)
        #expect(markdown.contains("flask:10 with one worker at 10 connections: 120 requests/s; the same cell written the other way round: 120 requests/s."), "\(markdown)")
        #expect(markdown.contains("Best with two workers at 40 connections: aiohttp."))
        // The claim is checked at each level with two workers, among the cells there.
        #expect(markdown.contains("| aiohttp @ workers=2, connections=10 serves more requests per second than flask:10 @ workers=2, connections=10 | **holds**"))
        #expect(markdown.contains("| aiohttp @ workers=2, connections=40 serves more requests per second than flask:10 @ workers=2, connections=40 | **holds**"))
        #expect(!markdown.contains("workers=1, connections=10 serves"))
        #expect(markdown.contains("| flask:10 @ workers=1, connections=10 "))

        // An export copies a cell's levels without their order; the report reads the same.
        let export = folder.appendingPathComponent("grid.sqlite")
        _ = try store.exportRun(id: 1, to: export)
        let other = try ResultStore(path: folder.appendingPathComponent("other/results.sqlite"))
        let imported = try #require(try other.importRuns(from: export).imported.first)
        let again = try ReportBuilder.render(
            store: other, runID: imported.id, experiment: experiment, outputRoot: folder.appendingPathComponent("again"))
        #expect(try String(contentsOf: again.markdown, encoding: .utf8) == markdown)
    }
}
