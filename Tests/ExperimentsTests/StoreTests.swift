import Foundation
import LoadGen
import TestFixtures
import Testing
@testable import Core
@testable import Definition
@testable import Records
@testable import Store


@Suite("ResultStore")
struct StoreTests {
    @Test("a new store is created with its folder, migrated, and reopens with its data")
    func createMigrateReopen() throws {
        try withTemporaryFolder { folder in
            let url = folder.appending(path: "nested/deeper/results.sqlite")
            let machineID = try ResultStore(path: url).machineID(for: machine())

            let reopened = try ResultStore(path: url)
            #expect(try reopened.machine(id: machineID) == machine())
            #expect(try scalar(url, "PRAGMA user_version") == Int64(StoreSchema.currentVersion))
            #expect(try scalar(url, "PRAGMA application_id") == Int64(StoreSchema.applicationID))
            let mode = try SQLiteDatabase(path: url.path).firstRow("PRAGMA journal_mode") { $0.string(at: 0) }
            #expect(mode == "wal")
        }
    }

    @Test("an empty existing file is taken as a new store")
    func emptyFileIsNewStore() throws {
        try withTemporaryFolder { folder in
            let url = folder.appending(path: "results.sqlite")
            #expect(FileManager.default.createFile(atPath: url.path, contents: Data()))
            _ = try ResultStore(path: url)
            #expect(try scalar(url, "PRAGMA user_version") == Int64(StoreSchema.currentVersion))
        }
    }

    @Test("recording the same machine twice keeps one row and refreshes its facts")
    func machineUpsert() throws {
        try withTemporaryStore { store, url in
            let first = try store.machineID(for: machine())
            var renamed = machine()
            renamed.hostname = "bench-2"
            renamed.cpuGovernor = nil
            let second = try store.machineID(for: renamed)

            #expect(first == second)
            #expect(try scalar(url, "SELECT count(*) FROM machines") == 1)
            #expect(try store.machine(id: first) == renamed)
            #expect(try store.machine(id: first + 1) == nil)
        }
    }

