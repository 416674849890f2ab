import Core
import Definition
import Foundation
import Records
import Store

/// Everything a write-up's cells can refer to: the run, its effective definition, the
/// statistics per variant and the charts drawn for it.
public struct ReportContext: Sendable {
    public var data: RunData
    public let definition: ExperimentDefinition
    public let statistics: [VariantStatistics]
    /// Every cell the experiment defines, in definition order, including those of the
    /// variants a `--variants` run left out.
    public var definedCells: [CellID] = []

    public init(data: RunData, definition: ExperimentDefinition, statistics: [VariantStatistics]) {
        self.data = data
        self.definition = definition
        self.statistics = statistics
        sweep = SweepView(statistics, connections: definition.load.connections)
        capacity = CapacityView(data: data, definition: definition, statistics: statistics, cores: data.machine.cpuCores)
    }

    /// The run's capacity search; nil when it has none.
    public let capacity: CapacityView?

    public var software: SoftwareVersions { data.software }

    /// The cells arranged by variant and level, for a swept run; nil otherwise. Computed once
    /// from the statistics and definition, which do not change after.
    public let sweep: SweepView?

    /// The statistics of the cell an author wrote as `written` ("aiohttp", "aiohttp @
    /// delay=50ms"); nil for a cell the experiment defines but this run left out
    /// (`--variants`); an error naming the known cells otherwise.
    func cell(_ written: String, at location: SourceLocation) throws -> VariantStatistics? {
        if let cell = CellID(written: written) {
            if let found = statistics.first(where: { $0.cell == cell }) { return found }
            if definedCells.contains(cell) { return nil }
        }
        let names = definedCells.isEmpty ? statistics.map(\.name) : definedCells.map(\.description).sorted()
        throw ReportgenError(
            .badDefinition, "unknown variant '\(written)' in a cell",
            at: location, hint: "the experiment's variants are: \(names.joined(separator: ", "))")
    }

    /// The version of a Python package from the run's `pip freeze`.
    func package(_ name: String) -> String? {
        let wanted = name.lowercased().replacingOccurrences(of: "_", with: "-")
        for line in software.pipFreeze {
            let parts = line.split(separator: "=", maxSplits: 2, omittingEmptySubsequences: true)
            guard parts.count == 2 else { continue }
            if parts[0].lowercased().replacingOccurrences(of: "_", with: "-") == wanted { return String(parts[1]) }
        }
        return nil
    }

    /// The load generator, as prose.
    var generatorName: String { definition.load.generator.displayName }

    /// Closed or open loop, as prose.
    var loopModel: String {
        guard let rate = definition.load.rate else { return "closed loop" }
        return "open loop at \(ReportNumber.count(rate)) requests/s"
    }
}
