import Core
import Definition
import Foundation
import Records
import Store

/// Turns a stored run into per-variant statistics.
public enum RunStatistics {
    /// Trials whose requests/s spread more than this share of their mean (coefficient of
    /// variation) disagree, and the report says so.
    public static let disagreement = 0.10

    /// Statistics of every variant of `run`, in definition order. Failed trials are listed in
    /// `failures` and left out of every number.
    /// Trials whose window did not hold steady are left out unless `includeUnsteady`, or
    /// unless every ok trial of the variant was unsteady (then its numbers are what there is,
    /// and the report says so).
    public static func compute(_ run: RunData, includeUnsteady: Bool = false) -> [VariantStatistics] {
        let variants = run.variants.sorted { $0.position < $1.position }
        let capacity = CapacityEstimate.of(run)?.byVariant
        // Variants are independent and merging their samples is most of the work: both cores.
        return variants.map { ($0, run.trials(of: $0)) }.concurrentMap {
            var stats = statistics(of: $0.0, trials: $0.1, includeUnsteady: includeUnsteady)
            stats.capacity = capacity?[$0.0.id]
            return stats
        }
    }

    static func statistics(of variant: StoredVariant, trials: [StoredTrial], includeUnsteady: Bool = false) -> VariantStatistics {
        let config = variant.config
        var stats = VariantStatistics(
            cell: variant.cell, position: variant.position, workerClass: config.workerClass, threads: config.threads)
        if config.workerClass == nil { stats.model = nil }
        stats.workers = config.workers

        let (ok, unsteady, leaveOut) = counted(trials, includeUnsteady: includeUnsteady)
        stats.trialsUnsteady = unsteady.count
        stats.unsteadyLeftOut = leaveOut ? unsteady.count : 0
        let failed = trials.filter { $0.status != .ok }
        stats.trialsOK = ok.count
        stats.trialsFailed = failed.count
        stats.failures = failed.map { "trial \($0.key.trialIndex): \($0.failure ?? "failed without a recorded reason")" }

        stats.latency = latency(of: ok)
        stats.throughput = throughput(of: ok)
        stats.precision = precision(of: ok)
        stats.errors = ok.isEmpty
            ? ErrorStatistics()
            : ErrorStatistics(counts: ok.map(\.measurement.errors).reduce(ErrorCounts(), +), requests: stats.throughput.totalRequests)
        stats.resources = resources(of: ok)
        return stats
    }

    /// The trials of one variant that its numbers come from (`ok`): those that were measured,
    /// less the unsteady ones (`unsteady`, by id) when they are left out (`leaveOut`), which
    /// is unless `includeUnsteady` or every measured trial was unsteady.
    static func counted(
        _ trials: [StoredTrial], includeUnsteady: Bool
    ) -> (ok: [StoredTrial], unsteady: Set<Int64>, leaveOut: Bool) {
        let measured = trials.filter { $0.status == .ok }
        let unsteady = Set(measured.filter { $0.steadiness?.isSteady == false }.map(\.id))
        let leaveOut = !includeUnsteady && unsteady.count < measured.count
        return (leaveOut ? measured.filter { !unsteady.contains($0.id) } : measured, unsteady, leaveOut)
    }

    /// Every trial of `run` with the report's verdict on it, for the views a write-up's SQL
    /// reads (`run_trials.counted`): the same trials the statistics count.
    public static func verdicts(_ run: RunData, includeUnsteady: Bool) -> [TrialVerdict] {
        run.variants.flatMap { variant in
            let trials = run.trials(of: variant)
            let ok = Set(counted(trials, includeUnsteady: includeUnsteady).ok.map(\.id))
            return trials.map { trial in
                TrialVerdict(
                    trialID: trial.id, steady: trial.steadiness.map(\.isSteady), unsteadyReason: trial.steadiness?.summary,
                    counted: ok.contains(trial.id))
            }
        }
    }

    /// The ok trials' samples merged, and each trial's own median and p99.
    static func latency(of ok: [StoredTrial]) -> LatencyStatistics {
        var result = LatencyStatistics()
        let latency = LatencyDistribution(merging: ok.map(\.measurement.latency))
        result.distribution = latency
        let percentiles = latency.percentiles([50, 90, 99, 99.9, 99.99])
        result.minMs = latency.min.map(milliseconds)
        result.p50Ms = percentiles[50].map(milliseconds)
        result.p90Ms = percentiles[90].map(milliseconds)
        result.p99Ms = percentiles[99].map(milliseconds)
        result.p999Ms = percentiles[99.9].map(milliseconds)
        result.p9999Ms = percentiles[99.99].map(milliseconds)
        result.maxMs = latency.max.map(milliseconds)
        result.meanMs = latency.mean.map { $0 / 1000 }
        // Each trial's own median and p99, for intervals across trials (curves of a sweep).
        let perTrial = ok.map { LatencyDistribution($0.measurement.latency).percentiles([50, 99]) }
        result.p50PerTrialMs = perTrial.compactMap { $0[50].map(milliseconds) }
        result.p99PerTrialMs = perTrial.compactMap { $0[99].map(milliseconds) }
        return result
    }

