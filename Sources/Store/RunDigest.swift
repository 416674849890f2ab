import CSQLite
import Core
import Foundation
import Records

/// A run's identity as content: a SHA-256 over a canonical serialisation of everything that
/// makes its result (definition, machine, software, command lines, every trial with its
/// measurements, latency histogram, generator percentiles, resource samples and requests,
/// failures, the stored write-up). Two stores hold the same run exactly when the digests of
/// their copies are equal, whatever order the rows were written in.
///
/// Left out is what is legitimately local to one store: row ids (a parent is named by its
/// key, a variant by its name and a trial by its variant and index), the store that measured
/// the run (`runs.store_uid`, provenance, not result) and the import record. A machine counts
/// by its fingerprint (the hash of its hardware facts): its hostname and OS are the store's
/// and are refreshed by its newest run. A published table's run counts by its table only:
/// when and by which reportgen it was read into a store, how that reportgen encoded its
/// empty settings, and its label (from the file's name), are the store's.
///
/// Each section is hashed on its own so that a mismatch can say where the copies differ;
/// the digest is the hash of the sections'. Rows are put in a canonical order one table of
/// one trial at a time, so the run is never held in memory.
public struct RunDigest: Sendable, Equatable {
    /// The parts of a run, each with a hash of its own, in the order they are combined.
    public enum Section: String, Sendable, CaseIterable {
        case run = "the run's definition, software and settings"
        case machines = "the machines"
        case hosts = "the hosts"
        case variants = "the variants"
        case published = "the published numbers"
        case trials = "the trials' measurements"
        case latency = "the latency samples"
        case percentiles = "the generator's percentiles"
        case resources = "the resource samples"
        case requests = "the requests"
        /// Only in runs that have one: a run stored before timelines keeps its digest.
        case timeline = "the trials' timelines"
        /// Only in runs that searched for capacity: other runs keep their digest.
        case capacity = "the capacity search"
    }

    /// The lowercase hex SHA-256 of the whole run.
    public let hex: String
    /// Each section's hex SHA-256.
    public let sections: [Section: String]

    /// The sections whose content differs between `self` and `other`, in order.
    public func differences(from other: RunDigest) -> [Section] {
        Section.allCases.filter { sections[$0] != other.sections[$0] }
    }

    /// The digest of run `runID` of `schema` ("main", or an attached file) on `database`.
    static func of(runID: Int64, schema: String, in database: SQLiteDatabase) throws -> RunDigest {
        try RunDigestReader(database: database, schema: schema, runID: runID).read()
    }
}

/// Reads one run's rows into the hashers of `RunDigest`'s sections.
private struct RunDigestReader {
    let database: SQLiteDatabase
    let schema: String
    let runID: Int64
    let hashers = Dictionary(uniqueKeysWithValues: RunDigest.Section.allCases.map { ($0, SHA256.Hasher()) })

    /// Columns of a published run that record its reading into a store (when, by which
    /// reportgen, encoded how), not its table: two stores that read the same table at other
    /// times, with other versions, hold the same published run.
    static let publishedLocal: Set<String> = ["started_at", "finished_at", "tool_version", "software_json", "overrides_json"]
    /// Sample tables, read trial by trial, with the section they feed.
    static let sampleTables: [(table: String, section: RunDigest.Section)] = [
        ("latency_samples", .latency), ("generator_percentiles", .percentiles),
        ("resource_samples", .resources), ("requests", .requests),
    ]

