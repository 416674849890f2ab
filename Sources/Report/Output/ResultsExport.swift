import Foundation
import Experiments

/// The machine-readable results beside the report: `results.csv` (one summary row per
/// variant) and `results.json` (the run's provenance, statistics and every trial).
public enum ResultsExport {
    /// The CSV header. The first columns mean what the seed's published-2017.csv columns mean.
    public static let csvHeader = [
        "variant", "model", "trials_ok", "trials_failed", "min_ms", "p50_ms", "p90_ms", "p99_ms",
        "p99_9_ms", "p99_99_ms", "max_ms", "mean_ms", "duration_s", "requests_mean",
        "requests_ci95_low", "requests_ci95_high", "requests_per_s", "errors_connect",
        "errors_read", "errors_write", "errors_status", "errors_timeout", "app_cpu_s",
        "app_peak_rss_bytes", "app_cpu_cores", "app_cpu_ms_per_request", "requests_per_s_cv",
        "requests_per_s_precision",
    ]

    /// One row per variant; "." decimals, no grouping, empty cells for missing values
    /// (a failed variant has only its name, model and trial counts).
    public static func csv(_ stats: [VariantStatistics]) -> String {
        let rows = stats.map { stats -> [String] in
            let ok = stats.trialsOK > 0
            let errors: [String] = ok
                ? stats.errors.counts.byKind
                    .map { String($0) }
                : Array(repeating: "", count: 5)
            return [
                stats.name, stats.model?.rawValue ?? "", String(stats.trialsOK), String(stats.trialsFailed),
                number(stats.latency.minMs, 3), number(stats.latency.p50Ms, 3), number(stats.latency.p90Ms, 3), number(stats.latency.p99Ms, 3),
                number(stats.latency.p999Ms, 3), number(stats.latency.p9999Ms, 3), number(stats.latency.maxMs, 3), number(stats.latency.meanMs, 3),
                number(stats.throughput.meanDurationS, 3), number(stats.throughput.requestsMean, 2),
                number(stats.throughput.requestsCI95?.lowerBound, 2), number(stats.throughput.requestsCI95?.upperBound, 2),
                number(stats.throughput.requestsPerSecondMean, 2),
            ] + errors + [
                number(stats.resources.appCPU?.seconds, 3), stats.resources.appPeakRSSBytes.map { String($0) } ?? "",
                number(stats.resources.appCPU.map { $0.percentOfCore / 100 }, 3), number(stats.resources.appCPUPerRequestMs, 4),
                number(stats.precision.cv, 4), number(stats.precision.reached, 4),
            ]
        }
        // A swept run's cells also say which variant they belong to and at which levels.
        let swept = Set(stats.flatMap { $0.levels.map(\.setting) }).sorted()
        guard !swept.isEmpty else { return ([csvHeader] + rows).map(CSV.line).joined() }
        let header = csvHeader + ["cell_variant"] + swept.map(levelColumn)
        let cellRows = zip(stats, rows).map { stats, row in
            row + [stats.variant] + swept.map { setting in stats.level(setting).map { number($0.value, 6) } ?? "" }
        }
        return ([header] + cellRows).map(CSV.line).joined()
    }

    /// "upstream_delay_s", "load_connections": a swept setting's column, with its unit.
    static func levelColumn(_ setting: SweptSetting) -> String {
        setting.rawValue.replacingOccurrences(of: ".", with: "_") + (setting == .delay ? "_s" : "")
    }

