import Foundation
import TestFixtures
import Testing
@testable import Core
@testable import Store

extension RealServers {
/// Results files from someone else, made hostile with SQL from a real export (the shipped
/// reference, its samples thinned so a render takes a moment), given to the real reportgen:
/// `render --from`, `compare --baseline FILE` and `import` each refuse them with exit 65 and
/// a message naming the problem, never crash, leave the importing store as it was, and
/// leave nothing behind in the temporary folder or the cache.
@Suite("Hostile results files", .serialized, .timeLimit(.minutes(10)))
struct HostileStoreTests {
    struct Hostile: CustomTestStringConvertible, Sendable {
        var name: String
        /// SQL run on a copy of the clean export.
        var sql: String
        /// What the refusal must say.
        var says: String
        /// Whether the copy is migrated to this schema first (for tables the export predates).
        var migrated = false
        var testDescription: String { name }
    }

    static let cases: [Hostile] = [
        Hostile(
            name: "INT64_MAX latency count",
            sql: "UPDATE latency_samples SET count = 9223372036854775807 WHERE rowid = (SELECT min(rowid) FROM latency_samples)",
            says: "holds 9223372036854775807 in count, where reportgen writes a count of at most 10^12"),
        Hostile(
            name: "negative latency count",
            sql: "UPDATE latency_samples SET count = -5 WHERE rowid = (SELECT max(rowid) FROM latency_samples)",
            says: "holds -5 in count"),
        Hostile(
            name: "sample at rowid 9e18",
            sql: "INSERT INTO latency_samples (rowid, trial_id, latency_us, count) SELECT 9000000000000000000, trial_id, latency_us, count FROM latency_samples LIMIT 1",
            says: "latency_samples row 9000000000000000000 holds 9000000000000000000 in rowid"),
        Hostile(
            name: "huge duration_us",
            sql: "UPDATE trials SET duration_us = 9000000000000000000 WHERE id = (SELECT min(id) FROM trials)",
            says: "holds 9000000000000000000 in duration_us, where reportgen writes a duration in µs of at most a day"),
        Hostile(
            name: "text where a number belongs",
            sql: "UPDATE trials SET requests = 'lots' WHERE id = (SELECT min(id) FROM trials)",
            says: "holds 'lots' in requests"),
        Hostile(
            name: "an infinite percentile",
            sql: "UPDATE generator_percentiles SET latency_us = 9e999 WHERE rowid = (SELECT min(rowid) FROM generator_percentiles)",
            says: "in latency_us"),
        Hostile(
            name: "a timeline of zero-length intervals",
            // The reference carries a timeline for every trial.
            sql: "UPDATE trial_timelines SET interval_us = 0 WHERE trial_id = (SELECT min(trial_id) FROM trial_timelines)",
            says: "holds 0 in interval_us, where reportgen writes an interval of 1 µs to a day"),
        Hostile(
            name: "a capacity probe that held 7 times",
            sql: """
                INSERT INTO capacity_searches VALUES ((SELECT v.run_id FROM trials t JOIN variants v ON v.id = t.variant_id WHERE t.id = (SELECT min(id) FROM trials)), 'p99 <= 100ms', NULL);
                INSERT INTO capacity_probes VALUES ((SELECT min(id) FROM trials), 'search', 100, 7)
                """,
            says: "holds 7 in held, where reportgen writes 0 or 1", migrated: true),
        Hostile(
            name: "a capacity probe offered a negative rate",
            sql: """
                INSERT INTO capacity_searches VALUES ((SELECT v.run_id FROM trials t JOIN variants v ON v.id = t.variant_id WHERE t.id = (SELECT min(id) FROM trials)), 'p99 <= 100ms', NULL);
                INSERT INTO capacity_probes VALUES ((SELECT min(id) FROM trials), 'search', -5, 1)
                """,
            says: "in offered_rps, where reportgen writes a rate above 0", migrated: true),
        Hostile(name: "a foreign table", sql: "CREATE TABLE notes (body TEXT)", says: "holds the table 'notes' that reportgen does not write"),
        Hostile(name: "a view", sql: "CREATE VIEW everything AS SELECT * FROM runs", says: "holds the view 'everything' that reportgen does not write"),
        Hostile(
            name: "a trigger",
            sql: "CREATE TRIGGER planted AFTER INSERT ON runs BEGIN UPDATE machines SET hostname = 'pwned'; END",
            says: "holds the trigger 'planted' on 'runs' that reportgen does not write"),
        Hostile(name: "an index", sql: "CREATE INDEX trials_by_requests ON trials(requests)", says: "holds the index 'trials_by_requests' on 'trials'"),
        Hostile(
            name: "a changed definition",
            sql: "DROP INDEX runs_by_machine; CREATE INDEX runs_by_machine ON runs(machine_id, uid)",
            says: "the index 'runs_by_machine' on 'runs' is defined otherwise than reportgen"),
        Hostile(name: "a newer user_version", sql: "PRAGMA user_version = 99", says: "written by a newer reportgen (schema 99"),
        Hostile(name: "user_version 0", sql: "PRAGMA user_version = 0", says: "schema 0, which no reportgen writes"),
    ]