    func read() throws -> RunDigest {
        guard let kind = try database.firstRow("SELECT kind FROM \(schema).runs WHERE id = ?", runID, decode: { $0.string(at: 0) }) else {
            throw ReportgenError(.badStore, "run \(runID) vanished while its content was read")
        }
        let published = kind == RunKind.published.rawValue
        try feed(.run, table: "runs", excluding: Set(["id", "machine_id", "store_uid"]).union(published ? Self.publishedLocal : []), from: "WHERE x.id = ?1")
        if !published {
            try feed(.machines, select: ["m.fingerprint"], from: "\(schema).runs x JOIN \(schema).machines m ON m.id = x.machine_id WHERE x.id = ?1")
        }
        try feed(
            .hosts, table: "run_hosts", excluding: ["run_id", "machine_id"], key: ["m.fingerprint"],
            from: "JOIN \(schema).machines m ON m.id = x.machine_id WHERE x.run_id = ?1")
        // A published table's variants all say the same thing: "published".
        try feed(.variants, table: "variants", excluding: published ? ["id", "run_id", "config_json"] : ["id", "run_id"], from: "WHERE x.run_id = ?1")
        try feed(
            .variants, table: "cell_levels", excluding: ["variant_id"], key: ["v.name"],
            from: "JOIN \(schema).variants v ON v.id = x.variant_id WHERE v.run_id = ?1")
        try feed(
            .published, table: "published_results", excluding: ["run_id", "variant_id"], key: ["v.name"],
            from: "JOIN \(schema).variants v ON v.id = x.variant_id WHERE x.run_id = ?1")
        try feed(
            .trials, table: "trials", excluding: ["id", "variant_id"], key: ["v.name"],
            from: "JOIN \(schema).variants v ON v.id = x.variant_id WHERE v.run_id = ?1")
        try feedSamples()
        var absent: Set<RunDigest.Section> = []
        if try !feedTimelines() { absent.insert(.timeline) }
        if try !feedCapacity() { absent.insert(.capacity) }

        var sections = hashers.mapValues { $0.finalHex() }
        for section in absent { sections[section] = nil }
        let whole = SHA256.Hasher()
        for section in RunDigest.Section.allCases where !absent.contains(section) {
            whole.update("\(section)=\(sections[section] ?? "")\n")
        }
        return RunDigest(hex: whole.finalHex(), sections: sections)
    }

    /// Each trial's samples, trial by trial in (variant name, trial index) order. A trial's
    /// rows lie in one stretch of row ids (written in one transaction): that stretch is
    /// scanned, as a render reads it, rather than looked up row by row through the index.
    private func feedSamples() throws {
        let trials = try database.prepare(
            """
            SELECT t.id, v.name, t.trial_index FROM \(schema).trials t JOIN \(schema).variants v ON v.id = t.variant_id
            WHERE v.run_id = ? ORDER BY v.name, t.trial_index
            """)
        try trials.bind(runID, at: 1)
        var queries: [(statement: SQLiteStatement, bounds: TrialRows, hasher: SHA256.Hasher, packed: Bool)] = []
        // A trial's latency rows are read from its packed copy when it has one that decodes:
        // the same values in the same canonical order, serialised as the rows would be.
        let packed = try database.prepare("SELECT buckets, packed FROM \(schema).latency_histograms WHERE trial_id = ?")
        for (table, section) in Self.sampleTables {
            let names = try self.columns(table).filter { $0 != "trial_id" }
            let columns = names.map { "x.\(Self.quoted($0))" }
            guard let hasher = hashers[section] else { continue }
            hasher.update("C" + columns.joined(separator: ","))
            let rows = "\(schema).\(table)"
            queries.append((
                try database.prepare(
                    """
                    SELECT \(columns.joined(separator: ", ")) FROM \(rows) x
                    WHERE x.rowid BETWEEN ?2 AND ?3
                        AND +x.trial_id = ?1 -- "+": filtered in the scan, not looked up in the index
                    """),
                try TrialRows(database: database, table: rows, indexed: isIndexed(table)),
                hasher, table == "latency_samples" && names == ["latency_us", "count"]))
        }
        var key: [UInt8] = []
        while try trials.step() {
            let trialID = trials.int64(at: 0)
            // The trial's key opens its block, so rows cannot move between trials unseen.
            key.removeAll(keepingCapacity: true)
            key.append(UInt8(ascii: "T"))
            trials.appendValues(1..<3, to: &key)
            for (statement, bounds, hasher, canBePacked) in queries {
                hasher.update(key[...])
                var rows = SerialisedRows()
                if canBePacked, let buckets = try packedLatency(packed, trialID: trialID) {
                    // Decoded in canonical order (as they always are): streamed, not gathered.
                    if SerialisedRows.feedInOrder(buckets, into: hasher) { continue }
                    for bucket in buckets { rows.append(bucket) }
                } else {
                    try statement.reset()
                    let (first, last) = try bounds.range(of: trialID)
                    try statement.bind([trialID, first, last])
                    while try statement.step() { rows.append(statement) }
                }
                rows.feed(into: hasher)
            }
        }
        try trials.reset()
    }