    /// Requests and requests/s of the ok trials, with their intervals across trials.
    static func throughput(of ok: [StoredTrial]) -> ThroughputStatistics {
        var result = ThroughputStatistics()
        result.meanDurationS = mean(ok.map { Double($0.measurement.durationUs) / 1e6 })
        result.requestsPerTrial = ok.map(\.measurement.requests)
        let requests = ok.map { Double($0.measurement.requests) }
        result.requestsMean = mean(requests)
        result.requestsCI95 = StudentT.ratioInterval95(requests)
        let rates = self.rates(of: ok)
        result.requestsPerSecondMean = mean(rates)
        result.requestsPerSecondCI95 = StudentT.ratioInterval95(rates)
        return result
    }

    /// How closely the ok trials' requests/s agree.
    static func precision(of ok: [StoredTrial]) -> PrecisionStatistics {
        let rates = self.rates(of: ok)
        return PrecisionStatistics(cv: StudentT.coefficientOfVariation(rates), reached: StudentT.relativePrecision(rates))
    }

    /// The requests/s of each ok trial with a measured window.
    private static func rates(of ok: [StoredTrial]) -> [Double] {
        ok.compactMap { trial in trial.measurement.durationUs > 0 ? trial.measurement.requestsPerSecond : nil }
    }

    /// The app's and the load generator's CPU and the app's memory in the ok trials' windows.
    static func resources(of ok: [StoredTrial]) -> ResourceStatistics {
        var result = ResourceStatistics()
        let appCPU = ok.compactMap { trial in cpu(of: .app, in: trial).map { (trial, $0) } }
        result.appCPU = mean(appCPU.map(\.1))
        result.appCPUPerRequestPerTrial = appCPU.compactMap { trial, cpu in
            let answered = trial.measurement.answered
            return answered > 0 ? cpu.seconds * 1000 / Double(answered) : nil
        }
        result.appCPUPerRequestMs = mean(result.appCPUPerRequestPerTrial)
        result.appPeakRSSPerTrial = ok.compactMap { peakRSS(of: .app, in: $0) }
        result.appPeakRSSBytes = result.appPeakRSSPerTrial.max()
        result.loadgenCPU = mean(ok.compactMap { cpu(of: .loadgen, in: $0) })
        return result
    }

    /// The mean per trial of trials' CPU use; nil without any.
    private static func mean(_ uses: [CPUUse]) -> CPUUse? {
        guard let seconds = mean(uses.map(\.seconds)), let percent = mean(uses.map(\.percentOfCore)) else { return nil }
        return CPUUse(seconds: seconds, percentOfCore: percent)
    }

    /// CPU time `role` used during the trial's measured window, from its samples in the
    /// window: the last minus the first (taken as the window opened and as it closed). The
    /// rate between them, in cores, gives the time over the whole window, so that stores
    /// whose samples start a moment late still say it. nil without two samples.
    static func cpu(of role: ProcessRole, in trial: StoredTrial) -> CPUUse? {
        let samples = trial.resources.filter { $0.role == role && $0.phase == .window }.sorted { $0.tMs < $1.tMs }
        guard let start = samples.first, let end = samples.last, end.tMs > start.tMs else { return nil }
        // A process that exits mid-window drops out of the tree's sum; never report negative time.
        let usedMs = max(0, (end.cpuUserMs + end.cpuSystemMs) - (start.cpuUserMs + start.cpuSystemMs))
        let cores = Double(usedMs) / Double(end.tMs - start.tMs)
        return CPUUse(seconds: cores * Double(trial.measurement.durationUs) / 1e6, percentOfCore: cores * 100)
    }

    /// Largest RSS of `role` among its samples in the measured window.
    static func peakRSS(of role: ProcessRole, in trial: StoredTrial) -> Int64? {
        trial.resources.filter { $0.role == role && $0.phase == .window }.map(\.rssBytes).max()
    }

    static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    private static func milliseconds(_ microseconds: Int64) -> Double {
        Double(microseconds) / 1000
    }
}
