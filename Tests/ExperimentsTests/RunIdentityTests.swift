import Foundation
import TestFixtures
import Testing
@testable import Core
@testable import Store

extension RealServers {
    /// A run's identity is its content: a file that reuses a stored run's uid (the shipped
    /// reference's is public) with other numbers is a conflict, refused whichever came first,
    /// and the store is left as it was. Hostile files are made here from the shipped reference
    /// by SQL on an unpacked copy, and imported by the built reportgen. Among the server
    /// suites: its long imports would otherwise show up in their checks for leftovers.
    @Suite("a run's identity is its content", .serialized, .timeLimit(.minutes(10)))
    struct RunIdentityTests {
        static var reference: URL { TestPaths.projectRoot.appendingPathComponent(ShippedExampleTests.reference) }
        /// The shipped table the reference's published run was read from.
        static var publishedCSV: URL { TestPaths.projectRoot.appendingPathComponent("experiments/aiohttp-vs-flask/baseline/published-2017.csv") }

        /// A temporary folder with the reference unpacked, and copies of it altered by SQL.
        struct Workspace {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-identity-\(UUID().uuidString)")
            var cli: ReportgenCLI { ReportgenCLI(folder: TestPaths.projectRoot, logs: folder.appendingPathComponent("logs")) }
            let unpacked: URL

            init() throws {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                unpacked = try Compression.unpackXZ(RunIdentityTests.reference, into: folder.appendingPathComponent("reference.sqlite"))
            }

            func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

            /// A copy of the unpacked reference named `name`, with `sql` run on it.
            func altered(_ name: String, _ sql: String) throws -> URL {
                let copy = url(name)
                try FileManager.default.copyItem(at: unpacked, to: copy)
                try SQLiteDatabase.withConnection(path: copy.path) { try $0.execute(sql) }
                return copy
            }

            func remove() { try? FileManager.default.removeItem(at: folder) }
        }

        /// What a store holds, to tell that a refused import changed nothing: every table's row
        /// count and every run's content digest.
        struct StoreState: Equatable, CustomStringConvertible {
            var counts: [String: Int64]
            var digests: [Int64: String]

            init(_ file: URL) throws {
                let store = try ResultStore.openForReading(path: file)
                let tables = try store.database.rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") {
                    try $0.requiredString(at: 0)
                }
                counts = [:]
                for table in tables {
                    counts[table] = try store.database.firstRow("SELECT count(*) FROM \"\(table)\"") { $0.int64(at: 0) }
                }
                digests = [:]
                for id in try store.database.rows("SELECT id FROM runs ORDER BY id", decode: { $0.int64(at: 0) }) {
                    digests[id] = try store.digest(ofRun: id).hex
                }
            }

            var description: String { "\(counts.sorted { $0.key < $1.key }) \(digests.sorted { $0.key < $1.key })" }
        }

        /// How reportgen, started in the project folder, names `file`.
        static func shown(_ file: URL) -> String {
            let root = TestPaths.projectRoot.standardizedFileURL.path + "/"
            let path = file.standardizedFileURL.path
            return path.hasPrefix(root) ? String(path.dropFirst(root.count)) : path
        }

        static func uid(kind: String, in file: URL) throws -> String {
            try SQLiteDatabase.withConnection(path: file.path, mode: .readOnly) { database in
                try #require(try database.firstRow("SELECT uid FROM runs WHERE kind = ?", kind) { $0.string(at: 0) } ?? nil)
            }
        }