    /// The trials' timelines and their intervals, keyed by (variant name, trial index); false,
    /// feeding nothing, when no trial of the run has one.
    private func feedTimelines() throws -> Bool {
        let trialsOfRun = "JOIN \(schema).trials t ON t.id = x.trial_id JOIN \(schema).variants v ON v.id = t.variant_id WHERE v.run_id = ?1"
        let any = try database.firstRow(
            "SELECT EXISTS (SELECT 1 FROM \(schema).trial_timelines x \(trialsOfRun))", runID, decode: { $0.int64(at: 0) })
        guard any == 1 else { return false }
        for table in ["trial_timelines", "trial_intervals"] {
            try feed(.timeline, table: table, excluding: ["trial_id"], key: ["v.name", "t.trial_index"], from: trialsOfRun)
        }
        return true
    }

    /// The run's capacity target and its probes' roles, keyed by (variant name, trial
    /// index); false, feeding nothing, when the run searched for no capacity.
    private func feedCapacity() throws -> Bool {
        // Probes without their search row count too: hiding trials that way shows here.
        let any = try database.firstRow(
            """
            SELECT EXISTS (SELECT 1 FROM \(schema).capacity_searches WHERE run_id = ?1)
                OR EXISTS (SELECT 1 FROM \(schema).capacity_probes x JOIN \(schema).trials t ON t.id = x.trial_id
                           JOIN \(schema).variants v ON v.id = t.variant_id WHERE v.run_id = ?1)
            """, runID, decode: { $0.int64(at: 0) })
        guard any == 1 else { return false }
        try feed(.capacity, table: "capacity_searches", excluding: ["run_id"], from: "WHERE x.run_id = ?1")
        try feed(
            .capacity, table: "capacity_probes", excluding: ["trial_id"], key: ["v.name", "t.trial_index"],
            from: "JOIN \(schema).trials t ON t.id = x.trial_id JOIN \(schema).variants v ON v.id = t.variant_id WHERE v.run_id = ?1")
        return true
    }

    /// Whether `table` has its index by trial: an xz export read in place has none.
    private func isIndexed(_ table: String) throws -> Bool {
        try database.firstRow(
            "SELECT count(*) FROM \(schema).sqlite_master WHERE type = 'index' AND name = ?", "\(table)_by_trial"
        ) { $0.int64(at: 0) } == 1
    }

    /// Trial `trialID`'s packed latency (see `PackedLatency`), nil without one that decodes.
    private func packedLatency(_ statement: SQLiteStatement, trialID: Int64) throws -> [LatencyBucket]? {
        try statement.reset()
        try statement.bind(trialID, at: 1)
        guard try statement.step(), let blob = statement.data(at: 1) else { return nil }
        return PackedLatency.decode(blob, expected: statement.int64(at: 0), trialID: trialID)
    }

    /// Feeds the rows of `table` (aliased `x`) selected by `from`: the `key` expressions,
    /// then every column not `excluding`.
    private func feed(_ section: RunDigest.Section, table: String, excluding: Set<String>, key: [String] = [], from: String) throws {
        let columns = try self.columns(table).filter { !excluding.contains($0) }.map { "x.\(Self.quoted($0))" }
        try feed(section, select: key + columns, from: "\(schema).\(table) x " + from)
    }

