import Core
import Definition
import Foundation
import Store

/// One side of a comparison: a measured run, whose numbers come with their trials, or a
/// published table, which gives one value per variant and nothing to estimate noise from.
public struct ComparisonSide: Sendable {
    /// One variant's (or cell's) data on this side.
    public struct Variant: Sendable {
        /// Which cell: a published table's rows are variants without levels.
        public var cell: CellID
        /// How the cell is shown.
        public var name: String { cell.description }
        /// Requests per second of each ok trial; a published row gives one value.
        public var rates: [Double]
        /// Each ok trial's latency distribution; empty for a published row.
        public var trialLatency: [LatencyDistribution]
        /// The published row, for a published side.
        public var published: PublishedRow?
        /// Every trial failed.
        public var failed: Bool

        /// Trials behind the numbers (1 for a published row).
        public var trials: Int { published == nil ? rates.count : 1 }

        /// Mean requests per second.
        public var requestsPerSecond: Double? {
            rates.isEmpty ? nil : rates.reduce(0, +) / Double(rates.count)
        }

        /// Mean requests per second over the trials drawn with `weights`.
        func requestsPerSecond(weights: [Int]) -> Double? {
            let drawn = zip(rates, weights).reduce((0.0, 0)) { ($0.0 + $1.0 * Double($1.1), $0.1 + $1.1) }
            return drawn.1 > 0 ? drawn.0 / Double(drawn.1) : nil
        }

        /// The p-th latency percentile in ms: of every trial merged, or as published (p50 and
        /// p99 only).
        public func latencyMs(_ p: Double) -> Double? {
            if let published {
                return p == 50 ? published.p50Ms : p == 99 ? published.p99Ms : nil
            }
            return latencyMs(p, weights: Array(repeating: 1, count: trialLatency.count))
        }

        func latencyMs(_ p: Double, weights: [Int]) -> Double? {
            LatencyDistribution.percentile(p, of: trialLatency, weights: weights).map { Double($0) / 1000 }
        }
    }

    /// How tables and charts name this side: "run 12", "published 2017".
    public var label: String
    public var data: RunData
    public var variants: [Variant]
    /// Unsteady trials are counted, as `include_unsteady` in the definition.
    public var includeUnsteady = false

    /// A published table: one value per variant, no interval possible.
    public var isPublished: Bool { data.kind == .published }

    /// The data of `cell`, if this side has it.
    public func variant(_ cell: CellID) -> Variant? {
        variants.first { $0.cell == cell }
    }

    /// Loads run `runID` of `store` (measured or published) as a side called `label`
    /// ("run ID", or the published table's name, when nil).
    /// Trials are counted as the report counts them: failed ones never, unsteady ones only
    /// with `includeUnsteady`.
    public static func load(store: ResultStore, runID: Int64, label: String? = nil, includeUnsteady: Bool = false) throws -> ComparisonSide {
        let data = try store.loadRun(id: runID)
        if data.kind == .published {
            let rows = try store.publishedRows(runID: runID)
            return ComparisonSide(
                label: label ?? data.machine.hostname, data: data,
                variants: rows.map { row in
                    Variant(
                        cell: row.cell, rates: row.requestsPerSecond.map { [$0] } ?? [], trialLatency: [],
                        published: row, failed: false)
                })
        }
        return ComparisonSide(
            label: label ?? "run \(runID)", data: data, variants: measuredVariants(data, includeUnsteady: includeUnsteady),
            includeUnsteady: includeUnsteady)
    }

    static func measuredVariants(_ data: RunData, includeUnsteady: Bool = false) -> [Variant] {
        data.variants.sorted { $0.position < $1.position }.map { variant in
            let trials = data.trials(of: variant)
            let ok = RunStatistics.counted(trials, includeUnsteady: includeUnsteady).ok
            let timed = ok.filter { $0.measurement.durationUs > 0 }
            return Variant(
                cell: variant.cell,
                rates: timed.map(\.measurement.requestsPerSecond),
                trialLatency: timed.map { LatencyDistribution($0.measurement.latency) },
                published: nil,
                failed: ok.isEmpty && !trials.isEmpty)
        }
    }
}
