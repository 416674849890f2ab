import Core
import Definition
import Foundation

/// A run's capacity search as stored: its target and what the generator alone could offer.
public struct StoredCapacitySearch: Sendable, Equatable {
    /// The target as written ("p99 <= 100ms").
    public var target: String
    /// Requests/s the generator drove against the upstream alone; nil when not measured.
    public var generatorLimitRPS: Double?

    public init(target: String, generatorLimitRPS: Double?) {
        (self.target, self.generatorLimitRPS) = (target, generatorLimitRPS)
    }
}

/// A stored capacity probe with what the search decides from: its cell, its place in the
/// run, its role and how long it took.
public struct StoredProbe: Sendable, Equatable {
    public var cell: CellID
    public var trialIndex: Int
    public var runOrder: Int
    public var status: TrialStatus
    public var role: ProbeRole
    /// Requests/s of its window; nil without a window.
    public var requestsPerSecond: Double?
    public var wallSeconds: Double
}

extension ResultStore {
    /// Records run `runID`'s capacity target, and the generator's own limit once measured.
    public func recordCapacitySearch(runID: Int64, _ search: StoredCapacitySearch) throws {
        try guarded("record the capacity search of run \(runID)") {
            try database.run(
                """
                INSERT INTO capacity_searches (run_id, target, generator_limit_rps) VALUES (?, ?, ?)
                ON CONFLICT (run_id) DO UPDATE SET target = excluded.target, generator_limit_rps = excluded.generator_limit_rps
                """, runID, search.target, search.generatorLimitRPS)
        }
    }

    /// Run `runID`'s capacity search; nil when it has none.
    public func capacitySearch(runID: Int64) throws -> StoredCapacitySearch? {
        try guarded("read the capacity search of run \(runID)") {
            try database.firstRow(
                "SELECT target, generator_limit_rps FROM capacity_searches WHERE run_id = ?", runID
            ) { row in
                let target = try row.requiredString("target")
                // A store may come from anyone: a target reportgen could not have written is refused.
                if case .failure(let error) = CapacityTarget.parse(target) {
                    throw ReportgenError(
                        .badStore, "capacity_searches.target of run \(runID) holds \(target.quoted), not a capacity target: \(error.message)",
                        hint: "the store was changed outside reportgen; export the run again from the store it came from")
                }
                let limit = try row.optionalDouble("generator_limit_rps")
                if let limit, !(limit > 0 && limit.isFinite) {
                    throw ReportgenError(
                        .badStore, "capacity_searches.generator_limit_rps of run \(runID) holds \(limit), not a rate above 0",
                        hint: "the store was changed outside reportgen; export the run again from the store it came from")
                }
                return StoredCapacitySearch(target: target, generatorLimitRPS: limit)
            }
        }
    }

    /// Every capacity probe of run `runID`, in the order they ran.
    public func capacityProbes(runID: Int64) throws -> [StoredProbe] {
        let cells = Dictionary(uniqueKeysWithValues: try variants(runID: runID).map { ($0.id, $0.cell) })
        return try guarded("read the capacity probes of run \(runID)") {
            try database.rows(
                """
                SELECT t.variant_id, t.trial_index, t.run_order, t.status, t.requests, t.duration_us, t.started_at,
                       t.ended_at, p.stage, p.offered_rps, p.held
                FROM capacity_probes p JOIN trials t ON t.id = p.trial_id JOIN variants v ON v.id = t.variant_id
                WHERE v.run_id = ? ORDER BY t.run_order
                """, runID
            ) { row in
                guard let cell = cells[try row.int64("variant_id")] else {
                    throw ReportgenError(.badStore, "a capacity probe of run \(runID) names a variant the run lacks")
                }
                let durationUs = try row.int64("duration_us")
                return StoredProbe(
                    cell: cell, trialIndex: try row.int("trial_index"), runOrder: try row.int("run_order"),
                    status: try row.decoded(TrialStatus.self, "status"), role: try ProbeRole(row: row),
                    requestsPerSecond: durationUs > 0 ? Double(try row.int64("requests")) / (Double(durationUs) / 1e6) : nil,
                    wallSeconds: try row.requiredDate("ended_at").timeIntervalSince(try row.requiredDate("started_at")))
            }
        }
    }

    /// The next trial index of variant `variantID` and the next place in run `runID`, over
    /// every stored trial, probes included.
    public func nextTrialSlot(runID: Int64, variantID: Int64) throws -> (trialIndex: Int, runOrder: Int) {
        try guarded("number the next trial of run \(runID)") {
            let index = try database.firstRow(
                "SELECT coalesce(max(trial_index), 0) FROM trials WHERE variant_id = ?", variantID, decode: { $0.int(at: 0) }) ?? 0
            let order = try database.firstRow(
                """
                SELECT coalesce(max(t.run_order), 0) FROM trials t JOIN variants v ON v.id = t.variant_id WHERE v.run_id = ?
                """, runID, decode: { $0.int(at: 0) }) ?? 0
            return (index + 1, order + 1)
        }
    }

    /// The `capacity_probes` row of each probe among run `runID`'s trials, by trial id.
    func probeRoles(runID: Int64) throws -> [Int64: ProbeRole] {
        var roles: [Int64: ProbeRole] = [:]
        let rows = try database.rows(
            """
            SELECT p.trial_id, p.stage, p.offered_rps, p.held FROM capacity_probes p
            JOIN trials t ON t.id = p.trial_id JOIN variants v ON v.id = t.variant_id WHERE v.run_id = ?
            """, runID
        ) { row in (try row.int64("trial_id"), try ProbeRole(row: row)) }
        for (id, role) in rows { roles[id] = role }
        return roles
    }
}

extension ProbeRole {
    /// A `capacity_probes` row, checked: a store may come from anyone.
    init(row: SQLiteStatement) throws {
        let stage = try row.decoded(Stage.self, "stage")
        let offered = try row.optionalDouble("offered_rps")
        if let offered, !(offered > 0 && offered.isFinite && offered <= 1e9) {
            throw ReportgenError(
                .badStore, "capacity_probes.offered_rps holds \(offered), not a rate from above 0 to 10^9 requests/s",
                hint: "the store was changed outside reportgen; export the run again from the store it came from")
        }
        let held = try row.optionalInt64("held")
        if let held, held != 0 && held != 1 {
            throw ReportgenError(
                .badStore, "capacity_probes.held holds \(held), not 0 or 1",
                hint: "the store was changed outside reportgen; export the run again from the store it came from")
        }
        self.init(stage: stage, offeredRPS: offered, held: held.map { $0 == 1 })
    }
}