    @Test("a hostile file is refused by render --from, compare --baseline and import with exit 65 naming the problem", arguments: cases)
    func refused(hostile: Hostile) throws {
        try HostileBench.with { bench in
            let file = try bench.alteredCopy(named: "hostile.sqlite", sql: hostile.sql, migrated: hostile.migrated)
            try bench.expectRefusedEverywhere(file, says: hostile.says)
        }
    }

    @Test("an older file with a trigger on a table its migration updates is refused before the trigger can fire; without the trigger it migrates and renders")
    func olderFileWithTrigger() throws {
        try HostileBench.with { bench in
            // Migration 8 runs UPDATE variants: a trigger on it would fire in the copy.
            let clean = try bench.olderCopy(named: "older.sqlite", version: 7)
            let rendered = try bench.reportgen(["render", "--from", clean.path, "--output", bench.folder.appending(path: "older-out").path])
            #expect(rendered.status == 0, "\(rendered)")
            // As this machine's own older store, it is read through a migrated copy, the
            // data hash in the footer included: the same report.
            let own = try bench.reportgen(["render", "--db", clean.path, "--output", bench.folder.appending(path: "older-db-out").path])
            #expect(own.status == 0, "\(own)")
            let fromFile = try String(contentsOf: bench.folder.appending(path: "older-out/aiohttp-vs-flask/report.md"), encoding: .utf8)
            let fromStore = try String(contentsOf: bench.folder.appending(path: "older-db-out/aiohttp-vs-flask/report.md"), encoding: .utf8)
            #expect(fromStore == fromFile)
            let file = try bench.olderCopy(named: "older-trigger.sqlite", version: 7)
            try bench.sql(file, """
                CREATE TRIGGER rewrite AFTER UPDATE ON variants BEGIN
                    UPDATE machines SET hostname = 'pwned'; UPDATE trials SET requests = 1;
                END
                """)
            try bench.expectRefusedEverywhere(file, says: "holds the trigger 'rewrite' on 'variants' that reportgen does not write")
            #expect(try bench.count("SELECT count(*) FROM machines WHERE hostname = 'pwned'", in: bench.storeFile) == 0)
        }
    }

    @Test("files that are not SQLite, truncated, or an xz bomb are refused; the bomb's partial output is removed")
    func notStores() throws {
        try HostileBench.with { bench in
            let text = bench.folder.appending(path: "notes.sqlite")
            try Data("variant,requests\naiohttp,1\n".utf8).write(to: text)
            try bench.expectRefusedEverywhere(text, says: "not a reportgen results file: the file is not a database")

            let bytes = try Data(contentsOf: bench.base)
            let truncated = bench.folder.appending(path: "truncated.sqlite")
            try bytes.prefix(bytes.count / 3).write(to: truncated)
            try bench.expectRefusedEverywhere(truncated, says: "damaged")

            // 256 MiB of zeros packs into 40 kB; the limit is lowered so the test stays quick.
            let zeros = bench.folder.appending(path: "bomb.sqlite")
            FileManager.default.createFile(atPath: zeros.path, contents: nil)
            let handle = try FileHandle(forWritingTo: zeros)
            try handle.truncate(atOffset: 256 << 20)
            try handle.close()
            let xz = Process()
            xz.executableURL = URL(filePath: "/usr/bin/xz")
            xz.arguments = ["-0", "--threads=1", zeros.path]
            try xz.run()
            xz.waitUntilExit()
            let bomb = zeros.appendingPathExtension("xz")
            #expect(try Data(contentsOf: bomb).count < 100_000)
            try bench.expectRefusedEverywhere(bomb, says: "unpacks to more than 67108864 bytes", environment: ["REPORTGEN_UNPACK_LIMIT": "67108864"])
        }
    }

