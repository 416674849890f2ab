import Core
import Definition
import Foundation
import Hosts
import Records
import Store

/// The hosts of a run: this machine and each remote host a role is placed on, connected
/// and checked before anything starts, with what the store keeps about them (machine,
/// roles, CPUs, clock offset, and the round trip between the load and the app).
struct HostSet: Sendable {
    /// This machine first, then every other host a role runs on.
    let hosts: [any RoleHost]
    let placement: Placement
    /// Each remote host's clock offset from this machine, by host name.
    let clockOffsets: [String: ClockOffset]
    /// The round trip from the load generator's host to the app's, when they differ.
    let loadToApp: RoundTrip?

    func host(named name: String) -> any RoleHost {
        hosts.first { $0.name == name } ?? hosts[0]
    }

    func host(of role: ProcessRole) -> any RoleHost {
        host(named: placement[role].host)
    }

    /// What the store keeps about each host a role runs on.
    var records: [RunHost] {
        placement.usedHosts.map { used in
            let host = host(named: used.host.name)
            return RunHost(
                name: used.host.name, machine: host.facts.machine, ssh: used.host.ssh, address: host.address,
                roles: used.roles, cpus: Dictionary(uniqueKeysWithValues: used.roles.compactMap { role in
                    placement[role].cpus.map { (role, $0) }
                }),
                clockOffset: clockOffsets[used.host.name],
                loadToAppRoundTrip: used.roles.contains(.app) ? loadToApp : nil)
        }
    }

    /// Connects every host, checks that each has what its roles need and the CPUs they are
    /// pinned to (failing before anything starts anywhere), then readies each (what a killed
    /// reportgen left is stopped, the experiment copied over, the clock measured) and
    /// measures the round trip from the load generator's host to the app's.
    static func open(
        definition: ExperimentDefinition, work: URL, emit: @escaping @Sendable (RunEvent) -> Void
    ) async throws -> HostSet {
        let placement = definition.placement
        let here = placement.host(named: HostDefinition.localName) ?? .local
        // Hosts opened so far are this function's until the set is returned.
        var hosts: [any RoleHost] = []
        return try await cleaningUpOnFailure({ for host in hosts { await host.close() } }) {
            for place in [here] + placement.usedHosts.map(\.host).filter({ !$0.isLocal }) {
                let host = try await place.open(definition: definition, work: work)
                hosts.append(host)
                try host.check(roles: placement.usedHosts.first { $0.host.name == place.name }?.roles ?? [], definition: definition)
            }
            var offsets: [String: ClockOffset] = [:]
            for host in hosts {
                offsets[host.name] = try await host.prepare { emit(.note($0)) }
            }
            let set = HostSet(hosts: hosts, placement: placement, clockOffsets: offsets, loadToApp: nil)
            let trip = try await set.measureLoadToApp()
            if let trip {
                emit(.note("round trip from the load generator's host to the app's: \(String(format: "%.3f", Double(trip.avgUs) / 1000)) ms (ping, min \(String(format: "%.3f", Double(trip.minUs) / 1000)) ms)"))
            }
            return HostSet(hosts: hosts, placement: placement, clockOffsets: offsets, loadToApp: trip)
        }
    }

    /// Reconnects a host whose connection dropped.
    func reconnect() async throws {
        for host in hosts { try await host.reconnect() }
    }

    func close() async {
        for host in hosts { await host.close() }
    }

    /// `ping` from the load generator's host to the app's address, when they are different
    /// hosts; nil when they are one.
    func measureLoadToApp() async throws -> RoundTrip? {
        let load = host(of: .loadgen)
        let app = host(of: .app)
        guard load.name != app.name else { return nil }
        return try await load.roundTrip(to: app.address)
    }
}