    private func feed(_ section: RunDigest.Section, select: [String], from: String) throws {
        guard let hasher = hashers[section] else { return }
        // The column list is part of the content: a value cannot pass for another column's.
        hasher.update("C" + select.joined(separator: ","))
        let statement = try database.prepare("SELECT \(select.joined(separator: ", ")) FROM \(from)")
        try statement.bind(runID, at: 1)
        var rows = SerialisedRows()
        while try statement.step() { rows.append(statement) }
        try statement.reset()
        rows.feed(into: hasher)
    }

    /// `identifier` as SQL writes a name.
    private static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private func columns(_ table: String) throws -> [String] {
        try database.rows("SELECT name FROM pragma_table_info(?, ?) ORDER BY cid", table, schema) { try $0.requiredString(at: 0) }
    }
}

/// Where each trial's rows of a sample table lie: the first and last row id, from the index
/// by trial (two steps down it per trial) or, without one, from one scan of the table for all
/// trials at once (a lookup per trial would scan the whole table every time).
private struct TrialRows {
    private let statement: SQLiteStatement?
    private let all: [Int64: (Int64, Int64)]

    init(database: SQLiteDatabase, table: String, indexed: Bool) throws {
        if indexed {
            statement = try database.prepare(
                "SELECT (SELECT min(rowid) FROM \(table) WHERE trial_id = ?1), (SELECT max(rowid) FROM \(table) WHERE trial_id = ?1)")
            all = [:]
        } else {
            statement = nil
            var all: [Int64: (Int64, Int64)] = [:]
            let scan = try database.prepare("SELECT trial_id, min(rowid), max(rowid) FROM \(table) GROUP BY trial_id")
            while try scan.step() { all[scan.int64(at: 0)] = (scan.int64(at: 1), scan.int64(at: 2)) }
            try scan.reset()
            self.all = all
        }
    }

    /// The trial's first and last row id; an empty range when it has no rows.
    func range(of trialID: Int64) throws -> (Int64, Int64) {
        guard let statement else { return all[trialID] ?? (1, 0) }
        try statement.reset()
        try statement.bind(trialID, at: 1)
        guard try statement.step(), !statement.isNull(at: 0) else { return (1, 0) }
        return (statement.int64(at: 0), statement.int64(at: 1))
    }
}

/// Rows serialised one after another, each where it starts: one table's rows of a run or of
/// a trial, fed to a hasher in bytewise order of their serialisations. That order is the
/// canonical one (the same rows give it whatever order they were stored in), and samples
/// are stored in it already (ascending latency, time), so usually nothing is sorted.
private struct SerialisedRows {
    var bytes: [UInt8] = []
    var starts: [Int] = []

    mutating func append(_ statement: SQLiteStatement) {
        starts.append(bytes.count)
        bytes.append(UInt8(ascii: "R"))
        statement.appendValues(0..<statement.columnCount, to: &bytes)
    }

    /// A `latency_samples` row (latency_us, count) as `append(_:)` serialises it from SQLite.
    mutating func append(_ bucket: LatencyBucket) {
        starts.append(bytes.count)
        bytes.append(UInt8(ascii: "R"))
        for value in [bucket.latencyUs, bucket.count] {
            bytes.append(UInt8(ascii: "i"))
            withUnsafeBytes(of: UInt64(bitPattern: value).bigEndian) { bytes.append(contentsOf: $0) }
        }
    }