    @Test("work a killed reportgen left in the cache is swept by the next one; the cache folder is refused when it is not private")
    func staleWorkSwept() throws {
        try HostileBench.with { bench in
            // The pid of a process that has ended: what a reportgen killed mid-check leaves.
            let ended = Process()
            ended.executableURL = URL(filePath: "/bin/true")
            try ended.run()
            ended.waitUntilExit()
            let snapshots = bench.cacheFolder.appending(path: "snapshots")
            let stale = snapshots.appending(path: "work-\(ended.processIdentifier)-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: true)
            try Data("half a copy".utf8).write(to: stale.appending(path: "snapshot.sqlite"))

            let rendered = try bench.reportgen(["render", "--from", bench.base.path, "--output", bench.folder.appending(path: "out").path])
            #expect(rendered.status == 0, "\(rendered)")
            #expect(!FileManager.default.fileExists(atPath: stale.path))

            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: snapshots.path)
            let refused = try bench.reportgen(["render", "--from", bench.base.path, "--output", bench.folder.appending(path: "out").path])
            #expect(refused.status == 74, "\(refused)")
            #expect(refused.stderr.contains("is not a private folder of this user"), "\(refused)")
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: snapshots.path)
        }
    }

    @Test("an unpacked export given as --db is read as --from reads it: checked, from the cache the second time, never written")
    func unpackedExportAsStore() throws {
        try HostileBench.with { bench in
            let cache = SnapshotCache(cacheFolder: bench.folder.appending(path: "unit-cache"))
            let before = try SHA256.hex(ofFile: bench.base)
            let first = try ResultStore.openForReading(path: bench.base, cache: cache)
            let firstRead = first.readPath
            #expect(firstRead != bench.base.path(percentEncoded: false))
            #expect(firstRead.hasPrefix(cache.folder.path(percentEncoded: false)))
            #expect(try first.database.firstRow("SELECT count(*) FROM latency_histograms") { $0.int64(at: 0) } ?? 0 > 0)
            let second = try ResultStore.openForReading(path: bench.base, cache: cache)
            // The same checked copy, each reader through a link of its own (pruning removes a
            // cache entry's name, not the file a reader opens again by path).
            func inode(_ path: String) -> ino_t? {
                var info = stat()
                return stat(path, &info) == 0 ? info.st_ino : nil
            }
            #expect(second.readPath != firstRead && second.readPath.hasPrefix(cache.folder.path(percentEncoded: false)))
            #expect(inode(second.readPath) != nil && inode(second.readPath) == inode(firstRead))
            #expect(try SHA256.hex(ofFile: bench.base) == before)
            // This machine's own store (packed latency beside its rows) is read in place.
            let own = try ResultStore.openForReading(path: bench.storeFile, cache: cache)
            #expect(own.readPath == bench.storeFile.path(percentEncoded: false))

            // What the copy is checked for, --db is refused for too.
            let planted = try bench.alteredCopy(
                named: "planted.sqlite", sql: "CREATE TRIGGER planted AFTER INSERT ON runs BEGIN UPDATE machines SET hostname = 'pwned'; END")
            let refused = try bench.reportgen(["render", "--db", planted.path, "--output", bench.folder.appending(path: "out").path])
            #expect(refused.status == 65, "\(refused)")
            #expect(refused.stderr.contains("holds the trigger 'planted'"), "\(refused)")
        }
    }