    @Test("a run, its variants and trials read back as stored")
    func runRoundTrip() throws {
        try withTemporaryStore { store, url in
            let machineID = try store.machineID(for: machine())
            let started = Date(timeIntervalSince1970: 1_795_801_800.123)
            let (run, variants) = try store.createRun(
                newRun(machineID: machineID, startedAt: started, seed: .max),
                variants: [
                    NewVariant(cell: CellID(variant: "flask"), position: 1, config: VariantConfig(commandLine: "gunicorn app:app")),
                    NewVariant(cell: CellID(variant: "aiohttp"), position: 0, config: VariantConfig()),
                ])

            #expect(run.status == .running)
            #expect(run.shuffleSeed == .max)
            #expect(run.quick)
            #expect(run.finishedAt == nil)
            #expect(abs(run.startedAt.timeIntervalSince(started)) < 0.001)
            #expect(try store.run(id: run.id) == run)
            #expect(variants.map(\.name) == ["aiohttp", "flask"])
            #expect(try store.variants(runID: run.id) == variants)
            let startedText = try SQLiteDatabase(path: url.path)
                .firstRow("SELECT started_at FROM runs WHERE id = ?", run.id) { $0.string(at: 0) }
            #expect(startedText == "2026-11-27T17:50:00.123Z")

            for variant in variants {
                for index in 0..<2 {
                    try store.recordTrial(trial(
                        variantID: variant.id, index: index, status: index == 0 ? .ok : .failed,
                        buckets: (1...50).map { LatencyBucket(latencyUs: Int64($0) * 100, count: Int64($0)) }))
                }
            }
            try store.setRunStatus(run.id, .complete, finishedAt: started.addingTimeInterval(60))

            #expect(try store.run(id: run.id)?.status == .complete)
            #expect(try store.run(id: run.id)?.finishedAt != nil)
            #expect(try store.storedTrials(runID: run.id) == [
                StoredTrialKey(cell: CellID(variant: "aiohttp"), trialIndex: 0, status: .ok),
                StoredTrialKey(cell: CellID(variant: "aiohttp"), trialIndex: 1, status: .failed),
                StoredTrialKey(cell: CellID(variant: "flask"), trialIndex: 0, status: .ok),
                StoredTrialKey(cell: CellID(variant: "flask"), trialIndex: 1, status: .failed),
            ])
            #expect(try scalar(url, "SELECT count(*) FROM trials") == 4)
            #expect(try scalar(url, "SELECT count(*) FROM latency_samples") == 4 * 50)
            #expect(try scalar(url, "SELECT SUM(count) FROM latency_samples") == 4 * (50 * 51 / 2))
            #expect(try scalar(url, "SELECT count(*) FROM generator_percentiles WHERE note LIKE 'wrk,%'") == 4 * 3)
            #expect(try scalar(url, "SELECT count(*) FROM resource_samples") == 4 * 2)
            // A failed trial always says why; an ok one has no failure.
            #expect(try scalar(url, "SELECT count(*) FROM trials WHERE (status = 'ok') = (failure IS NULL) AND load_average = 1.5") == 4)
        }
    }

    @Test("a built-in trial stores every request, and reads back as throughput per 100 ms")
    func requestLogRoundTrip() throws {
        try withTemporaryStore { store, url in
            let machineID = try store.machineID(for: machine())
            let (run, variants) = try store.createRun(
                newRun(machineID: machineID), variants: [NewVariant(cell: CellID(variant: "aiohttp"), position: 0, config: VariantConfig())])
            // 3 requests per 100 ms over 1 s, a stall from 400 to 600 ms, one timeout.
            var log = ContiguousArray<RequestSample>()
            for bin in 0..<10 where bin != 4 && bin != 5 {
                for slot in 0..<3 {
                    log.append(RequestSample(
                        startUs: UInt32(bin * 100_000 + slot * 20_000), latencyUs: 5_000, bytes: 250,
                        status: 200, connection: UInt16(slot)))
                }
            }
            log.append(RequestSample(startUs: 400_000, latencyUs: 150_000, bytes: 0, status: RequestSample.timedOut, connection: 3))
            var record = trial(variantID: variants[0].id, index: 0)
            record.measurement.durationUs = 1_000_000
            record.measurement.requests = Int64(log.count)
            record.measurement.errors.timeout = 1
            record.measurement.latency = [LatencyBucket(latencyUs: 5_000, count: 24), LatencyBucket(latencyUs: 150_000, count: 1)]
            record.measurement.requestLog = log
            record.measurement.percentileNote = LoadGeneratorKind.builtin.percentileNote(openLoop: false)
            record.commands.load = "/opt/reportgen load --connections 4 --threads 1 --duration 1s --timeout 10s --samples /tmp/t.samples http://127.0.0.1:1/"
            try store.recordTrial(record)

            #expect(try scalar(url, "SELECT count(*) FROM requests") == 25)
            #expect(try scalar(url, "SELECT SUM(count) FROM latency_samples") == 25)
            #expect(try scalar(url, "SELECT count(*) FROM requests WHERE status = 0 AND connection = 3 AND latency_us = 150000") == 1)
            #expect(try scalar(url, "SELECT count(*) FROM generator_percentiles WHERE note = 'reportgen load, every request, closed loop'") == 3)
            let data = try store.loadRun(id: run.id)
            #expect(data.trials[0].throughput == [3, 3, 3, 3, 0, 0, 3, 3, 3, 3])

            // A wrk trial keeps no requests and has no throughput series.
            try store.recordTrial(trial(variantID: variants[0].id, index: 1))
            #expect(try store.loadRun(id: run.id).trials[1].throughput == nil)
        }
    }

    @Test("a trial that cannot be stored leaves nothing behind")
    func recordTrialIsAtomic() throws {
        try withTemporaryStore { store, url in
            let machineID = try store.machineID(for: machine())
            let (_, variants) = try store.createRun(
                newRun(machineID: machineID), variants: [NewVariant(cell: CellID(variant: "a"), position: 0, config: VariantConfig())])
            let variantID = try #require(variants.first).id
            let buckets = [LatencyBucket(latencyUs: 900, count: 7)]
            try store.recordTrial(trial(variantID: variantID, index: 0, buckets: buckets))

            let duplicate = trial(variantID: variantID, index: 0, buckets: buckets + buckets)
            let error = try #require(throws: ReportgenError.self) { try store.recordTrial(duplicate) }
            #expect(error.underlying.map { "\($0)" }?.contains("UNIQUE") == true)

            #expect(try scalar(url, "SELECT count(*) FROM trials") == 1)
            #expect(try scalar(url, "SELECT count(*) FROM latency_samples") == 1)
            #expect(try scalar(url, "SELECT count(*) FROM generator_percentiles") == 3)
            #expect(try scalar(url, "SELECT count(*) FROM resource_samples") == 2)
            // The failed transaction was rolled back, so the next trial can be written.
            try store.recordTrial(trial(variantID: variantID, index: 1, buckets: buckets))
            #expect(try scalar(url, "SELECT count(*) FROM trials") == 2)
        }
    }

    @Test("latestRun finds the newest run of the same definition on the same machine")
    func latestRun() throws {
        try withTemporaryStore { store, _ in
            let here = try store.machineID(for: machine())
            var otherMachine = machine()
            otherMachine.fingerprint = "other"
            let there = try store.machineID(for: otherMachine)

            _ = try store.createRun(newRun(machineID: here), variants: [])
            let (newest, _) = try store.createRun(newRun(machineID: here), variants: [])
            _ = try store.createRun(newRun(machineID: here, hash: "changed"), variants: [])
            _ = try store.createRun(newRun(machineID: there), variants: [])

            #expect(try store.latestRun(experiment: "demo", definitionHash: "h1", machineID: here) == newest)
            #expect(try store.latestRun(experiment: "other", definitionHash: "h1", machineID: here) == nil)
        }
    }

    @Test("listRuns shows runs newest first with variant and trial counts")
    func listRuns() throws {
        try withTemporaryStore { store, _ in
            let machineID = try store.machineID(for: machine())
            let (older, olderVariants) = try store.createRun(
                newRun(machineID: machineID),
                variants: [NewVariant(cell: CellID(variant: "a"), position: 0, config: VariantConfig()), NewVariant(cell: CellID(variant: "b"), position: 1, config: VariantConfig())])
            let (newer, _) = try store.createRun(newRun(machineID: machineID), variants: [])
            for (index, status) in [TrialStatus.ok, .ok, .failed].enumerated() {
                try store.recordTrial(trial(variantID: olderVariants[index % 2].id, index: index, status: status))
            }

            let listing = try store.listRuns()
            #expect(listing.map(\.run.id) == [newer.id, older.id])
            #expect(listing.map(\.variantCount) == [0, 2])
            #expect(listing.map(\.trialsOK) == [0, 2])
            #expect(listing.map(\.trialsFailed) == [0, 1])
            #expect(listing.allSatisfy { $0.hostname == "bench-1" })
        }
    }

    @Test("recording a trial of 200k latency buckets is quick")
    func largeDistribution() throws {
        try withTemporaryStore { store, url in
            let machineID = try store.machineID(for: machine())
            let (_, variants) = try store.createRun(
                newRun(machineID: machineID), variants: [NewVariant(cell: CellID(variant: "a"), position: 0, config: VariantConfig())])
            let buckets = (0..<200_000).map { LatencyBucket(latencyUs: Int64($0), count: 2) }
            let record = trial(variantID: try #require(variants.first).id, index: 0, buckets: buckets)

            let elapsed = try ContinuousClock().measure { try store.recordTrial(record) }

            #expect(try scalar(url, "SELECT SUM(count) FROM latency_samples") == 400_000)
            // Generous for debug builds on a busy machine; a per-row commit would take minutes.
            #expect(elapsed < .seconds(20))
        }
    }

    @Test("an older store's resource samples are told apart: the rows before the series restarts were taken before the window")
    func samplePhasesMigrate() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-phases-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("old.sqlite")
        // A store of schema 4, written the way the runner of then wrote samples: the sampler's
        // own clock until the window, then the window's, from 0 again.
        do {
            let old = try SQLiteDatabase(path: url.path)
            for migration in StoreSchema.migrations.prefix(4) { try old.execute(migration.sql) }
            try old.execute("PRAGMA application_id = \(StoreSchema.applicationID); PRAGMA user_version = 4")
            try old.execute("""
                INSERT INTO machines VALUES (1, 'f', 'h', 'cpu', 2, 1, 'k', 'os', NULL);
                INSERT INTO runs (id, experiment, definition_hash, definition_text, machine_id, started_at, status,
                    tool_version, shuffle_seed, overrides_json, software_json, upstream_command_line)
                    VALUES (1, 'e', 'h', 't', 1, '2026-01-01T00:00:00.000Z', 'complete', '0.1.0', 1, '{}',
                        '{"reportgen":"0.1.0","pipFreeze":[]}', 'nginx');
                INSERT INTO variants VALUES (1, 1, 'a', 0, '{}');
                INSERT INTO trials (id, variant_id, trial_index, run_order, status, started_at, ended_at, duration_us,
                    requests, bytes, errors_connect, errors_read, errors_write, errors_status, errors_timeout,
                    command_line, server_command_line, runner_cpu_us)
                    VALUES (1, 1, 1, 1, 'ok', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z', 1000000, 1, 1,
                    0, 0, 0, 0, 0, 'wrk', 'gunicorn', 0);
                INSERT INTO resource_samples VALUES (1, 5, 'app', 1, 0, 1), (1, 5, 'upstream', 1, 0, 1),
                    (1, 255, 'app', 2, 0, 1), (1, 255, 'upstream', 2, 0, 1), (1, 505, 'app', 3, 0, 1),
                    (1, 40, 'app', 4, 0, 1), (1, 40, 'upstream', 4, 0, 1), (1, 290, 'app', 5, 0, 1), (1, 540, 'app', 6, 0, 1);
                """)
        }
        let store = try ResultStore(path: url)
        let phases = try store.database.rows("SELECT role, t_ms, phase FROM resource_samples ORDER BY rowid") {
            "\(try $0.requiredString(at: 0)) \($0.int64(at: 1)) \(try $0.requiredString(at: 2))"
        }
        #expect(phases == [
            "app 5 before", "upstream 5 before", "app 255 before", "upstream 255 before", "app 505 before",
            "app 40 window", "upstream 40 window", "app 290 window", "app 540 window",
        ])
        let trial = try #require(store.loadRun(id: 1).trials.first)
        #expect(trial.resources.filter { $0.phase == .window && $0.role == .app }.map(\.cpuUserMs) == [4, 5, 6])
    }

    @Test("a file that is not SQLite is refused and left untouched")
    func refusesTextFile() throws {
        try withTemporaryFolder { folder in
            let url = folder.appending(path: "results.sqlite")
            let text = Data(String(repeating: "variant,rps\nflask,1200\n", count: 40).utf8)
            try text.write(to: url)

            let error = try #require(throws: ReportgenError.self) { try ResultStore(path: url) }

            #expect(error.code == .badStore)
            #expect(error.message.contains("not a database"))
            #expect(error.location?.file == url.path)
            #expect(try Data(contentsOf: url) == text)
        }
    }

    @Test("another program's SQLite database is refused and left untouched")
    func refusesForeignDatabase() throws {
        try withTemporaryFolder { folder in
            let url = folder.appending(path: "results.sqlite")
            do {
                let foreign = try SQLiteDatabase(path: url.path)
                try foreign.execute("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me')")
            }
            let before = try Data(contentsOf: url)

            let error = try #require(throws: ReportgenError.self) { try ResultStore(path: url) }

            #expect(error.code == .badStore)
            #expect(error.message.contains("another program"))
            #expect(try Data(contentsOf: url) == before)
        }
    }

    @Test("a store from a newer reportgen is refused and left untouched")
    func refusesNewerStore() throws {
        try withTemporaryFolder { folder in
            let url = folder.appending(path: "results.sqlite")
            _ = try ResultStore(path: url).machineID(for: machine())
            try SQLiteDatabase(path: url.path).execute("PRAGMA user_version = 99")
            let before = try Data(contentsOf: url)

            let error = try #require(throws: ReportgenError.self) { try ResultStore(path: url) }

            #expect(error.code == .badStore)
            #expect(error.message.contains("newer reportgen (schema 99, this build knows \(StoreSchema.currentVersion))"))
            #expect(error.hint?.contains("--db") == true)
            #expect(try Data(contentsOf: url) == before)
        }
    }
}