        @Test(
            "a file reusing the reference's uid with other request counts is refused with 65 naming both, whichever is imported first; the store is unchanged; the genuine file twice is 'already present'",
            arguments: [true, false])
        func uidConflict(forgedFirst: Bool) async throws {
            let space = try Workspace()
            defer { space.remove() }
            let forged = try space.altered(
                "forged.sqlite", "UPDATE trials SET requests = requests * 2 WHERE id IN (SELECT id FROM trials ORDER BY id LIMIT 3)")
            let uid = try Self.uid(kind: "measured", in: forged)
            #expect(try Self.uid(kind: "measured", in: space.unpacked) == uid)
            let store = space.url("store.sqlite")
            let (first, second) = forgedFirst ? (forged, Self.reference) : (Self.reference, forged)

            let imported = try await space.cli.run(["import", first.path, "--db", store.path], timeout: .seconds(180))
            #expect(imported.code == 0, "\(imported)")
            let before = try StoreState(store)
            let storedID = try #require(try ResultStore.openForReading(path: store).run(uid: uid)?.id)

            let refused = try await space.cli.run(["import", second.path, "--db", store.path], timeout: .seconds(180))
            #expect(refused.code == 65, "\(refused)")
            #expect(!refused.crashed, "\(refused)")
            #expect(refused.stdout.isEmpty, "nothing is reported imported\n\(refused)")
            let error = refused.stderr
            #expect(error.contains("error: \(Self.shown(second)) (runs.uid = '\(uid)'): conflict: this file's measured run of aiohttp-vs-flask \(uid) has the identity of run \(storedID) of \(store.path) (imported from \(first.standardizedFileURL.path) on "), "\(refused)")
            #expect(error.contains("but other content: they differ in the trials' measurements (content digest "), "only the trials differ\n\(refused)")
            #expect(error.contains("hint: one of the two copies was altered, or is another run reusing the identity; nothing was imported."), "\(refused)")
            #expect(error.contains("import this file into another store (--db OTHER.sqlite)"), "\(refused)")
            #expect(try StoreState(store) == before, "a refused import changes nothing")

            // The genuine file imported again is a copy of itself (once: imports are slow).
            guard !forgedFirst else { return }
            let again = try await space.cli.run(["import", Self.reference.path, "--db", store.path], timeout: .seconds(180))
            #expect(again.code == 0, "\(again)")
            #expect(again.stdout.contains("measured run of aiohttp-vs-flask (uid \(uid)); left as it was"), "\(again)")
            #expect(again.stdout.contains("0 imported, 2 already present, 0 new machines"), "\(again)")
            #expect(try StoreState(store) == before)
        }

        @Test("a file whose published table has the 2017 table's identity and other numbers is refused at import (65), and a store holding it refuses the genuine published-2017.csv")
        func publishedConflict() async throws {
            let space = try Workspace()
            defer { space.remove() }
            // The table's own identity, the measured run left as it is.
            let forged = try space.altered(
                "forged-published.sqlite",
                "UPDATE published_results SET requests = requests + 5000 WHERE variant_id = (SELECT min(id) FROM variants WHERE run_id = (SELECT id FROM runs WHERE kind = 'published'))")
            let uid = try Self.uid(kind: "published", in: forged)

            // The genuine table already in the store, read from its CSV as build and compare do.
            let store = space.url("store.sqlite")
            let stored = try ResultStore(path: store).importPublished(csv: Self.publishedCSV, experiment: "aiohttp-vs-flask")
            #expect(try ResultStore(path: store).uid(ofRun: stored.id) == uid, "the file's published run is the shipped table's")
            // The genuine reference brings the same table: the same run, though read at another time, elsewhere.
            let genuine = try await space.cli.run(["import", Self.reference.path, "--db", store.path], timeout: .seconds(180))
            #expect(genuine.code == 0, "\(genuine)")
            #expect(genuine.stdout.contains("already present as run \(stored.id): published run of aiohttp-vs-flask (uid \(uid)); left as it was"), "\(genuine)")
            let before = try StoreState(store)
            let refused = try await space.cli.run(["import", forged.path, "--db", store.path], timeout: .seconds(180))
            #expect(refused.code == 65, "\(refused)")
            #expect(refused.stderr.contains("(runs.uid = '\(uid)'): conflict: this file's published run of aiohttp-vs-flask \(uid) has the identity of run \(stored.id) of \(store.path) (measured in this store) but other content: they differ in the published numbers"), "\(refused)")
            #expect(try StoreState(store) == before)

            // The forged table first: the genuine CSV no longer finds "its" run and takes it.
            let planted = space.url("planted.sqlite")
            let first = try await space.cli.run(["import", forged.path, "--db", planted.path], timeout: .seconds(180))
            #expect(first.code == 0, "\(first)")
            let plantedBefore = try StoreState(planted)
            let compare = try await space.cli.run(
                ["compare", "aiohttp-vs-flask", "--baseline", "published", "--db", planted.path, "--output", space.url("out").path],
                timeout: .seconds(180))
            #expect(compare.code == 65, "\(compare)")
            #expect(!compare.crashed, "\(compare)")
            #expect(compare.stderr.contains("error: experiments/aiohttp-vs-flask/baseline/published-2017.csv: conflict: run 1 of \(planted.path) (imported from \(forged.path) on "), "\(compare)")
            #expect(compare.stderr.contains("has this published table's identity but not its content: variant 'aiohttp': requests 35702 in the store, 30702 in the file\n"), "\(compare)")
            #expect(try StoreState(planted) == plantedBefore)
        }

