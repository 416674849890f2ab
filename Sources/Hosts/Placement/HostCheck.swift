import Core
import Definition
import Foundation
import Records

/// What `reportgen doctor --hosts` finds on each host an experiment places a role on:
/// whether ssh reaches it, what it is, what its roles lack there and how to install it.
public struct HostCheck: Sendable {
    public var name: String
    /// "bench@10.0.0.2", or nil for this machine.
    public var ssh: String?
    public var roles: [ProcessRole]
    /// What the host is; nil when it could not be reached.
    public var machine: MachineInfo?
    /// The problem that stops a run there (unreachable, missing tools, CPUs it lacks), with
    /// the command that fixes it; nil when the host is ready.
    public var problem: ReportgenError?

    public var isReady: Bool { problem == nil }

    /// Checks every host of `definition` that runs a role, this machine included.
    public static func check(_ definition: ExperimentDefinition) async -> [HostCheck] {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-doctor-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: work) }
        var results: [HostCheck] = []
        for used in definition.placement.usedHosts {
            var result = HostCheck(name: used.host.name, ssh: used.host.ssh, roles: used.roles)
            do {
                let host = try await used.host.open(definition: definition, work: work)
                result.machine = host.facts.machine
                try await withCleanup {
                    try host.check(roles: used.roles, definition: definition)
                } cleanup: {
                    await host.close()
                }
            } catch let error as ReportgenError {
                result.problem = error
            } catch {
                result.problem = ReportgenError(.processFailed, "\(error)")
            }
            results.append(result)
        }
        return results
    }
}