extension StoreTests {
    /// Two variants, one trial each with latency rows and a failed one without.
    private func storeWithTrials(_ store: ResultStore) throws -> (runID: Int64, latency: [[LatencyBucket]]) {
        let machineID = try store.machineID(for: machine())
        let (run, variants) = try store.createRun(
            newRun(machineID: machineID),
            variants: [
                NewVariant(cell: CellID(variant: "a"), position: 0, config: VariantConfig()),
                NewVariant(cell: CellID(variant: "b"), position: 1, config: VariantConfig()),
            ])
        let latency = [
            PackedLatencyTests.mixed(500, seed: 1), [], PackedLatencyTests.mixed(300, seed: 2),
        ]
        for (index, (variant, buckets)) in zip([variants[0], variants[0], variants[1]], latency).enumerated() {
            try store.recordTrial(trial(variantID: variant.id, index: index, status: buckets.isEmpty ? .failed : .ok, buckets: buckets))
        }
        return (run.id, latency)
    }

    private func readLatency(_ store: ResultStore, run: Int64) throws -> [[LatencyBucket]] {
        try store.loadRun(id: run).trials.map { PackedLatencyTests.sorted($0.measurement.latency) }
    }

    @Test("a trial's latency reads back the same from its packed blob, from its rows alone, and past a damaged blob")
    func packedLatencyReadsAsRows() throws {
        try withTemporaryStore { store, url in
            let (run, latency) = try storeWithTrials(store)
            let expected = latency.map(PackedLatencyTests.sorted)
            #expect(try scalar(url, "SELECT count(*) FROM latency_histograms") == 3)
            #expect(try scalar(url, "SELECT sum(buckets) FROM latency_histograms") == Int64(latency.map(\.count).reduce(0, +)))
            #expect(try readLatency(store, run: run) == expected)

            // What the blob says is what is read: a blob of other buckets shows, so the test
            // above can fail (this store is this machine's own, its blobs are its own writing).
            let other = [LatencyBucket(latencyUs: 42, count: 1)]
            try SQLiteDatabase(path: url.path).run(
                "UPDATE latency_histograms SET buckets = 1, packed = ? WHERE trial_id = 1", PackedLatency.encode(other))
            #expect(try readLatency(store, run: run)[0] == other)

            // A blob cut short, one that claims more buckets than it holds, and a missing one:
            // the rows are read instead.
            let database = try SQLiteDatabase(path: url.path)
            try database.execute("UPDATE latency_histograms SET buckets = buckets + 1 WHERE trial_id = 1")
            try database.execute("UPDATE latency_histograms SET packed = substr(packed, 1, 9) WHERE trial_id = 3")
            try database.execute("DELETE FROM latency_histograms WHERE trial_id = 2")
            #expect(try readLatency(store, run: run) == expected)
            try database.execute("DELETE FROM latency_histograms")
            #expect(try readLatency(store, run: run) == expected)

            // A row changed or removed by hand takes its trial's blob along (a trigger).
            try PackedLatency.rebuild(database)
            #expect(try scalar(url, "SELECT count(*) FROM latency_histograms") == 3)
            try database.execute("UPDATE latency_samples SET count = count + 1 WHERE rowid = (SELECT min(rowid) FROM latency_samples WHERE trial_id = 1)")
            try database.execute("DELETE FROM latency_samples WHERE rowid = (SELECT max(rowid) FROM latency_samples WHERE trial_id = 3)")
            #expect(try scalar(url, "SELECT group_concat(trial_id) FROM latency_histograms") == 2)
            let edited = try readLatency(store, run: run)
            #expect(edited[0].reduce(0) { $0 + $1.count } == expected[0].reduce(0) { $0 + $1.count } + 1)
            #expect(edited[2].count == expected[2].count - 1)
        }
    }