    @Test("a cache entry another reportgen prunes while a render reads it stays readable to the render's other connections, which open it again by path")
    func prunedWhileRead() throws {
        try HostileBench.with { bench in
            let cache = SnapshotCache(cacheFolder: bench.folder.appending(path: "unit-cache"))
            #expect(try ResultStore.withSnapshot(of: bench.base, cache: cache) { $0.fromCache } == false)
            try ResultStore.withSnapshot(of: bench.base, cache: cache) { snapshot in
                #expect(snapshot.fromCache)
                // What another reportgen's prune does: the entry's name goes.
                try FileManager.default.removeItem(at: snapshot.store.path)
                // As the digest and a write-up's queries do: a connection of their own.
                let runs = try SQLiteDatabase.withConnection(path: snapshot.store.readPath, mode: .readOnly) { database in
                    try database.firstRow("SELECT count(*) FROM runs WHERE kind = 'measured'") { $0.int64(at: 0) }
                }
                #expect(runs == 1)
            }
        }
    }

    @Test("the cache: a second read of the same bytes reuses the checked copy, a changed file misses, a tampered entry is rebuilt")
    func cache() throws {
        try HostileBench.with { bench in
            let cache = SnapshotCache(cacheFolder: bench.folder.appending(path: "unit-cache"))
            let first = try ResultStore.withSnapshot(of: bench.base, cache: cache) { ($0.fromCache, $0.store.path) }
            #expect(first.0 == false)
            let second = try ResultStore.withSnapshot(of: bench.base, cache: cache) { ($0.fromCache, $0.store.path) }
            #expect(second.0 == true)
            #expect(second.1 == first.1)
            let entry = first.1.path
            #expect(try FileManager.default.attributesOfItem(atPath: entry)[.posixPermissions] as? Int == 0o400)
            let folderMode = try FileManager.default.attributesOfItem(atPath: cache.folder.path)[.posixPermissions] as? Int
            #expect(folderMode == 0o700)

            // A file one byte different (its header's user cookie) is another entry.
            let changed = try bench.alteredCopy(named: "changed.sqlite", sql: "PRAGMA schema_version = 1000")
            let third = try ResultStore.withSnapshot(of: changed, cache: cache) { ($0.fromCache, $0.store.path) }
            #expect(third.0 == false)
            #expect(third.1 != first.1)

            // An entry given a planted trigger is not trusted: it is refused, removed and rebuilt.
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: entry)
            try bench.sql(URL(filePath: entry), "CREATE TRIGGER planted AFTER INSERT ON runs BEGIN UPDATE machines SET hostname = 'pwned'; END")
            let rebuilt = try ResultStore.withSnapshot(of: bench.base, cache: cache) { snapshot in
                (snapshot.fromCache, try snapshot.store.database.firstRow("SELECT count(*) FROM sqlite_master WHERE name = 'planted'") { $0.int64(at: 0) })
            }
            #expect(rebuilt.0 == false)
            #expect(rebuilt.1 == 0)

            // Only the newest few entries stay.
            var small = cache
            small.keep = 1
            _ = try ResultStore.withSnapshot(of: changed, cache: small) { $0.fromCache }
            small.prune()
            let left = try FileManager.default.contentsOfDirectory(atPath: cache.folder.path).filter { $0.hasSuffix(".sqlite") }
            #expect(left.count == 1)
        }
    }
}

/// A test's own folder, temporary folder and cache; the clean export; a store that holds it.
struct HostileBench {
    let folder: URL
    let temporary: URL
    let cacheFolder: URL
    /// The clean export every hostile file is made from.
    let base: URL
    /// A store the base was imported into: what a refused import must leave as it was.
    let storeFile: URL

