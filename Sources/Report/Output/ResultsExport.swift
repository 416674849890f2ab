import Core
import Definition
import Foundation
import Records
import Store

/// The machine-readable results beside the report: `results.csv` (one summary row per
/// variant) and `results.json` (the run's provenance, statistics and every trial). Both take
/// a variant's values from `ResultsColumn.all`.
public enum ResultsExport {
    /// The CSV header of a run that sweeps nothing.
    public static var csvHeader: [String] { ResultsColumn.all.compactMap(\.csv) }

    /// One row per variant; "." decimals, no grouping, empty cells for missing values
    /// (a failed variant has only its name, model and trial counts). A swept run's cells also
    /// say which variant they belong to and at which levels.
    public static func csv(_ stats: [VariantStatistics], capacity: CapacityView? = nil) -> String {
        let swept = Set(stats.flatMap { $0.cell.levels.map(\.setting) }).sorted()
        let columns = ResultsColumn.all.filter { $0.csv != nil } + (swept.isEmpty ? [] : ResultsColumn.cell(swept: swept))
        // A run that searched for capacity adds each cell's, with its interval (empty where
        // the search found none).
        let capacityHeader = capacity == nil ? [] : capacityColumns
        let rows = stats.map { stats in
            columns.map { $0.cell(stats) } + (capacity.map { capacityCells($0.rows.first { $0.cell == stats.cell }) } ?? [])
        }
        return ([columns.compactMap(\.csv) + capacityHeader] + rows).map(CSV.line).joined()
    }

    static let capacityColumns = ["capacity_rps", "capacity_rps_low", "capacity_rps_high"]

    private static func capacityCells(_ row: CapacityView.Row?) -> [String] {
        guard let estimate = row?.estimate, estimate.kind == .found else { return ["", "", ""] }
        return [estimate.rps, estimate.low, estimate.high].map { $0.map { ReportNumber.decimal($0, places: 1, grouped: false) } ?? "" }
    }

    /// A cell's `capacity` object in results.json: its rate and interval (null unless found),
    /// the target, what the search ended in, and the probes behind it.
    static func capacityObject(_ row: CapacityView.Row?, target: CapacityTarget) -> JSONValue {
        guard let row else { return .null }
        let estimate = row.estimate
        let found = estimate.kind == .found
        func number(_ value: Double?) -> JSONValue {
            guard let value, value.isFinite else { return .null }
            return .number((value * 10).rounded() / 10)
        }
        return .object([
            "rps": found ? number(estimate.rps) : .null,
            "low": found ? number(estimate.low) : .null,
            "high": found ? number(estimate.high) : .null,
            "target": .string(target.written),
            "outcome": .string(estimate.kind.rawValue),
            "at_least_rps": estimate.kind == .found ? .null : number(estimate.rps),
            "method": estimate.method.map { .string($0.rawValue) } ?? .null,
            "reason": estimate.reason.map(JSONValue.string) ?? .null,
            "probes": .integer(Int64(row.probeCount)),
            "knee": .array(row.knee.map { point in
                .object([
                    "offered_rps": number(point.offered), "served_rps": number(point.servedRPS),
                    "p50_ms": number(point.p50Ms), "target_percentile_ms": number(point.targetMs),
                    "probes": .integer(Int64(point.probes)), "held": .integer(Int64(point.held)),
                ])
            }),
        ])
    }

    /// "upstream_delay_s", "load_connections": a swept setting's column, with its unit.
    static func levelColumn(_ setting: SweptSetting) -> String {
        setting.rawValue.replacingOccurrences(of: ".", with: "_") + (setting == .delay ? "_s" : "")
    }

    /// Sorted keys, two spaces a level: run provenance, machine, software versions, and each
    /// variant's statistics with its trials. Missing values are null.
    public static func json(run: RunData, stats: [VariantStatistics], capacity: CapacityView? = nil) throws -> Data {
        let byCell = Dictionary(run.variants.map { ($0.cell, $0) }, uniquingKeysWith: { first, _ in first })
        let document = ResultsDocument(
            run: try runPart(run), machine: ResultsDocument.MachinePart(machine: run.machine),
            software: try stored(run.softwareJSON, column: "runs.software_json", row: "run \(run.run.id)"),
            variants: try stats.map { stats in
                var object = try variantObject(stats, stored: byCell[stats.cell], run: run)
                if let capacity {
                    object.set(capacityObject(capacity.rows.first { $0.cell == stats.cell }, target: capacity.target), at: ["capacity"])
                }
                return object
            })
        do {
            return Data(try document.value().layout().utf8)
        } catch {
            throw ReportgenError(.io, "could not encode the results as JSON", underlying: error)
        }
    }