    @Test("a run's content digest is the same read from the packed latency as from the rows")
    func digestFromPackedLatency() throws {
        try withTemporaryStore { store, url in
            let (run, _) = try storeWithTrials(store)
            let packed = try store.digest(ofRun: run)
            let database = try SQLiteDatabase(path: url.path)
            // The blob is what is read when there is one: a lie shows in the digest.
            let lie = PackedLatency.encode([LatencyBucket(latencyUs: 1, count: 1)])
            try database.run("UPDATE latency_histograms SET buckets = 1, packed = ? WHERE trial_id = 1", lie)
            #expect(try store.digest(ofRun: run).hex != packed.hex)
            try database.execute("DELETE FROM latency_histograms")
            let fromRows = try store.digest(ofRun: run)
            #expect(fromRows.hex == packed.hex)
            #expect(fromRows.sections == packed.sections)
        }
    }

    @Test("migration 12 packs the latency of every trial stored before it, an empty blob for a trial without rows")
    func migrationPacksStoredTrials() throws {
        try withTemporaryFolder { folder in
            let url = folder.appending(path: "results.sqlite")
            let (run, latency) = try storeWithTrials(try ResultStore(path: url))
            let database = try SQLiteDatabase(path: url.path)
            try database.execute(SchemaUndo.capacity + SchemaUndo.timelines + SchemaUndo.packedLatency + "PRAGMA user_version = 11")
            #expect(try scalar(url, "SELECT count(*) FROM sqlite_master WHERE name = 'latency_histograms'") == 0)

            let reopened = try ResultStore(path: url)

            #expect(try scalar(url, "PRAGMA user_version") == Int64(StoreSchema.currentVersion))
            #expect(try scalar(url, "SELECT count(*) FROM latency_histograms") == 3)
            #expect(try scalar(url, "SELECT buckets FROM latency_histograms WHERE trial_id = 2") == 0)
            for (trialID, buckets) in zip(Int64(1)..., latency) {
                let blob = try #require(try database.firstRow(
                    "SELECT packed FROM latency_histograms WHERE trial_id = ?", trialID) { $0.data(at: 0) } ?? nil)
                #expect(PackedLatency.decode(blob, expected: Int64(buckets.count), trialID: trialID) == PackedLatencyTests.sorted(buckets))
            }
            #expect(try readLatency(reopened, run: run) == latency.map(PackedLatencyTests.sorted))
        }
    }

    @Test("a file from elsewhere is read from its rows: its own packed blobs are rebuilt, never taken; an export and an import carry this store's")
    func foreignBlobsAreRebuilt() throws {
        try withTemporaryFolder { folder in
            let store = try ResultStore(path: folder.appending(path: "results.sqlite"))
            let (run, latency) = try storeWithTrials(store)
            let expected = latency.map(PackedLatencyTests.sorted)
            let export = folder.appending(path: "run.sqlite")
            try store.exportRun(id: run, to: export)
            #expect(try scalar(export, "SELECT count(*) FROM latency_histograms") == 3)

            // A stranger's blob that decodes cleanly but says other numbers than the rows.
            let lie = [LatencyBucket(latencyUs: 1, count: 1_000_000)]
            try SQLiteDatabase(path: export.path).run(
                "UPDATE latency_histograms SET buckets = 1, packed = ? WHERE buckets > 0", PackedLatency.encode(lie))
            let copied = try ResultStore.withSnapshot(of: export) { snapshot in
                let copiedRun = try snapshot.store.latestRun(experiment: "demo")?.id ?? -1
                return try readLatency(snapshot.store, run: copiedRun)
            }
            let rowsRead = copied == expected
            #expect(rowsRead, "the copy read the file's own blobs, not its rows: \(copied.map(\.count)) buckets, \(expected.map(\.count)) rows")

            let other = try ResultStore(path: folder.appending(path: "other.sqlite"))
            let imported = try #require(try other.importRuns(from: export).imported.first)
            let importedSame = try readLatency(other, run: imported.id) == expected
            #expect(importedSame, "the import's latency differs from the rows exported")
            #expect(try scalar(folder.appending(path: "other.sqlite"), "SELECT sum(buckets) FROM latency_histograms") == Int64(latency.map(\.count).reduce(0, +)))
        }
    }
}

