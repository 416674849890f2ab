import Foundation
import LoadGen
import TestFixtures
import Testing
@testable import Core
@testable import Definition
@testable import Records
@testable import Store


@Suite("Portable results and published baselines")
struct PortableStoreTests {
    // MARK: Export and import

    @Test("export → import → export gives the same run content, identity included")
    func roundTrip() throws {
        try withFolder { folder in
            let source = try ResultStore(path: folder.appending(path: "a.sqlite"))
            let runID = try storeRun(in: source, hostname: "bench-a", fingerprint: "aaaa")
            let first = folder.appending(path: "first.sqlite")
            let summary = try source.exportRun(id: runID, to: first)
            #expect(summary.variants == 2)
            #expect(summary.trials == 4)
            #expect(summary.latencyRows == 4 * 3)

            // The target already holds a run, so the imported one gets other row ids.
            let target = try ResultStore(path: folder.appending(path: "b.sqlite"))
            _ = try storeRun(in: target, hostname: "bench-b", fingerprint: "bbbb")
            let outcome = try target.importRuns(from: first)
            let imported = try #require(outcome.imported.first)
            #expect(outcome.imported.count == 1)
            #expect(outcome.machinesAdded == 2, "the run's machine and its app host's")
            #expect(try target.runHosts(runID: imported.id) == (try source.runHosts(runID: runID)))
            #expect(try target.runHosts(runID: imported.id).map(\.name) == ["local", "server"])
            #expect(imported.id != runID)
            #expect(imported.uid == (try source.uid(ofRun: runID)))

            let second = folder.appending(path: "second.sqlite")
            try target.exportRun(id: imported.id, to: second)
            let original = try source.canonicalDump(runID: runID)
            #expect(try target.canonicalDump(runID: imported.id) == original)
            let reread = try ResultStore.snapshot(of: second)
            let rereadID = try #require(try reread.store.listRuns().first).run.id
            #expect(try reread.store.canonicalDump(runID: rereadID) == original)
            #expect(original.contains("latency_samples: "))
            #expect(original.contains("requests: "))
            #expect(original.contains("bench-a"))
            #expect(original.contains("host: 'server-aaaa' | 'server' | 'bench@10.0.0.2'"), "\(original.split(separator: "\n").filter { $0.hasPrefix("host") })")
            // An export is one file: no WAL or journal beside it.
            #expect(!FileManager.default.fileExists(atPath: second.path + "-wal"))
            #expect(!FileManager.default.fileExists(atPath: second.path + "-journal"))
        }
    }

    @Test("importing the same file twice keeps one copy and changes no row count")
    func importIsIdempotent() throws {
        try withFolder { folder in
            let source = try ResultStore(path: folder.appending(path: "a.sqlite"))
            let runID = try storeRun(in: source, hostname: "bench-a", fingerprint: "aaaa")
            let file = folder.appending(path: "run.sqlite")
            try source.exportRun(id: runID, to: file)
            let targetURL = folder.appending(path: "b.sqlite")
            let target = try ResultStore(path: targetURL)

            let first = try target.importRuns(from: file)
            let counts = try rowCounts(targetURL)
            let second = try target.importRuns(from: file)

            #expect(first.imported.count == 1)
            #expect(second.imported.isEmpty)
            #expect(second.alreadyPresent.map(\.id) == first.imported.map(\.id))
            #expect(second.machinesAdded == 0)
            #expect(try rowCounts(targetURL) == counts)
            #expect(counts["runs"] == 1)
            #expect(counts["latency_samples"] == 12)
        }
    }

    @Test("a machine the store knows is merged by fingerprint and keeps its facts")
    func machinesMergeByFingerprint() throws {
        try withFolder { folder in
            let source = try ResultStore(path: folder.appending(path: "a.sqlite"))
            let runID = try storeRun(in: source, hostname: "renamed-host", fingerprint: "same")
            let file = folder.appending(path: "run.sqlite")
            try source.exportRun(id: runID, to: file)
            let targetURL = folder.appending(path: "b.sqlite")
            let target = try ResultStore(path: targetURL)
            _ = try storeRun(in: target, hostname: "original-host", fingerprint: "same")

            let outcome = try target.importRuns(from: file)

            #expect(outcome.machinesAdded == 0)
            #expect(try rowCounts(targetURL)["machines"] == 2, "the run's machine and its app host's, each once")
            let imported = try #require(outcome.imported.first)
            let machineID = try #require(try target.run(id: imported.id)).machineID
            #expect(try target.machine(id: machineID)?.hostname == "original-host")
        }
    }