        @Test("the digest does not depend on row order or row ids: the reference with every variant, trial and sample row renumbered and reinserted in reverse has the same digest")
        func digestIgnoresOrder() throws {
            let space = try Workspace()
            defer { space.remove() }
            let shuffled = try space.altered("shuffled.sqlite", """
                CREATE TEMP TABLE l AS SELECT * FROM latency_samples ORDER BY rowid DESC;
                DELETE FROM latency_samples; INSERT INTO latency_samples SELECT * FROM l;
                CREATE TEMP TABLE r AS SELECT * FROM resource_samples ORDER BY rowid DESC;
                DELETE FROM resource_samples; INSERT INTO resource_samples SELECT * FROM r;
                CREATE TEMP TABLE g AS SELECT * FROM generator_percentiles ORDER BY trial_id DESC, percentile DESC;
                DELETE FROM generator_percentiles; INSERT INTO generator_percentiles SELECT * FROM g;
                CREATE TEMP TABLE ti AS SELECT * FROM trial_intervals ORDER BY trial_id DESC, start_us DESC;
                DELETE FROM trial_intervals; INSERT INTO trial_intervals SELECT * FROM ti;
                UPDATE trials SET id = 10000 - id;
                UPDATE latency_samples SET trial_id = 10000 - trial_id;
                UPDATE resource_samples SET trial_id = 10000 - trial_id;
                UPDATE generator_percentiles SET trial_id = 10000 - trial_id;
                UPDATE trial_timelines SET trial_id = 10000 - trial_id;
                UPDATE trial_intervals SET trial_id = 10000 - trial_id;
                UPDATE variants SET id = 500 - id;
                UPDATE trials SET variant_id = 500 - variant_id;
                UPDATE published_results SET variant_id = 500 - variant_id;
                """)
            let original = try ResultStore.openForReading(path: space.unpacked)
            let reordered = try ResultStore.openForReading(path: shuffled)
            let first = try #require(try reordered.database.firstRow("SELECT min(rowid) FROM latency_samples") { $0.int64(at: 0) })
            let firstTrial = try #require(try reordered.database.firstRow("SELECT trial_id FROM latency_samples WHERE rowid = ?", first) { $0.int64(at: 0) })
            #expect(firstTrial > 9000, "the rows really were renumbered and reversed")
            for kind in ["published", "measured"] {
                let uid = try Self.uid(kind: kind, in: space.unpacked)
                let here = try #require(try original.run(uid: uid)?.id)
                let there = try #require(try reordered.run(uid: uid)?.id)
                let clock = ContinuousClock()
                var digest: RunDigest?
                let took = try clock.measure { digest = try original.digest(ofRun: here) }
                print("digest of the reference's \(kind) run: \(took)")
                #expect(try reordered.digest(ofRun: there) == digest)
            }
        }