private func withTemporaryFolder(_ body: (URL) throws -> Void) throws {
    let folder = FileManager.default.temporaryDirectory
        .appending(path: "reportgen-store-tests-\(UUID().uuidString)", directoryHint: .isDirectory)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try body(folder)
}

private func withTemporaryStore(_ body: (ResultStore, URL) throws -> Void) throws {
    try withTemporaryFolder { folder in
        let url = folder.appending(path: "results.sqlite")
        try body(try ResultStore(path: url), url)
    }
}

/// Reads one integer straight from the file, as a user in the sqlite3 shell would.
private func scalar(_ url: URL, _ sql: String) throws -> Int64? {
    try SQLiteDatabase(path: url.path, mode: .readOnly).firstRow(sql) { $0.int64(at: 0) }
}

private func machine() -> MachineInfo {
    MachineInfo(
        fingerprint: "f00d", hostname: "bench-1", cpuModel: "Test CPU", cpuCores: 2,
        memoryBytes: 8 << 30, kernel: "6.1.0", os: "Debian 12", cpuGovernor: "performance")
}

private func newRun(
    machineID: Int64, hash: String = "h1", startedAt: Date = Date(), seed: UInt64 = 42
) -> NewRun {
    NewRun(
        experiment: "demo", definitionHash: hash, definitionText: "name = \"demo\"\n",
        machineID: machineID, startedAt: startedAt, toolVersion: "0.1.0", projectCommit: nil,
        shuffleSeed: seed, overrides: RunOverrides(quick: true), software: SoftwareVersions(reportgen: "0.1.0", wrk: "4.2.0"),
        upstreamCommandLine: "nginx -c /tmp/nginx.conf")
}

