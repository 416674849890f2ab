import Foundation
import TestFixtures
import Testing
@testable import Core
@testable import Definition
@testable import Report
@testable import Store

/// 1,000 numeric cells of a real export (the thinned shipped reference) set at random to
/// values at and past every bound (INT64_MAX and MIN, negative, huge, infinite, text, a
/// fraction), 20 to a file, each file then read as `render --from` reads it: checked,
/// copied, and rendered in full when the check lets it through. Nothing may crash; every
/// refusal is a `ReportgenError` naming the file. Half the files get only small,
/// plausible numbers, so renders of odd but valid data are exercised too. The seed is
/// printed; HOSTILE_FUZZ_SEED=N repeats a run.
@Suite("Hostile store fuzzing", .serialized, .timeLimit(.minutes(10)))
struct HostileStoreFuzzTests {
    struct Cell {
        var table: String
        var column: String
        var rows: Int64
    }

    @Test("1,000 random numeric cells of a real export: refused or rendered, never a crash")
    func mutations() throws {
        let seed = ProcessInfo.processInfo.environment["HOSTILE_FUZZ_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        print("hostile fuzz seed: \(seed) (HOSTILE_FUZZ_SEED=\(seed) repeats this run)")
        var random = SplitMix64(seed: seed)
        let folder = FileManager.default.temporaryDirectory.appending(path: "hostile-fuzz-\(UUID().uuidString)", directoryHint: .isDirectory)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = try ThinnedReference.file()
        let cells = try numericCells(base)

        var applied = 0
        var refused = 0
        var rendered = 0
        var fileIndex = 0
        while applied < 1000 {
            let file = folder.appending(path: "mutated-\(fileIndex).sqlite")
            fileIndex += 1
            try FileManager.default.copyItem(at: base, to: file)
            let plausibleOnly = fileIndex % 2 == 0
            var changes: [String] = []
            try SQLiteDatabase.withConnection(path: file.path) { database in
                while changes.count < 20 {
                    let cell = cells[Int(random.next() % UInt64(cells.count))]
                    let offset = Int64(random.next() % UInt64(cell.rows))
                    let value = plausibleOnly ? "\(random.next() % 1000)" : Self.hostileValue(&random)
                    let sql = "UPDATE \(cell.table) SET \"\(cell.column)\" = \(value) WHERE rowid = (SELECT rowid FROM \(cell.table) LIMIT 1 OFFSET \(offset))"
                    // A value the schema itself refuses (NULL where NOT NULL, a duplicate key) is no mutation.
                    guard (try? database.execute(sql)) != nil, database.changes == 1 else { continue }
                    changes.append("\(cell.table).\(cell.column) row +\(offset) = \(value)")
                }
            }
            applied += changes.count
            do {
                try render(file, into: folder.appending(path: "out"))
                rendered += 1
            } catch let error as ReportgenError {
                refused += 1
                #expect(error.location?.file.hasSuffix(file.lastPathComponent) == true, "\(error)\n\(changes)")
                #expect(error.code == .refusedFile || error.code == .badArgument, "\(error)\n\(changes)")
            }
            try FileManager.default.removeItem(at: file)
        }
        print("hostile fuzz: \(applied) cells in \(fileIndex) files, \(refused) refused, \(rendered) rendered")
        #expect(refused > 0)
        #expect(rendered > 0)
    }

    /// Every INTEGER and REAL column of every table, with its row count.
    private func numericCells(_ file: URL) throws -> [Cell] {
        try SQLiteDatabase.withConnection(path: file.path, mode: .readOnly) { database in
            var cells: [Cell] = []
            let tables = try database.rows("SELECT name FROM sqlite_master WHERE type = 'table'") { try $0.requiredString(at: 0) }
            for table in tables {
                let rows = try database.firstRow("SELECT count(*) FROM \(table)") { $0.int64(at: 0) } ?? 0
                guard rows > 0 else { continue }
                let columns = try database.rows("SELECT name FROM pragma_table_info(?) WHERE type IN ('INTEGER', 'REAL')", table) {
                    try $0.requiredString(at: 0)
                }
                cells += columns.map { Cell(table: table, column: $0, rows: rows) }
            }
            return cells
        }
    }

    private static func hostileValue(_ random: inout SplitMix64) -> String {
        let values = [
            "9223372036854775807", "-9223372036854775808", "-1", "0", "1", "9007199254740993", "1000000000001",
            "86400000001", "'lots'", "1.5", "9e999", "-9e999", "x'00ff'", "\(Int64(bitPattern: random.next()))",
            "\(random.next() % (1 << 40))",
        ]
        return values[Int(random.next() % UInt64(values.count))]
    }

    /// What `render --from` does with the file, in process: a checked snapshot, the measured
    /// run's stored definition, the whole report.
    private func render(_ file: URL, into output: URL) throws {
        try ResultStore.withSnapshot(of: file) { snapshot in
            let runs = try snapshot.store.listRuns().map(\.run).filter { $0.kind == .measured }
            guard let run = runs.first, let text = try snapshot.store.definitionText(ofRun: run.id) else { return }
            let definition = try DefinitionLoader.stored(text: text, name: run.experiment, projectRoot: TestPaths.projectRoot)
            _ = try ReportBuilder.render(store: snapshot.store, runID: run.id, experiment: definition, outputRoot: output)
        }
    }
}
