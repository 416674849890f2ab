import Foundation
import LoadGen
@testable import Core
@testable import Definition
@testable import Records
@testable import Store

/// Records built the way the runner builds them, with defaults for what a test leaves out.
extension TrialRecord {
    public static func fixture(
        variantID: Int64, trialIndex: Int, runOrder: Int, status: TrialStatus = .ok,
        startedAt: Date = Date(timeIntervalSince1970: 1_800_000_000), endedAt: Date? = nil,
        durationUs: Int64 = 20_000_000, requests: Int64, bytes: Int64 = 0, errors: ErrorCounts = ErrorCounts(),
        latency: [LatencyBucket] = [], generatorPercentiles: [Double: Double] = [:], percentileNote: String? = nil,
        failure: String? = nil,
        commandLine: String = "wrk", serverCommandLine: String = "gunicorn", runnerCPUUs: Int64 = 0,
        loadAverage: Double? = nil, memoryAvailableBytes: Int64? = nil, resources: [ResourceSample] = [],
        requestLog: ContiguousArray<RequestSample>? = nil
    ) -> TrialRecord {
        TrialRecord(
            key: TrialKey(variantID: variantID, trialIndex: trialIndex, runOrder: runOrder),
            startedAt: startedAt, endedAt: endedAt ?? startedAt.addingTimeInterval(30),
            outcome: status == .ok ? .ok : .failed(reason: failure ?? "failed", log: nil),
            measurement: LoadMeasurement(
                durationUs: durationUs, requests: requests, bytes: bytes, errors: errors, latency: latency,
                generatorPercentiles: generatorPercentiles,
                percentileNote: percentileNote ?? (generatorPercentiles.isEmpty ? nil : "as reported"), requestLog: requestLog),
            conditions: HostConditions(
                loadAverage: loadAverage, memoryAvailableBytes: memoryAvailableBytes, runnerCPUUs: runnerCPUUs),
            commands: TrialCommands(load: commandLine, server: serverCommandLine), resources: resources)
    }
}

extension StoredVariant {
    /// A variant outside a sweep, named `name`.
    public static func fixture(id: Int64, runID: Int64, name: String, position: Int, config: VariantConfig = VariantConfig()) -> StoredVariant {
        StoredVariant(
            id: id, runID: runID, cell: CellID(variant: name), position: position,
            configJSON: (try? StoreJSON.encode(config)) ?? "", config: config)
    }
}

extension RunData {
    public static func fixture(
        run: StoredRun, definitionText: String, projectCommit: String? = nil, overrides: RunOverrides = RunOverrides(),
        software: SoftwareVersions, upstreamCommandLine: String = "nginx", machine: MachineInfo,
        variants: [StoredVariant], trials: [StoredTrial]
    ) -> RunData {
        RunData(
            run: run, definitionText: definitionText, toolVersion: "0.1.0", projectCommit: projectCommit,
            overridesJSON: (try? StoreJSON.encode(overrides)) ?? "", overrides: overrides,
            softwareJSON: (try? StoreJSON.encode(software)) ?? "", software: software,
            upstreamCommandLine: upstreamCommandLine, machine: machine, variants: variants, trials: trials)
    }
}

/// The app files a test definition's gunicorn modules name (`apps.flask_app`,
/// `apps.aiohttp_app`, `app`), as empty stand-ins: loading checks that each module has a file.
public enum AppStandIns {
    public static func write(into folder: URL) throws {
        let apps = folder.appendingPathComponent("apps")
        try FileManager.default.createDirectory(at: apps, withIntermediateDirectories: true)
        for file in [apps.appendingPathComponent("__init__.py"), apps.appendingPathComponent("flask_app.py"),
                     apps.appendingPathComponent("aiohttp_app.py"), folder.appendingPathComponent("app.py")] {
            try "app = None\n".write(to: file, atomically: true, encoding: .utf8)
        }
    }
}

extension Date {
    /// The date tests give documents (a PDF's creation date): a fixed moment, so their files
    /// are the same bytes every time.
    public static let fixtureDocumentDate = Date(timeIntervalSince1970: 1_795_801_800)
}