private func trial(
    variantID: Int64, index: Int, status: TrialStatus = .ok,
    buckets: [LatencyBucket] = [LatencyBucket(latencyUs: 1_000, count: 3)]
) -> TrialRecord {
    .fixture(
        variantID: variantID, trialIndex: index, runOrder: index, status: status,
        startedAt: Date(), endedAt: Date(), durationUs: 10_000_000,
        requests: buckets.reduce(0) { $0 + $1.count }, bytes: 1_000, latency: buckets,
        generatorPercentiles: [50: 900, 99: 2_000, 99.9: 3_500],
        percentileNote: LoadGeneratorKind.wrk.percentileNote(openLoop: false),
        commandLine: "taskset -c 1 /usr/bin/wrk -t1 -c10 -d10s http://127.0.0.1:8080/",
        serverCommandLine: "gunicorn app:app", runnerCPUUs: 5_000, loadAverage: 1.5, memoryAvailableBytes: 4 << 30,
        resources: [
            ResourceSample(tMs: -500, role: .app, cpuUserMs: 10, cpuSystemMs: 2, rssBytes: 50 << 20),
            ResourceSample(tMs: 0, role: .loadgen, cpuUserMs: 20, cpuSystemMs: 5, rssBytes: 8 << 20),
        ])
}