    @Test("a file from a newer schema is refused and neither file changes")
    func refusesNewerSchema() throws {
        try withFolder { folder in
            let source = try ResultStore(path: folder.appending(path: "a.sqlite"))
            let file = folder.appending(path: "run.sqlite")
            try source.exportRun(id: try storeRun(in: source, hostname: "a", fingerprint: "aaaa"), to: file)
            try SQLiteDatabase(path: file.path).execute("PRAGMA user_version = 99")
            let targetURL = folder.appending(path: "b.sqlite")
            let target = try ResultStore(path: targetURL)
            _ = try storeRun(in: target, hostname: "b", fingerprint: "bbbb")
            let fileBefore = try Data(contentsOf: file)
            let targetBefore = try rowCounts(targetURL)

            let error = try #require(throws: ReportgenError.self) { try target.importRuns(from: file) }

            #expect(error.code == .refusedFile)
            #expect(error.code == .refusedFile)
            #expect(error.message.contains("newer reportgen (schema 99, this build knows \(StoreSchema.currentVersion))"))
            #expect(error.hint?.contains("left untouched") == true)
            #expect(try Data(contentsOf: file) == fileBefore)
            #expect(try rowCounts(targetURL) == targetBefore)
        }
    }

    @Test(
        "a stranger's export holding JSON this build cannot read is refused, naming the file, column and row: reading it, importing it (the store left as it was), and on the command line with exit 65",
        arguments: [
            ("UPDATE run_hosts SET cpus_json = ? WHERE name = 'server'", #"{"app": 3}"#, "run_hosts.cpus_json", "host 'server'", "at app"),
            ("UPDATE run_hosts SET cpus_json = ? WHERE name = 'server'", "nonsense", "run_hosts.cpus_json", "host 'server'", "not valid JSON"),
            ("UPDATE run_hosts SET cpus_json = ? WHERE name = 'server'", #"{"gpu": "0"}"#, "run_hosts.cpus_json", "host 'server'", "gpu"),
            ("UPDATE run_hosts SET cpus_json = ? WHERE name = 'local'", #"{"loadgen": "3-1"}"#, "run_hosts.cpus_json", "host 'local'", "not a Linux CPU list"),
            ("UPDATE variants SET config_json = ? WHERE name = 'flask:10'", #"{"threads": "ten"}"#, "variants.config_json", "variant 'flask:10'", "at threads"),
            ("UPDATE runs SET software_json = ?", "[]", "runs.software_json", "", "found an array"),
        ])
    func refusesUnreadableJSON(update: String, value: String, column: String, row: String, cause: String) throws {
        try withFolder { folder in
            let file = try exportedRun(in: folder, to: "stranger.sqlite")
            try SQLiteDatabase(path: file.path).run(update, value)
            let fileBefore = try Data(contentsOf: file)
            let targetURL = folder.appending(path: "b.sqlite")
            let target = try ResultStore(path: targetURL)
            _ = try storeRun(in: target, hostname: "b", fingerprint: "bbbb")
            let targetBefore = try rowCounts(targetURL)

            let snapshot = try ResultStore.snapshot(of: file)
            let runID = try #require(try snapshot.store.listRuns().first).run.id
            let read = try #require(throws: ReportgenError.self) { try snapshot.store.loadRun(id: runID) }
            let imported = try #require(throws: ReportgenError.self) { try target.importRuns(from: file) }

            for error in [read, imported] {
                #expect(error.code == .refusedFile)
                #expect(error.location == SourceLocation(file: DisplayPath.of(file), keyPath: column))
                #expect(error.message.hasPrefix("run \(runID)" + (row.isEmpty ? "" : ", " + row) + " holds a value this build cannot read"))
                #expect(error.message.contains(cause), "\(error.message)")
                #expect(error.output == value)
            }
            #expect(try rowCounts(targetURL) == targetBefore)
            #expect(try Data(contentsOf: file) == fileBefore)

            // A store the refused import would have created is not created either.
            let fresh = folder.appending(path: "fresh.sqlite")
            let cli = Process()
            cli.executableURL = try TestPaths.reportgenBinary()
            cli.arguments = ["import", file.path, "--db", fresh.path]
            cli.environment = TestPaths.binaryEnvironment
            let stderr = Pipe()
            cli.standardError = stderr
            cli.standardOutput = FileHandle.nullDevice
            try cli.run()
            let printed = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            cli.waitUntilExit()
            #expect(cli.terminationStatus == ExitCode.refusedFile.rawValue, "\(printed)")
            #expect(printed.contains("(\(column)): run \(runID)"), "\(printed)")
            #expect(!FileManager.default.fileExists(atPath: fresh.path))
        }
    }

    @Test("a snapshot's private copy lives as long as what reads it: its store keeps it, and withSnapshot removes it when its scope returns or throws")
    func snapshotLifetime() throws {
        try withFolder { folder in
            let file = try exportedRun(in: folder)
            func copyExists(_ store: ResultStore) -> Bool { FileManager.default.fileExists(atPath: store.path.path) }

            // Nothing but the store is kept, and it still has its copy.
            let store = try ResultStore.snapshot(of: file).store
            #expect(copyExists(store))
            #expect(try store.listRuns().count == 1)

            var scoped: ResultStore?
            #expect(try ResultStore.withSnapshot(of: file) { snapshot in
                scoped = snapshot.store
                return try snapshot.store.listRuns().count
            } == 1)
            #expect(!copyExists(try #require(scoped)))
            struct Stop: Error {}
            #expect(throws: Stop.self) {
                try ResultStore.withSnapshot(of: file) { snapshot in
                    scoped = snapshot.store
                    throw Stop()
                }
            }
            #expect(!copyExists(try #require(scoped)))
        }
    }

    @Test("a text file and another program's database are refused as not a store")
    func refusesNonStores() throws {
        try withFolder { folder in
            let target = try ResultStore(path: folder.appending(path: "b.sqlite"))
            let text = folder.appending(path: "notes.sqlite")
            try Data("variant,requests\naiohttp,1\n".utf8).write(to: text)
            let foreign = folder.appending(path: "foreign.sqlite")
            try SQLiteDatabase(path: foreign.path).execute("CREATE TABLE notes (body TEXT)")
            let foreignBefore = try Data(contentsOf: foreign)

            let textError = try #require(throws: ReportgenError.self) { try target.importRuns(from: text) }
            let foreignError = try #require(throws: ReportgenError.self) { try target.importRuns(from: foreign) }
            let missingError = try #require(throws: ReportgenError.self) {
                try target.importRuns(from: folder.appending(path: "missing.sqlite"))
            }

            #expect(textError.code == .refusedFile)
            #expect(textError.message.contains("not a reportgen results file"))
            #expect(textError.location?.file.hasSuffix("notes.sqlite") == true)
            #expect(foreignError.message.contains("another program"))
            #expect(try Data(contentsOf: foreign) == foreignBefore)
            #expect(missingError.code == .badArgument)
            #expect(try target.listRuns().isEmpty)
        }
    }