        @Test("runs stored before schema 11 have no import record and stay the store's own, so build can still continue them; the same file imported into another store is not that store's own")
        func runsBeforeTheMigrationAreLocal() throws {
            let space = try Workspace()
            defer { space.remove() }
            let uid = try Self.uid(kind: "measured", in: space.unpacked)
            // A schema-10 store: the shipped reference with migration 11 undone. Opening it
            // migrates it in place.
            let schema10 = try space.altered("schema-10.sqlite", """
                \(SchemaUndo.timelines)
                \(SchemaUndo.packedLatency)
                DROP TABLE run_imports; DROP TABLE store_identity; ALTER TABLE runs DROP COLUMN store_uid;
                PRAGMA user_version = 10;
                """)
            let old = try ResultStore(path: schema10)
            let run = try #require(try old.run(uid: uid))
            #expect(try old.origin(ofRun: run.id) == .local)
            #expect(try old.latestOwnRun(experiment: run.experiment, definitionHash: run.definitionHash, machineID: run.machineID)?.id == run.id)

            let other = try ResultStore(path: space.url("other.sqlite"))
            #expect(try other.importRuns(from: schema10).imported.count == 2)
            let imported = try #require(try other.run(uid: uid))
            guard case .imported(let source, _) = try other.origin(ofRun: imported.id) else {
                Issue.record("run \(imported.id) is \(try other.origin(ofRun: imported.id)), not imported")
                return
            }
            #expect(source == schema10.standardizedFileURL.path)
            #expect(try other.latestOwnRun(experiment: run.experiment, definitionHash: run.definitionHash, machineID: imported.machineID) == nil)
            #expect(try other.latestRun(experiment: run.experiment, definitionHash: run.definitionHash, machineID: imported.machineID)?.id == imported.id)
        }

        /// One number or text of a real run, changed by SQL: each must change the digest.
        static let changes: [(what: String, sql: String)] = [
            ("a trial's requests", "UPDATE trials SET requests = requests + 1 WHERE id = (SELECT max(id) FROM trials)"),
            ("a trial's duration", "UPDATE trials SET duration_us = duration_us + 1 WHERE id = (SELECT min(id) FROM trials)"),
            ("a trial's read errors", "UPDATE trials SET errors_read = errors_read + 1 WHERE id = (SELECT min(id) FROM trials)"),
            ("a trial's failure", "UPDATE trials SET failure = 'planted' WHERE id = (SELECT min(id) FROM trials)"),
            ("a trial's command line", "UPDATE trials SET command_line = command_line || ' ' WHERE id = (SELECT min(id) FROM trials)"),
            ("a latency bucket's count", "UPDATE latency_samples SET count = count + 1 WHERE rowid = (SELECT max(rowid) FROM latency_samples)"),
            ("a latency bucket's latency", "UPDATE latency_samples SET latency_us = latency_us + 1 WHERE rowid = (SELECT min(rowid) FROM latency_samples)"),
            ("a latency row moved to another trial", "UPDATE latency_samples SET trial_id = trial_id + 1 WHERE rowid = (SELECT min(rowid) FROM latency_samples)"),
            ("a resource sample's RSS", "UPDATE resource_samples SET rss_bytes = rss_bytes + 1 WHERE rowid = (SELECT min(rowid) FROM resource_samples)"),
            ("a generator percentile", "UPDATE generator_percentiles SET latency_us = latency_us + 0.001 WHERE rowid = (SELECT min(rowid) FROM generator_percentiles)"),
            ("the definition", "UPDATE runs SET definition_text = definition_text || ' ' WHERE kind = 'measured'"),
            ("the software versions", "UPDATE runs SET software_json = software_json || ' ' WHERE kind = 'measured'"),
            ("the write-up", "UPDATE runs SET writeup_text = coalesce(writeup_text, '') || 'x' WHERE kind = 'measured'"),
            ("the machine's hardware fingerprint", "UPDATE machines SET fingerprint = fingerprint || 'x' WHERE id = (SELECT machine_id FROM runs WHERE kind = 'measured')"),
            ("a variant's configuration", "UPDATE variants SET config_json = config_json || ' ' WHERE id = (SELECT max(id) FROM variants)"),
            ("a timeline interval's requests", "UPDATE trial_intervals SET requests = requests + 1 WHERE trial_id = (SELECT min(trial_id) FROM trial_intervals) AND start_us = 0"),
            ("a timeline's warm-up", "UPDATE trial_timelines SET warmup_us = warmup_us + 1 WHERE trial_id = (SELECT max(trial_id) FROM trial_timelines)"),
            ("a published number", "UPDATE published_results SET p99_ms = p99_ms + 0.01 WHERE rowid = (SELECT min(rowid) FROM published_results)"),
        ]