    /// A variant's object: the values `ResultsColumn.all` places in it, its errors, its
    /// stored configuration and its trials, and a swept cell's variant and levels.
    private static func variantObject(_ stats: VariantStatistics, stored: StoredVariant?, run: RunData) throws -> JSONValue {
        var object = JSONValue.object([:])
        for column in ResultsColumn.all {
            guard let path = column.json else { continue }
            object.set(column.value(stats), at: path.split(separator: ".").map(String.init))
        }
        object.set(try JSONValue(encoding: ErrorsPart(stats.errors.counts)), at: ["errors"])
        let config = try stored.map { try self.stored($0.configJSON, column: "variants.config_json", row: "run \(run.run.id), variant '\($0.name)'") }
        object.set(config ?? .null, at: ["config"])
        // The timelines are built as values: thousands of intervals through JSONEncoder and
        // back were most of the time results.json took.
        let trials = stored.map(run.trials(of:)) ?? []
        guard case .array(var values) = try JSONValue(encoding: trials.map(trialPart)) else {
            throw ReportgenError(.io, "the trials did not encode as a JSON array")
        }
        for (index, trial) in trials.enumerated() {
            values[index].set(trial.measurement.timeline.map { .array($0.intervals.map(intervalValue)) } ?? .null, at: ["timeline"])
        }
        object.set(.array(values), at: ["trials"])
        if !stats.cell.levels.isEmpty {
            object.set(.string(stats.cell.variant), at: ["cell_variant"])
            let levels = stats.cell.levels.map { (levelColumn($0.setting), JSONValue($0.value)) }
            object.set(.object(Dictionary(levels, uniquingKeysWith: { first, _ in first })), at: ["levels"])
        }
        return object
    }

    private static func runPart(_ data: RunData) throws -> ResultsDocument.RunPart {
        let run = data.run
        return ResultsDocument.RunPart(
            id: run.id, experiment: run.experiment, kind: data.kind, status: run.status, finishedAt: run.finishedAt.map(iso8601),
            startedAt: iso8601(run.startedAt), quick: run.quick, projectCommit: data.projectCommit, toolVersion: data.toolVersion,
            definitionHash: run.definitionHash, shuffleSeed: String(run.shuffleSeed),
            overrides: try stored(data.overridesJSON, column: "runs.overrides_json", row: "run \(run.id)"),
            upstreamCommandLine: data.upstreamCommandLine)
    }

    private static func trialPart(_ trial: StoredTrial) -> ResultsDocument.TrialPart {
        ResultsDocument.TrialPart(
            trial: trial.key.trialIndex, runOrder: trial.key.runOrder, status: trial.status, startedAt: iso8601(trial.startedAt),
            durationS: Double(trial.measurement.durationUs) / 1e6, requests: trial.measurement.requests,
            errors: ErrorsPart(trial.measurement.errors), failure: trial.failure,
            appCPUS: RunStatistics.cpu(of: .app, in: trial)?.seconds, appPeakRSSBytes: RunStatistics.peakRSS(of: .app, in: trial),
            steady: trial.steadiness.map(\.isSteady), unsteadyReason: trial.steadiness?.summary)
    }

    /// One interval of a trial's timeline, warm-up included (`t_s` below 0).
    private static func intervalValue(_ interval: TrialInterval) -> JSONValue {
        .object([
            "t_s": JSONValue(Double(interval.startUs) / 1e6), "length_s": JSONValue(Double(interval.lengthUs) / 1e6),
            "requests": .integer(interval.requests), "errors": .integer(interval.errors.total),
            "p50_ms": JSONValue(interval.p50Us.map { Double($0) / 1000 }), "p99_ms": JSONValue(interval.p99Us.map { Double($0) / 1000 }),
        ])
    }

    /// `timeline.csv`: every interval of every trial with a timeline, warm-up included (`t_s`
    /// below 0), in the order of the variants and their trials; nil when no trial has one.
    public static func timelineCSV(run: RunData, stats: [VariantStatistics]) -> String? {
        /// At most `places` decimals, without trailing zeros: "-2", "0.25", "12.345".
        func number(_ value: Double, _ places: Int) -> String {
            var text = ReportNumber.decimal(value, places: places, grouped: false)
            if text.contains(".") {
                while text.hasSuffix("0") { text.removeLast() }
                if text.hasSuffix(".") { text.removeLast() }
            }
            return text == "-0" ? "0" : text
        }
        let byCell = Dictionary(run.variants.map { ($0.cell, $0) }, uniquingKeysWith: { first, _ in first })
        let swept = Set(stats.flatMap { $0.cell.levels.map(\.setting) }).sorted()
        var rows: [[String]] = []
        for stat in stats {
            guard let variant = byCell[stat.cell] else { continue }
            let levels = swept.map { setting in stat.cell.levels.first { $0.setting == setting }.map { number($0.value, 6) } ?? "" }
            for trial in run.trials(of: variant) {
                for interval in trial.measurement.timeline?.intervals ?? [] {
                    rows.append([
                        stat.cell.variant, String(trial.key.trialIndex), number(Double(interval.startUs) / 1e6, 6),
                        number(Double(interval.lengthUs) / 1e6, 6), String(interval.requests), String(interval.errors.total),
                        interval.p50Us.map { number(Double($0) / 1000, 3) } ?? "", interval.p99Us.map { number(Double($0) / 1000, 3) } ?? "",
                    ] + levels)
                }
            }
        }
        guard !rows.isEmpty else { return nil }
        let header = ["variant", "trial", "t_s", "length_s", "requests", "errors", "p50_ms", "p99_ms"] + swept.map(levelColumn)
        return ([header] + rows).map(CSV.line).joined()
    }

    /// JSON the store holds, as it is.
    private static func stored(_ text: String, column: String, row: String) throws -> JSONValue {
        try StoreJSON.decode(JSONValue.self, from: text, column: column, row: row)
    }

    private static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