    @Test("export never replaces an existing file and leaves nothing behind on refusal")
    func exportRefusesExistingFile() throws {
        try withFolder { folder in
            let source = try ResultStore(path: folder.appending(path: "a.sqlite"))
            let runID = try storeRun(in: source, hostname: "a", fingerprint: "aaaa")
            let file = folder.appending(path: "keep.sqlite")
            try Data("mine".utf8).write(to: file)

            let error = try #require(throws: ReportgenError.self) { try source.exportRun(id: runID, to: file) }
            let missing = try #require(throws: ReportgenError.self) {
                try source.exportRun(id: 999, to: folder.appending(path: "none.sqlite"))
            }

            #expect(error.code == .badArgument)
            #expect(try Data(contentsOf: file) == Data("mine".utf8))
            #expect(missing.message.contains("no run 999"))
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            #expect(!names.contains { $0.contains("partial") || $0 == "none.sqlite" })
        }
    }

    @Test("every run gets a stable identity: a UUID when created, a derived one when migrated")
    func runIdentities() throws {
        try withFolder { folder in
            let url = folder.appending(path: "old.sqlite")
            do {
                // A store as schema 2 left it, with one run and no uid column.
                let old = try SQLiteDatabase(path: url.path)
                for migration in StoreSchema.migrations.prefix(2) { try old.execute(migration.sql) }
                try old.execute("PRAGMA application_id = \(StoreSchema.applicationID); PRAGMA user_version = 2")
                try old.execute(
                    """
                    INSERT INTO machines (fingerprint, hostname, cpu_model, cpu_cores, memory_bytes, kernel, os)
                    VALUES ('f', 'h', 'cpu', 2, 1, 'k', 'os');
                    INSERT INTO runs (experiment, definition_hash, definition_text, machine_id, started_at, status,
                        tool_version, shuffle_seed, overrides_json, software_json, upstream_command_line)
                    VALUES ('demo', 'h1', 'x', 1, '2026-11-27T15:50:00.123Z', 'complete', '0.1.0', 42, '{}',
                        '{"pipFreeze":[],"reportgen":"0.1.0"}', 'nginx');
                    """)
            }
            let copy = folder.appending(path: "old-copy.sqlite")
            try FileManager.default.copyItem(at: url, to: copy)

            let store = try ResultStore(path: url)
            let legacy = try #require(try store.uid(ofRun: 1))
            let (created, _) = try store.createRun(newRun(machineID: 1), variants: [])
            let fresh = try #require(try store.uid(ofRun: created.id))

            #expect(legacy == "legacy-000000000000002a-20261127155000123Z")
            #expect(UUID(uuidString: fresh) != nil)
            #expect(fresh == fresh.lowercased())
            // An unmigrated copy of the same store is read through a migrated snapshot and
            // holds the same identity, so importing it adds nothing.
            let outcome = try store.importRuns(from: copy)
            #expect(outcome.imported.isEmpty)
            #expect(outcome.alreadyPresent.map(\.id) == [1])
            #expect(try SQLiteDatabase(path: copy.path, mode: .readOnly).integerPragma("user_version") == 2)
        }
    }

    // MARK: Published baselines

    @Test("the seed's table imports as a published run, once")
    func publishedImport() throws {
        try withFolder { folder in
            let csv = folder.appending(path: "published-2017.csv")
            try Data(seedCSV.utf8).write(to: csv)
            let url = folder.appending(path: "results.sqlite")
            let store = try ResultStore(path: url)

            let run = try store.importPublished(csv: csv, experiment: "aiohttp-vs-flask")
            let counts = try rowCounts(url)
            let again = try store.importPublished(csv: csv, experiment: "aiohttp-vs-flask")

            #expect(again == run)
            #expect(try rowCounts(url) == counts)
            #expect(counts["published_results"] == 3)
            #expect(counts["trials"] == 0)
            #expect(try store.kind(ofRun: run.id) == .published)
            #expect(run.status == .complete)
            let machine = try #require(try store.machine(id: run.machineID))
            #expect(machine.hostname == "published 2017")
            #expect(machine.cpuModel == "hardware not described")
            let rows = try store.publishedRows(runID: run.id)
            #expect(rows.map(\.variant) == ["aiohttp", "flask:gevent", "flask:meinheld"])
            #expect(rows[0] == PublishedRow(
                variant: "aiohttp", minMs: 163.27, p50Ms: 247.72, p99Ms: 352.75, p999Ms: 404.59,
                maxMs: 1414.08, meanMs: 257.59, durationS: 20.10, requests: 30702))
            // Not a measured run: reports and runs never pick it up as "the latest run".
            #expect(try store.latestRun(experiment: "aiohttp-vs-flask") == nil)
            // The same content for another experiment is another baseline.
            #expect(try store.importPublished(csv: csv, experiment: "other").id != run.id)
        }
    }

    @Test("a measured run exports xz-compressed with its experiment's published table; import and snapshot read the .xz, a damaged one is refused")
    func compressedExportCarriesPublished() throws {
        try withFolder { folder in
            let csv = folder.appending(path: "published-2017.csv")
            try Data(seedCSV.utf8).write(to: csv)
            let source = try ResultStore(path: folder.appending(path: "a.sqlite"))
            let published = try source.importPublished(csv: csv, experiment: "demo")
            let runID = try storeRun(in: source, hostname: "bench-a", fingerprint: "aaaa")
            let file = folder.appending(path: "run.sqlite.xz")
            let summary = try source.exportRun(id: runID, to: file)
            #expect(summary.publishedRun?.uid == (try source.uid(ofRun: published.id)))
            let bytes = try Data(contentsOf: file)
            #expect(bytes.prefix(6) == Data([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]), "an xz stream")
            #expect(!FileManager.default.fileExists(atPath: folder.appending(path: "run.sqlite").path), "nothing left beside it")

            // The sample indexes stay out of the file and come back in every snapshot of it.
            let indexes = "SELECT name FROM sqlite_master WHERE name LIKE '%samples_by_trial' ORDER BY name"
            let unpacked = try Compression.unpackXZ(file, into: folder.appending(path: "unpacked.sqlite"))
            #expect(try SQLiteDatabase(path: unpacked.path, mode: .readOnly).rows(indexes) { $0.string(at: 0) }.isEmpty)
            let snapshot = try ResultStore.snapshot(of: file)
            #expect(try snapshot.store.database.rows(indexes) { $0.string(at: 0) } == ["latency_samples_by_trial", "resource_samples_by_trial"])
            let kinds = try snapshot.store.listRuns().map(\.run.kind)
            #expect(kinds.sorted { $0.rawValue < $1.rawValue } == [.measured, .published])
            #expect(try snapshot.store.baselineRun(experiment: "demo", file: "run.sqlite.xz") == (try #require(try snapshot.store.latestRun(experiment: "demo")).id))
            let target = try ResultStore(path: folder.appending(path: "b.sqlite"))
            let outcome = try target.importRuns(from: file)
            #expect(outcome.imported.count == 2)
            let imported = try #require(outcome.imported.first { $0.kind == .measured })
            #expect(try target.canonicalDump(runID: imported.id) == (try source.canonicalDump(runID: runID)))
            #expect(try Data(contentsOf: file) == bytes, "the file is only read")

            let damaged = folder.appending(path: "damaged.sqlite.xz")
            try bytes.prefix(bytes.count / 2).write(to: damaged)
            let error = try #require(throws: ReportgenError.self) { try ResultStore.snapshot(of: damaged) }
            #expect(error.code == .refusedFile)
            #expect(error.message.hasPrefix("not an xz file, or a damaged one: "), "\(error.message)")
        }
    }

    @Test("a published run exports and imports with its rows")
    func publishedRunIsPortable() throws {
        try withFolder { folder in
            let csv = folder.appending(path: "published-2017.csv")
            try Data(seedCSV.utf8).write(to: csv)
            let source = try ResultStore(path: folder.appending(path: "a.sqlite"))
            let run = try source.importPublished(csv: csv, experiment: "demo")
            let file = folder.appending(path: "published.sqlite")
            try source.exportRun(id: run.id, to: file)
            let target = try ResultStore(path: folder.appending(path: "b.sqlite"))

            let imported = try #require(try target.importRuns(from: file).imported.first)

            #expect(try target.publishedRows(runID: imported.id) == (try source.publishedRows(runID: run.id)))
            #expect(try target.canonicalDump(runID: imported.id) == (try source.canonicalDump(runID: run.id)))
            // Importing the CSV into the target now finds the run that came with the file.
            #expect(try target.importPublished(csv: csv, experiment: "demo").id == imported.id)
        }
    }

    @Test(
        "a malformed published table is an error naming file and line",
        arguments: [
            ("variant,min_ms,p50_ms,p99_ms,p99_9_ms,max_ms,mean_ms,duration_s,request\n", 1, "unknown column 'request'"),
            ("variant,min_ms,p50_ms,p99_ms,p99_9_ms,max_ms,mean_ms,duration_s\n", 1, "no 'requests' column"),
            ("variant,min_ms,p50_ms,p99_ms,p99_9_ms,max_ms,mean_ms,duration_s,requests\naiohttp,1,2,3,4,5,6,20,100\nflask,1,2,x,4,5,6,20,100\n", 3, "p99_ms 'x'"),
            ("variant,min_ms,p50_ms,p99_ms,p99_9_ms,max_ms,mean_ms,duration_s,requests\n\naiohttp,1,2,3\n", 3, "4 fields, the header 9"),
            ("variant,min_ms,p50_ms,p99_ms,p99_9_ms,max_ms,mean_ms,duration_s,requests\naiohttp,1,2,3,4,5,6,20,1.5\n", 2, "requests '1.5'"),
            ("variant,min_ms,p50_ms,p99_ms,p99_9_ms,max_ms,mean_ms,duration_s,requests\na,,,,,,,,1\na,,,,,,,,2\n", 3, "appears twice"),
        ])
    func malformedTable(text: String, line: Int, message: String) throws {
        let error = try #require(throws: ReportgenError.self) { try PublishedCSV.parse(text, file: "baseline/t.csv") }
        #expect(error.code == .badDefinition)
        #expect(error.location == SourceLocation(file: "baseline/t.csv", line: line))
        #expect(error.message.contains(message))
        #expect(error.hint != nil)
    }

    @Test("quoted fields, as results.csv writes them, are read back whole")
    func quotedFields() throws {
        let names = ["plain", "with, comma", "with \"quotes\"", "two\nlines", "  padded  "]
        let text = CSV.line(["variant", "requests"]) + names.enumerated().map { CSV.line([$0.element, "\($0.offset)"]) }.joined()
        let records = try CSV.records(text)
        #expect(records.map(\.fields) == [["variant", "requests"]] + names.enumerated().map { [$0.element.trimmingCharacters(in: .whitespaces), "\($0.offset)"] })
        // The record after the one with a line break starts two lines further down.
        #expect(records.map(\.line) == [1, 2, 3, 4, 5, 7])

        let table = "variant,min_ms,p50_ms,p99_ms,p99_9_ms,max_ms,mean_ms,duration_s,requests\n\"flask, threaded\",1,2,3,4,5,6,20,100\n"
        let rows = try PublishedCSV.parse(table, file: "t.csv")
        #expect(rows.map(\.variant) == ["flask, threaded"])
    }

    @Test(
        "a broken quote is an error on its line",
        arguments: [("a,\"b\n", 1, "never closed"), ("a,b\nx\"y,1\n", 2, "inside an unquoted"), ("\"a\"b,1\n", 1, "after a closing quote")])
    func brokenQuotes(text: String, line: Int, message: String) throws {
        let error = try #require(throws: CSV.SyntaxError.self) { try CSV.records(text) }
        #expect(error.line == line)
        #expect(error.message.contains(message))
    }

    @Test("empty cells are values the table does not give")
    func emptyCells() throws {
        let rows = try PublishedCSV.parse("requests,variant,p50_ms,min_ms,p99_ms,p99_9_ms,max_ms,mean_ms,duration_s\r\n7,a,,,,,,,\r\n", file: "t.csv")
        #expect(rows == [PublishedRow(variant: "a", minMs: nil, p50Ms: nil, p99Ms: nil, p999Ms: nil, maxMs: nil, meanMs: nil, durationS: nil, requests: 7)])
        #expect(rows[0].requestsPerSecond == nil)
        #expect(PublishedCSV.label(for: URL(fileURLWithPath: "/x/published-2017.csv")) == "published 2017")
    }
}