    static func with(_ body: (HostileBench) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "hostile-tests-\(UUID().uuidString)", directoryHint: .isDirectory)
        defer { try? FileManager.default.removeItem(at: folder) }
        let temporary = folder.appending(path: "tmp", directoryHint: .isDirectory)
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        let base = folder.appending(path: "export.sqlite")
        try FileManager.default.copyItem(at: try ThinnedReference.file(), to: base)
        let bench = HostileBench(
            folder: folder, temporary: temporary, cacheFolder: folder.appending(path: "cache"), base: base,
            storeFile: folder.appending(path: "store/results.sqlite"))
        let imported = try bench.reportgen(["import", base.path, "--db", bench.storeFile.path])
        #expect(imported.status == 0, "\(imported)")
        try body(bench)
        let left = try FileManager.default.contentsOfDirectory(atPath: temporary.path).filter { $0.hasPrefix("reportgen") }
        #expect(left.isEmpty, "left in the temporary folder: \(left)")
        let snapshots = bench.cacheFolder.appending(path: "snapshots")
        let work = ((try? FileManager.default.contentsOfDirectory(atPath: snapshots.path)) ?? []).filter { $0.hasPrefix("work-") }
        #expect(work.isEmpty, "left in the cache: \(work)")
    }

    func alteredCopy(named name: String, sql statements: String, migrated: Bool = false) throws -> URL {
        let file = folder.appending(path: name)
        try? FileManager.default.removeItem(at: file)
        try FileManager.default.copyItem(at: base, to: file)
        if migrated { try SQLiteDatabase.withConnection(path: file.path) { try StoreSchema.migrate($0) } }
        try sql(file, statements)
        return file
    }

    /// The base's rows in a file at schema `version`: reportgen's own migrations up to it,
    /// and every column that schema has copied from the base.
    func olderCopy(named name: String, version: Int) throws -> URL {
        let file = folder.appending(path: name)
        try SQLiteDatabase.withConnection(path: file.path) { older in
            try StoreSchema.migrate(older, upTo: version)
            try older.run("ATTACH DATABASE ? AS base", base.path)
            let tables = try older.rows("SELECT name FROM main.sqlite_master WHERE type = 'table'") { try $0.requiredString(at: 0) }
            for table in tables {
                let columns = try older.rows("SELECT name FROM pragma_table_info(?, 'main')", table) { "\"" + (try $0.requiredString(at: 0)) + "\"" }
                    .joined(separator: ", ")
                try older.execute("INSERT INTO main.\(table) (\(columns)) SELECT \(columns) FROM base.\(table)")
            }
            try older.execute("DETACH DATABASE base")
        }
        return file
    }

    func sql(_ file: URL, _ statements: String) throws {
        try SQLiteDatabase.withConnection(path: file.path) { try $0.execute(statements) }
    }

    func count(_ query: String, in file: URL) throws -> Int64 {
        try SQLiteDatabase.withConnection(path: file.path, mode: .readOnly) { try $0.firstRow(query) { $0.int64(at: 0) } ?? -1 }
    }

    struct Result: CustomStringConvertible {
        var status: Int32
        var stderr: String
        var description: String { "exit \(status): \(stderr)" }
    }

    /// Runs the built reportgen from the project root, with this bench's TMPDIR and cache.
    func reportgen(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = try TestPaths.reportgenBinary()
        process.arguments = arguments
        process.currentDirectoryURL = TestPaths.projectRoot
        var environment = TestPaths.binaryEnvironment
        environment["TMPDIR"] = temporary.path
        environment["REPORTGEN_CACHE"] = cacheFolder.path
        environment.merge(extra) { $1 }
        process.environment = environment
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // A signal shows as 128 + its number, as a shell would.
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return Result(status: status, stderr: text)
    }

    /// `file` is refused by render --from, compare --baseline and import alike, with exit 65
    /// and `says` in the message; the store, the file and the temporary folder are as they were.
    func expectRefusedEverywhere(
        _ file: URL, says: String, environment: [String: String] = [:], sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws {
        let fileBefore = try Data(contentsOf: file)
        let storeBefore = try Data(contentsOf: storeFile)
        let output = folder.appending(path: "out-\(UUID().uuidString)").path
        let attempts = [
            ["render", "--from", file.path, "--output", output],
            ["compare", "aiohttp-vs-flask", "--baseline", file.path, "--db", storeFile.path, "--output", output],
            ["import", file.path, "--db", storeFile.path],
        ]
        for arguments in attempts {
            let result = try reportgen(arguments, environment: environment)
            #expect(result.status == 65, "\(arguments[0]): \(result)", sourceLocation: sourceLocation)
            #expect(result.stderr.contains(says), "\(arguments[0]): \(result)", sourceLocation: sourceLocation)
            #expect(result.stderr.contains(file.lastPathComponent), "\(arguments[0]) names the file: \(result)", sourceLocation: sourceLocation)
        }
        #expect(try Data(contentsOf: storeFile) == storeBefore, "the store is as it was", sourceLocation: sourceLocation)
        #expect(try Data(contentsOf: file) == fileBefore, "the file is only read", sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: output), sourceLocation: sourceLocation)
    }
}
}