        @Test("any single changed number or text of a run changes its digest; what is the store's own (its identity, the import record, a machine's hostname) does not")
        func digestSeesEveryChange() throws {
            let space = try Workspace()
            defer { space.remove() }
            // A real run, smaller: two of the reference's trials keep their latency samples.
            let small = try space.altered("small.sqlite", """
                DELETE FROM latency_samples WHERE trial_id NOT IN (SELECT id FROM trials ORDER BY id LIMIT 2);
                """)
            let store = try ResultStore(path: small)
            let database = store.database
            for index in StoreSchema.sampleIndexes { try database.execute(index) }
            let runs = try database.rows("SELECT id FROM runs ORDER BY id") { $0.int64(at: 0) }
            func digests() throws -> [String] { try runs.map { try store.digest(ofRun: $0).hex } }
            let original = try digests()
            for (what, sql) in Self.changes {
                try database.execute("BEGIN")
                try database.execute(sql)
                #expect(database.changes == 1 || sql.contains("machines") || sql.contains("runs SET"), "\(what): \(sql) changed \(database.changes) rows")
                let changed = try digests()
                try database.execute("ROLLBACK")
                #expect(changed != original, "\(what) must change a digest")
            }
            #expect(try digests() == original)
            for local in [
                "UPDATE store_identity SET uid = 'other'", "UPDATE runs SET store_uid = 'other'",
                "INSERT INTO run_imports SELECT id, '/elsewhere.sqlite', '2026-01-01T00:00:00.000Z' FROM runs",
                "UPDATE machines SET hostname = 'renamed', os = 'other'",
            ] {
                try database.execute("BEGIN")
                try database.execute(local)
                let same = try digests()
                try database.execute("ROLLBACK")
                #expect(same == original, "\(local) is the store's own, not the run's content")
            }
        }
    }

    /// A run measured on an identical machine (here: this very one, in another store) and
    /// imported has this machine's fingerprint and the same definition, yet `build` neither
    /// continues it nor calls it done: it measures a run of its own and says why.
    @Suite("build never continues or adopts an imported run", .serialized, .timeLimit(.minutes(6)))
    struct ImportedRunBuildTests {
        /// What a run's rows hold, to tell that a build left it alone.
        static func state(_ project: TinyProject, _ store: String, uid: String) throws -> (id: Int64, status: String, trials: Int64, digest: String) {
            let row = try #require(try project.query(
                store,
                """
                SELECT r.id, r.status, (SELECT count(*) FROM trials t JOIN variants v ON v.id = t.variant_id WHERE v.run_id = r.id)
                FROM runs r WHERE r.uid = '\(uid)'
                """
            ) { ($0.int64(at: 0), $0.string(at: 1) ?? "", $0.int64(at: 2)) }.first)
            return (row.0, row.1, row.2, try ResultStore.openForReading(path: project.url(store)).digest(ofRun: row.0).hex)
        }

        @Test(
            "an imported run of this definition from a machine with this fingerprint, interrupted or complete, is left as it was: build makes a new local run and says it skipped the imported one",
            arguments: ["interrupted", "complete"])
        func importedRunIsNotResumed(status: String) async throws {
            let project = try TinyProject()
            defer { project.remove() }
            let other = try await project.cli.run(["run", "tiny", "--quick", "--db", "vm/results.sqlite"], timeout: .seconds(120))
            #expect(other.code == 0, "\(other)")
            let otherID = try #require(try project.measuredRuns("vm/results.sqlite").first)
            let export = try await project.cli.run(["export", "\(otherID)", "-o", "vm-run.sqlite", "--db", "vm/results.sqlite"], timeout: .seconds(60))
            #expect(export.code == 0, "\(export)")
            if status == "interrupted" {
                // Stopped after its first trial, as a killed run is stored.
                try SQLiteDatabase.withConnection(path: project.url("vm-run.sqlite").path) { database in
                    try database.execute("""
                        UPDATE runs SET status = 'interrupted', finished_at = NULL WHERE kind = 'measured';
                        DELETE FROM trials WHERE id = (SELECT max(id) FROM trials);
                        """)
                }
            }
            let uid = try #require(try project.query("vm-run.sqlite", "SELECT uid FROM runs WHERE kind = 'measured'") { $0.string(at: 0) }.first ?? nil)

            let imported = try await project.cli.run(["import", "vm-run.sqlite", "--db", "here/results.sqlite"], timeout: .seconds(60))
            #expect(imported.code == 0, "\(imported)")
            let before = try Self.state(project, "here/results.sqlite", uid: uid)
            #expect(before.status == status && before.trials == (status == "interrupted" ? 1 : 2), "\(before)")
            let fingerprints = try project.query(
                "here/results.sqlite", "SELECT count(DISTINCT machine_id) FROM runs WHERE kind = 'measured'") { $0.int64(at: 0) }
            #expect(fingerprints == [1], "the imported run's machine is this machine")

            let build = try await project.cli.run(["build", "tiny", "--quick", "--db", "here/results.sqlite"], timeout: .seconds(180))
            #expect(build.code == 0, "\(build)")
            #expect(build.stdout.contains(
                "run \(before.id) of this definition on a machine like this one was imported from \(project.url("vm-run.sqlite").standardizedFileURL.path) on "),
                "\(build)")
            #expect(build.stdout.contains(": not continued or taken as this store's own"), "\(build)")
            #expect(!build.stdout.contains("continuing run \(before.id)"), "\(build)")
            #expect(!build.stdout.contains("is complete; nothing to measure"), "\(build)")

            let runs = try project.measuredRuns("here/results.sqlite")
            #expect(runs.count == 2, "the imported run and a new one: \(runs)")
            let own = try #require(runs.first { $0 != before.id })
            let trials = try project.query(
                "here/results.sqlite",
                "SELECT count(*) FROM trials t JOIN variants v ON v.id = t.variant_id WHERE v.run_id = \(own) AND t.status = 'ok'"
            ) { $0.int64(at: 0) }
            #expect(trials == [2], "the new run measured both variants itself")
            #expect(try ResultStore.openForReading(path: project.url("here/results.sqlite")).origin(ofRun: own) == .local)
            let after = try Self.state(project, "here/results.sqlite", uid: uid)
            #expect(after.status == before.status && after.trials == before.trials && after.digest == before.digest, "the imported run is left as it was: \(before) → \(after)")

            let list = try await project.cli.run(["list", "--db", "here/results.sqlite"], timeout: .seconds(60))
            let rows = list.stdout.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
            #expect(rows.contains { $0.hasPrefix("\(before.id) tiny (quick) \(status) ") && $0.hasSuffix(" (imported)") }, "\(list)")
            #expect(rows.contains { $0.hasPrefix("\(own) tiny (quick) complete ") && !$0.hasSuffix(" (imported)") }, "\(list)")
            #expect(RealServers.serversLeft().isEmpty)
        }
    }
}
