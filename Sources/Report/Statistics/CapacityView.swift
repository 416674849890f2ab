import Core
import Definition
import Foundation
import Records
import Store

/// A run's capacity search as the report shows it: each cell's capacity at the target with
/// its interval, what it serves there, what holds it, and its knee (latency against offered
/// rate), all from the stored probes.
public struct CapacityView: Sendable {
    /// One offered rate of a cell: the medians over the probes at that rate.
    public struct KneePoint: Sendable, Equatable {
        public var offered: Double
        public var servedRPS: Double
        public var p50Ms: Double?
        /// The target's percentile.
        public var targetMs: Double?
        public var probes: Int
        public var held: Int
    }

    public struct Row: Sendable {
        public var cell: CellID
        public var name: String { cell.description }
        public var estimate: CapacityEstimate
        /// The probe nearest the capacity among those that kept the target: its latency and
        /// the app's CPU in cores.
        public var p50Ms: Double?
        public var targetMs: Double?
        public var appCores: Double?
        /// What holds the capacity by Little's law: "slots", "CPU" or "neither"; nil when it is
        /// not found.
        public var heldBy: String?
        /// Requests in flight at capacity (rate × mean latency), and the server's slots.
        public var inFlight: Double?
        public var slots: (count: Int, bySlots: Bool)?
        public var knee: [KneePoint]
        /// Probes run (the start included) and their wall time, seconds.
        public var probeCount: Int
        public var wallSeconds: Double
    }

    public var target: CapacityTarget
    public var generatorLimitRPS: Double?
    public var rows: [Row]

    /// The view of `data`'s capacity search; nil when the run has none (or its target does
    /// not read, in a store from elsewhere).
    public init?(data: RunData, definition: ExperimentDefinition, statistics: [VariantStatistics], cores: Int) {
        guard let search = data.capacitySearch, case .success(let target) = CapacityTarget.parse(search.target) else { return nil }
        self.target = target
        generatorLimitRPS = search.generatorLimitRPS
        let estimates = CapacityEstimate.of(data)?.byVariant ?? [:]
        let byVariant = Dictionary(grouping: data.probes) { $0.trial.key.variantID }
        rows = data.variants.compactMap { variant -> Row? in
            guard let probes = byVariant[variant.id], !probes.isEmpty else { return nil }
            let rated = probes.filter { $0.role.stage != .start }.compactMap { probe in
                probe.role.offeredRPS.map { (offered: $0, held: probe.role.held ?? false, probe: probe) }
            }
            var estimate = estimates[variant.id] ?? CapacityEstimate(kind: .unfinished, probes: 0, held: 0)
            // A server that never served says why, not only that the target failed.
            let failed = rated.map(\.probe.trial).filter { $0.status == .failed }
            if estimate.kind == .none, !rated.isEmpty, failed.count == rated.count, let reason = failed.first?.failure {
                estimate.reason = "every probe failed, the first with: \(reason)"
            }
            var row = Row(
                cell: variant.cell, estimate: estimate, knee: Self.knee(rated, target: target), probeCount: probes.count,
                wallSeconds: probes.map { $0.trial.endedAt.timeIntervalSince($0.trial.startedAt) }.reduce(0, +))
            if estimate.kind == .found || estimate.kind == .generatorLimited, let capacity = estimate.rps {
                let kept = rated.filter { $0.held && $0.probe.trial.status == .ok }
                if let nearest = kept.min(by: { abs(log($0.offered / capacity)) < abs(log($1.offered / capacity)) }) {
                    let trial = nearest.probe.trial
                    let latency = trial.measurement.latency
                    row.p50Ms = latency.percentile(50).map { Double($0) / 1000 }
                    row.targetMs = latency.percentile(target.percentile).map { Double($0) / 1000 }
                    row.appCores = RunStatistics.cpu(of: .app, in: trial)?.cores
                    let meanMs = Self.meanMs(latency)
                    row.inFlight = meanMs.map { capacity * $0 / 1000 }
                }
                if let stats = statistics.first(where: { $0.cell == variant.cell }) { row.slots = Self.slots(stats, definition) }
                row.heldBy = Self.heldBy(inFlight: row.inFlight, slots: row.slots, appCores: row.appCores, cores: cores)
            }
            return row
        }
    }

    /// Medians per offered rate, in rate order.
    private static func knee(_ rated: [(offered: Double, held: Bool, probe: CapacityProbe)], target: CapacityTarget) -> [KneePoint] {
        let groups = Dictionary(grouping: rated.filter { $0.probe.trial.status == .ok }) { ($0.offered * 1000).rounded() }
        return groups.values.compactMap { group -> KneePoint? in
            guard let first = group.first else { return nil }
            let latencies = group.map(\.probe.trial.measurement.latency)
            return KneePoint(
                offered: first.offered,
                servedRPS: median(group.map(\.probe.trial.measurement.requestsPerSecond)) ?? 0,
                p50Ms: median(latencies.compactMap { $0.percentile(50) }.map { Double($0) / 1000 }),
                targetMs: median(latencies.compactMap { $0.percentile(target.percentile) }.map { Double($0) / 1000 }),
                probes: group.count, held: group.filter(\.held).count)
        }.sorted { $0.offered < $1.offered }
    }

    /// Slots of a variant outside a sweep, as `SweepView.slots` reads them.
    private static func slots(_ stats: VariantStatistics, _ definition: ExperimentDefinition) -> (count: Int, bySlots: Bool)? {
        SweepView.slots(
            model: stats.model, workers: stats.workers, threads: stats.threads,
            connections: stats.cell.level(.connections).map { Int($0.value) } ?? definition.load.connections)
    }

    /// Slots when the requests in flight fill this share of them; else the CPU when the app
    /// keeps this share of the machine's cores busy; else neither.
    static func heldBy(inFlight: Double?, slots: (count: Int, bySlots: Bool)?, appCores: Double?, cores: Int) -> String? {
        if let inFlight, let slots, slots.bySlots, inFlight >= SweepView.heldBySlots * Double(slots.count) { return "slots" }
        if let appCores, cores > 0, appCores >= SweepView.heldByCPU * Double(cores) { return "CPU" }
        guard inFlight != nil || appCores != nil else { return nil }
        return "neither"
    }

    private static func meanMs(_ latency: [LatencyBucket]) -> Double? {
        let count = latency.reduce(Int64(0)) { $0 + $1.count }
        guard count > 0 else { return nil }
        let sum = latency.reduce(0.0) { $0 + Double($1.latencyUs) * Double($1.count) }
        return sum / Double(count) / 1000
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
