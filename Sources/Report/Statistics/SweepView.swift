import Core
import Definition
import Foundation

/// A swept run's cells arranged as a grid: variants down, the levels of the setting drawn
/// along x across (the upstream delay when it is swept, else the first swept setting), and,
/// with a second swept setting, one grid per level of it.
public struct SweepView: Sendable {
    /// The setting along x.
    public var axis: SweptSetting
    /// Its levels, ascending.
    public var levels: [SweepLevel]
    /// The other swept setting's levels, ascending; `[nil]` with one swept setting.
    public var slices: [SweepLevel?]
    /// The definition's variants in definition order.
    public var variants: [String]
    /// The load's connections where they are not swept, for the ceilings of async variants.
    public var connections: Int
    private var cells: [CellID: VariantStatistics]

    /// nil when the run is not a sweep.
    public init?(_ statistics: [VariantStatistics], connections: Int) {
        let swept = Set(statistics.flatMap { $0.cell.levels.map(\.setting) })
        guard !swept.isEmpty else { return nil }
        let axis: SweptSetting = swept.contains(.delay) ? .delay : swept.sorted()[0]
        self.axis = axis
        self.connections = connections
        levels = Set(statistics.compactMap { $0.cell.level(axis) }).sorted { $0.value < $1.value }
        let other = swept.subtracting([axis]).sorted().first
        slices = other.map { setting in
            Set(statistics.compactMap { $0.cell.level(setting) }).sorted { $0.value < $1.value }.map { Optional($0) }
        } ?? [nil]
        var variants: [String] = []
        for stats in statistics.sorted(by: { $0.position < $1.position }) where !variants.contains(stats.cell.variant) {
            variants.append(stats.cell.variant)
        }
        self.variants = variants
        cells = Dictionary(statistics.map { ($0.cell, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The cell of `variant` at `level` of the axis, within `slice`.
    public func cell(_ variant: String, at level: SweepLevel, in slice: SweepLevel? = nil) -> VariantStatistics? {
        cells[CellID(variant: variant, levels: [level] + (slice.map { [$0] } ?? []))]
    }

    /// The cells of `variant` along the axis within `slice`, by level (nil where missing).
    public func row(_ variant: String, in slice: SweepLevel? = nil) -> [VariantStatistics?] {
        levels.map { cell(variant, at: $0, in: slice) }
    }

    /// "flask:10" or, with a second swept setting, "flask:10 @ connections=100".
    public func seriesName(_ variant: String, _ slice: SweepLevel?) -> String {
        CellID(variant: variant, levels: slice.map { [$0] } ?? []).description
    }

    /// The request slots a cell's server has, and what they are: a thread-pool or process
    /// server holds one request per thread (workers × threads, gunicorn's gthread; workers
    /// for sync); an event loop or green threads take every connection the load opens.
    public func slots(of cell: VariantStatistics) -> (count: Int, bySlots: Bool)? {
        Self.slots(
            model: cell.model, workers: cell.workers, threads: cell.threads,
            connections: cell.cell.level(.connections).map { Int($0.value) } ?? connections)
    }

    /// The slots of a server of concurrency `model` with `workers` and `threads`, under a
    /// load of `connections`.
    public static func slots(model: ConcurrencyModel?, workers: Int?, threads: Int?, connections: Int) -> (count: Int, bySlots: Bool)? {
        switch model {
        case .threads?:
            guard let workers else { return nil }
            return (workers * max(threads ?? 1, 1), true)
        case .process?:
            guard let workers else { return nil }
            return (workers, true)
        case .async?, .greenlet?:
            return (connections, false)
        case nil:
            return nil
        }
    }

    /// The request slots of `variant` within `slice` and the least time a request holds one
    /// besides the delay (its service time, seconds): the app's CPU per answered request in
    /// its lowest-delay cell that served anything. Without CPU samples, C / that cell's
    /// requests/s − its delay stands in, which also counts the wait for a core and so makes
    /// the ceiling lower. nil when delay is not swept.
    public func service(_ variant: String, in slice: SweepLevel? = nil) -> (slots: Int, bySlots: Bool, seconds: Double, base: SweepLevel)? {
        guard axis == .delay,
            let base = row(variant, in: slice).compactMap({ $0 }).first(where: { ($0.throughput.requestsPerSecondMean ?? 0) > 0 }),
            let throughput = base.throughput.requestsPerSecondMean, let delay = base.cell.level(.delay), let slots = slots(of: base)
        else { return nil }
        let seconds = base.resources.appCPUPerRequestMs.map { $0 / 1000 } ?? (Double(slots.count) / throughput - delay.value)
        return (slots.count, slots.bySlots, max(seconds, 1e-6), delay)
    }

    /// The ceiling Little's law puts on `variant`'s requests/s at each delay within `slice`:
    /// C / (delay + service time). Empty without a service time.
    public func ceiling(_ variant: String, in slice: SweepLevel? = nil) -> [(level: SweepLevel, requestsPerSecond: Double)] {
        guard let service = service(variant, in: slice) else { return [] }
        return levels.map { level in (level, Double(service.slots) / (level.value + service.seconds)) }
    }

    /// What holds a cell back: its slots when it reaches this share of its ceiling.
    public static let heldBySlots = 0.85
    /// Below its ceiling, the CPU when the app keeps this share of the machine's cores busy
    /// (the load generator and nginx take the rest).
    public static let heldByCPU = 0.6
}