    /// Pretty JSON with sorted keys: run provenance, machine, software versions, and each
    /// variant's statistics with its trials. Missing values are null.
    public static func json(run: RunData, stats: [VariantStatistics]) throws -> Data {
        let byName = Dictionary(run.variants.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let document: [String: Any] = [
            "format_version": 1,
            "run": runObject(run),
            "machine": machineObject(run.machine),
            "software": parsed(run.softwareJSON),
            "variants": stats.map { stats in
                var object = variantObject(stats, trials: byName[stats.name].map(run.trials(of:)) ?? [], config: byName[stats.name]?.configJSON)
                if !stats.levels.isEmpty {
                    object["cell_variant"] = stats.variant
                    object["levels"] = Dictionary(stats.levels.map { (levelColumn($0.setting), $0.value) }, uniquingKeysWith: { first, _ in first })
                }
                return object
            },
        ]
        do {
            return try JSONSerialization.data(
                withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        } catch {
            throw ReportgenError(.io, "could not encode the results as JSON", underlying: error)
        }
    }

    private static func runObject(_ data: RunData) -> [String: Any] {
        let run = data.run
        return [
            "id": run.id,
            "experiment": run.experiment,
            "kind": data.kind.rawValue,
            "status": run.status.rawValue,
            "quick": run.quick,
            "started_at": iso8601(run.startedAt),
            "finished_at": run.finishedAt.map(iso8601) ?? NSNull(),
            "tool_version": data.toolVersion,
            "project_commit": data.projectCommit ?? NSNull(),
            "definition_hash": run.definitionHash,
            // A string: JSON readers that hold numbers as doubles would corrupt a 64-bit seed.
            "shuffle_seed": String(run.shuffleSeed),
            "overrides": parsed(data.overridesJSON),
            "upstream_command_line": data.upstreamCommandLine,
        ]
    }

    private static func machineObject(_ machine: MachineInfo) -> [String: Any] {
        [
            "fingerprint": machine.fingerprint,
            "hostname": machine.hostname,
            "cpu_model": machine.cpuModel,
            "cpu_cores": machine.cpuCores,
            "memory_bytes": machine.memoryBytes,
            "kernel": machine.kernel,
            "os": machine.os,
            "cpu_governor": machine.cpuGovernor ?? NSNull(),
        ]
    }

    private static func variantObject(_ stats: VariantStatistics, trials: [StoredTrial], config: String?) -> [String: Any] {
        [
            "name": stats.name,
            "position": stats.position,
            "model": stats.model?.rawValue ?? NSNull(),
            "worker_class": stats.workerClass ?? NSNull(),
            "threads": stats.threads ?? NSNull(),
            "config": config.map(parsed) ?? NSNull(),
            "trials_ok": stats.trialsOK,
            "trials_failed": stats.trialsFailed,
            "failures": stats.failures,
            "latency_ms": [
                "samples": stats.latency.distribution.count,
                "min": value(stats.latency.minMs), "p50": value(stats.latency.p50Ms), "p90": value(stats.latency.p90Ms),
                "p99": value(stats.latency.p99Ms), "p99_9": value(stats.latency.p999Ms), "p99_99": value(stats.latency.p9999Ms),
                "max": value(stats.latency.maxMs), "mean": value(stats.latency.meanMs),
            ],
            "duration_s_mean": value(stats.throughput.meanDurationS),
            "requests": [
                "mean": value(stats.throughput.requestsMean),
                "ci95_low": value(stats.throughput.requestsCI95?.lowerBound),
                "ci95_high": value(stats.throughput.requestsCI95?.upperBound),
                "per_trial": stats.throughput.requestsPerTrial,
            ],
            "requests_per_s": [
                "mean": value(stats.throughput.requestsPerSecondMean),
                "ci95_low": value(stats.throughput.requestsPerSecondCI95?.lowerBound),
                "ci95_high": value(stats.throughput.requestsPerSecondCI95?.upperBound),
                "cv": value(stats.precision.cv),
                "precision": value(stats.precision.reached),
            ],
            "errors": errorsObject(stats.errors.counts),
            ProcessRole.app.rawValue: [
                "cpu_s": value(stats.resources.appCPU?.seconds),
                "cpu_percent_of_core": value(stats.resources.appCPU?.percentOfCore),
                "cpu_ms_per_request": value(stats.resources.appCPUPerRequestMs),
                "peak_rss_bytes": stats.resources.appPeakRSSBytes ?? NSNull(),
            ],
            ProcessRole.loadgen.rawValue: [
                "cpu_s": value(stats.resources.loadgenCPU?.seconds),
                "cpu_percent_of_core": value(stats.resources.loadgenCPU?.percentOfCore),
            ],
            "trials": trials.map(trialObject),
        ]
    }

    private static func trialObject(_ trial: StoredTrial) -> [String: Any] {
        [
            "trial": trial.key.trialIndex,
            "run_order": trial.key.runOrder,
            "status": trial.status.rawValue,
            "started_at": iso8601(trial.startedAt),
            "requests": trial.measurement.requests,
            "duration_s": Double(trial.measurement.durationUs) / 1e6,
            "errors": errorsObject(trial.measurement.errors),
            "failure": trial.failure ?? NSNull(),
            "app_cpu_s": value(RunStatistics.cpu(of: .app, in: trial)?.seconds),
            "app_peak_rss_bytes": RunStatistics.peakRSS(of: .app, in: trial) ?? NSNull(),
        ]
    }

    private static func errorsObject(_ errors: ErrorCounts) -> [String: Any] {
        [
            "connect": errors.connect, "read": errors.read, "write": errors.write,
            "status": errors.status, "timeout": errors.timeout, "total": errors.total,
        ]
    }

    /// Stored JSON text as an object; text that does not parse is kept as a string rather
    /// than dropped.
    private static func parsed(_ text: String) -> Any {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) ?? text
    }

    /// A finite number, or null: JSON has no NaN or infinity.
    private static func value(_ number: Double?) -> Any {
        guard let number, number.isFinite else { return NSNull() }
        return number
    }

    private static func number(_ value: Double?, _ places: Int) -> String {
        guard let value, value.isFinite else { return "" }
        return ReportNumber.decimal(value, places: places, grouped: false)
    }

    private static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