// MARK: Fixtures

private let seedCSV = """
    variant,min_ms,p50_ms,p99_ms,p99_9_ms,max_ms,mean_ms,duration_s,requests
    aiohttp,163.27,247.72,352.75,404.59,1414.08,257.59,20.10,30702
    flask:gevent,85.02,945.17,6587.19,8177.32,8192.75,1207.66,20.08,7491
    flask:meinheld,124.99,2526.55,6753.13,6857.55,6857.55,3036.93,20.10,190
    """

private func withFolder(_ body: (URL) throws -> Void) throws {
    let folder = FileManager.default.temporaryDirectory
        .appending(path: "reportgen-portable-tests-\(UUID().uuidString)", directoryHint: .isDirectory)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try body(folder)
}

/// A run stored in `folder`/a.sqlite and exported to `name` beside it.
private func exportedRun(in folder: URL, to name: String = "run.sqlite") throws -> URL {
    let source = try ResultStore(path: folder.appending(path: "a.sqlite"))
    let file = folder.appending(path: name)
    try source.exportRun(id: try storeRun(in: source, hostname: "a", fingerprint: "aaaa"), to: file)
    return file
}

/// Rows per table, read straight from the file as the sqlite3 shell would.
private func rowCounts(_ url: URL) throws -> [String: Int64] {
    let database = try SQLiteDatabase(path: url.path, mode: .readOnly)
    var counts: [String: Int64] = [:]
    for table in [
        "machines", "runs", "variants", "trials", "latency_samples", "generator_percentiles", "resource_samples",
        "published_results", "requests",
    ] {
        counts[table] = try database.firstRow("SELECT count(*) FROM \(table)") { $0.int64(at: 0) }
    }
    return counts
}

