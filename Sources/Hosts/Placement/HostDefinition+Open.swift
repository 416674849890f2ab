import Core
import Definition
import Foundation

extension HostDefinition {
    /// This machine, or a connection to the host, for a run of `definition` with its
    /// folder at `work`.
    package func open(definition: ExperimentDefinition, work: URL) async throws -> any RoleHost {
        guard !isLocal else {
            return LocalHost(address: address ?? "127.0.0.1", workFolder: work, experimentFolder: definition.directory)
        }
        return try await RemoteHost.open(
            self, experiment: definition.directory, upstreamRoot: definition.upstream.root,
            localFolder: work.appendingPathComponent("hosts"))
    }
}