    /// Feeds latency rows already in the canonical order (ascending latency, then count, none
    /// negative: bytewise order of their serialisations) as `feed(into:)` would, in chunks,
    /// without gathering them; false, feeding nothing, when they are not in that order.
    static func feedInOrder(_ buckets: [LatencyBucket], into hasher: SHA256.Hasher) -> Bool {
        var previous = LatencyBucket(latencyUs: 0, count: 0)
        for bucket in buckets {
            guard bucket.latencyUs >= 0, bucket.count >= 0,
                (previous.latencyUs, previous.count) <= (bucket.latencyUs, bucket.count)
            else { return false }
            previous = bucket
        }
        let rowBytes = 19
        let rowsPerChunk = 4096
        var chunk = [UInt8](repeating: 0, count: rowBytes * rowsPerChunk)
        var start = 0
        while start < buckets.count {
            let end = min(start + rowsPerChunk, buckets.count)
            chunk.withUnsafeMutableBytes { out in
                var at = 0
                for bucket in buckets[start..<end] {
                    out[at] = UInt8(ascii: "R")
                    out[at + 1] = UInt8(ascii: "i")
                    out.storeBytes(of: UInt64(bitPattern: bucket.latencyUs).bigEndian, toByteOffset: at + 2, as: UInt64.self)
                    out[at + 10] = UInt8(ascii: "i")
                    out.storeBytes(of: UInt64(bitPattern: bucket.count).bigEndian, toByteOffset: at + 11, as: UInt64.self)
                    at += rowBytes
                }
            }
            chunk.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<((end - start) * rowBytes)])) }
            start = end
        }
        return true
    }

    func feed(into hasher: SHA256.Hasher) {
        let ends = Array(starts.dropFirst()) + [bytes.count]
        bytes.withUnsafeBytes { all in
            func row(_ index: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: all[starts[index]..<ends[index]]) }
            // memcmp, then length: the bytewise order (a shorter row that is a prefix comes first).
            func precedes(_ a: Int, _ b: Int) -> Bool {
                let (left, right) = (row(a), row(b))
                let common = min(left.count, right.count)
                guard common > 0, let leftStart = left.baseAddress, let rightStart = right.baseAddress else {
                    return left.count < right.count
                }
                let order = memcmp(leftStart, rightStart, common)
                return order != 0 ? order < 0 : left.count < right.count
            }
            var index = 1
            while index < starts.count, !precedes(index, index - 1) { index += 1 }
            guard index < starts.count else {
                hasher.update(all)
                return
            }
            for index in starts.indices.sorted(by: precedes) {
                hasher.update(row(index))
            }
        }
    }
}

extension SQLiteStatement {
    /// How many columns a row of this statement has.
    var columnCount: Int32 { sqlite3_column_count(handle) }

    /// Appends columns `range` of the current row to `bytes`, each as its storage class and
    /// its exact value (big-endian; a length before text and blobs), so no two rows
    /// serialise alike: 5, 5.0, '5' and NULL are four different values.
    func appendValues(_ range: Range<Int32>, to bytes: inout [UInt8]) {
        for index in range {
            switch sqlite3_column_type(handle, index) {
            case SQLITE_INTEGER:
                bytes.append(UInt8(ascii: "i"))
                Self.append(UInt64(bitPattern: sqlite3_column_int64(handle, index)), to: &bytes)
            case SQLITE_FLOAT:
                bytes.append(UInt8(ascii: "f"))
                Self.append(sqlite3_column_double(handle, index).bitPattern, to: &bytes)
            case SQLITE_TEXT:
                bytes.append(UInt8(ascii: "t"))
                appendBytes(sqlite3_column_text(handle, index).map(UnsafeRawPointer.init), index, to: &bytes)
            case SQLITE_BLOB:
                bytes.append(UInt8(ascii: "b"))
                appendBytes(sqlite3_column_blob(handle, index), index, to: &bytes)
            default:
                bytes.append(UInt8(ascii: "n"))
            }
        }
    }

    private func appendBytes(_ start: UnsafeRawPointer?, _ index: Int32, to bytes: inout [UInt8]) {
        let count = Int(sqlite3_column_bytes(handle, index))
        Self.append(UInt64(count), to: &bytes)
        guard let start, count > 0 else { return }
        bytes.append(contentsOf: UnsafeRawBufferPointer(start: start, count: count))
    }

    private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