/// A complete run of two variants with two trials each (one failed), every sample table filled.
private func storeRun(in store: ResultStore, hostname: String, fingerprint: String) throws -> Int64 {
    let machineID = try store.machineID(for: MachineInfo(
        fingerprint: fingerprint, hostname: hostname, cpuModel: "Test CPU", cpuCores: 2,
        memoryBytes: 8 << 30, kernel: "6.1.0", os: "Debian 12", cpuGovernor: "performance"))
    var new = newRun(machineID: machineID)
    // The app ran on a host of its own: its machine and placement travel with the run.
    let local = try #require(try store.machine(id: machineID))
    new.hosts = [
        RunHost(name: "local", machine: local, ssh: nil, address: "10.0.0.1", roles: [.upstream, .loadgen],
                cpus: [.loadgen: CPUSet([0])], clockOffset: nil, loadToAppRoundTrip: nil),
        RunHost(name: "server", machine: MachineInfo(
                    fingerprint: "server-" + fingerprint, hostname: "\(hostname)-server", cpuModel: "Server CPU", cpuCores: 8,
                    memoryBytes: 32 << 30, kernel: "6.1.0", os: "Debian 12", cpuGovernor: nil),
                ssh: "bench@10.0.0.2", address: "10.0.0.2", roles: [.app], cpus: [.app: CPUSet([1, 2, 3])],
                clockOffset: ClockOffset(offsetUs: -250, roundTripUs: 1_200), loadToAppRoundTrip: RoundTrip(minUs: 40, avgUs: 55)),
    ]
    let (run, variants) = try store.createRun(
        new,
        variants: [
            NewVariant(cell: CellID(variant: "aiohttp"), position: 0, config: VariantConfig(workerClass: "aiohttp.GunicornWebWorker")),
            NewVariant(cell: CellID(variant: "flask:10"), position: 1, config: VariantConfig(workerClass: "gthread", threads: 10)),
        ])
    for variant in variants {
        for index in 1...2 {
            try store.recordTrial(.fixture(
                variantID: variant.id, trialIndex: index, runOrder: index * 2 + variant.position,
                status: index == 2 && variant.position == 1 ? .failed : .ok,
                startedAt: Date(timeIntervalSince1970: 1_795_801_800), endedAt: Date(timeIntervalSince1970: 1_795_801_830),
                durationUs: 20_000_000, requests: 1_000 * Int64(index), bytes: 10_000,
                errors: ErrorCounts(read: 1, timeout: 2),
                latency: [
                    LatencyBucket(latencyUs: 1_000, count: 3), LatencyBucket(latencyUs: 2_000 + Int64(index), count: 2),
                    LatencyBucket(latencyUs: 9_000, count: 1),
                ],
                generatorPercentiles: [50: 1_000, 99: 9_000],
                commandLine: "wrk -t10 -c400 -d20s http://127.0.0.1:8080/remote", serverCommandLine: "gunicorn app:app",
                runnerCPUUs: 5_000, loadAverage: 0.5, memoryAvailableBytes: 4 << 30,
                resources: [ResourceSample(tMs: 0, role: .app, cpuUserMs: 10, cpuSystemMs: 2, rssBytes: 50 << 20)],
                // aiohttp's trials kept every request, as built-in generator trials do.
                requestLog: variant.position == 0
                    ? ContiguousArray([1_000, 1_000, 1_000, 2_000 + UInt32(index), 2_000 + UInt32(index), 9_000].enumerated().map {
                        RequestSample(startUs: UInt32($0.offset * 1_000), latencyUs: $0.element, bytes: 300, status: 200, connection: UInt16($0.offset))
                    })
                    : nil))
        }
    }
    try store.setRunStatus(run.id, .complete, finishedAt: Date(timeIntervalSince1970: 1_795_801_900))
    return run.id
}

private func newRun(machineID: Int64) -> NewRun {
    NewRun(
        experiment: "demo", definitionHash: "h1", definitionText: "title = \"demo\"\n",
        machineID: machineID, startedAt: Date(timeIntervalSince1970: 1_795_801_800.5), toolVersion: "0.1.0",
        projectCommit: "abc", shuffleSeed: .max, overrides: RunOverrides(),
        software: SoftwareVersions(reportgen: "0.1.0", pipFreeze: ["aiohttp==3.14.0"]), upstreamCommandLine: "nginx -c /tmp/nginx.conf")
}
