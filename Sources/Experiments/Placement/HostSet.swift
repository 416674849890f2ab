import Foundation

/// The hosts of a run: this machine and each remote host a role is placed on, connected
/// and checked before anything starts, with what the store keeps about them (machine,
/// roles, CPUs, clock offset, and the round trip between the load and the app).
struct HostSet: Sendable {
    let local: LocalHost
    let remote: [RemoteHost]
    let placement: Placement
    /// Each remote host's clock offset from this machine, by host name.
    let clockOffsets: [String: ClockOffset]
    /// The round trip from the load generator's host to the app's, when they differ.
    let loadToApp: RoundTrip?

    func host(named name: String) -> any RoleHost {
        remote.first { $0.name == name } ?? local
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

    /// Connects every remote host, checks that each has the tools its roles need and the
    /// CPUs they are pinned to (failing before anything starts anywhere), then stops what a
    /// killed reportgen left there, copies the experiment over and measures the clocks.
    static func open(
        definition: ExperimentDefinition, work: URL, emit: @escaping @Sendable (RunEvent) -> Void
    ) async throws -> HostSet {
        let placement = definition.placement
        let local = LocalHost(
            address: placement.host(named: HostDefinition.localName)?.address ?? "127.0.0.1", workFolder: work,
            experimentFolder: definition.directory)
        try check(local, roles: placement.usedHosts.first { $0.host.isLocal }?.roles ?? [], definition: definition)
        var remote: [RemoteHost] = []
        do {
            for used in placement.usedHosts where !used.host.isLocal {
                let host = try await RemoteHost.open(
                    used.host, experiment: definition.directory, upstreamRoot: definition.upstream.root,
                    localFolder: work.appendingPathComponent("hosts"))
                remote.append(host)
                try check(host, roles: used.roles, definition: definition)
            }
            var offsets: [String: ClockOffset] = [:]
            for host in remote {
                let stale = host.stopStale()
                if stale > 0 {
                    emit(.note("host \(host.name): stopped \(stale) process group(s) left by an earlier reportgen that was killed"))
                }
                try host.upload()
                offsets[host.name] = try clockOffset(of: host)
                let machine = host.facts.machine
                let offset = offsets[host.name].map { ", clock \(formatOffset($0))" } ?? ""
                emit(.note("host \(host.name): \(host.connection.destination) at \(host.address), \(machine.cpuModel), \(machine.cpuCores) CPUs\(offset)"))
            }
            let set = HostSet(local: local, remote: remote, placement: placement, clockOffsets: offsets, loadToApp: nil)
            let trip = try set.measureLoadToApp()
            if let trip {
                emit(.note("round trip from the load generator's host to the app's: \(String(format: "%.3f", Double(trip.avgUs) / 1000)) ms (ping, min \(String(format: "%.3f", Double(trip.minUs) / 1000)) ms)"))
            }
            return HostSet(local: local, remote: remote, placement: placement, clockOffsets: offsets, loadToApp: trip)
        } catch {
            for host in remote { await host.close() }
            throw error
        }
    }

    func close() async {
        for host in remote { await host.close() }
    }

    /// The programs `roles` need on a host, with the Debian package of each.
    static func requiredTools(roles: [ProcessRole], definition: ExperimentDefinition, remote: Bool) -> [(tool: String, package: String)] {
        var tools: [(String, String)] = []
        if roles.contains(.upstream) { tools.append(("nginx", "nginx")) }
        if roles.contains(.loadgen), definition.load.generator == .wrk { tools.append(("wrk", "wrk")) }
        if roles.contains(where: { definition.placement[$0].cpus != nil }) { tools.append(("taskset", "util-linux")) }
        if remote {
            tools += [("rsync", "rsync"), ("setsid", "util-linux"), ("awk", "mawk")]
            if roles.contains(.loadgen) && definition.placement.host(of: .app).name != definition.placement.host(of: .loadgen).name {
                tools.append(("ping", "iputils-ping"))
            }
        }
        return tools
    }

    /// Fails (exit 69) naming what `host` lacks for `roles` and the command that installs
    /// it there; fails (exit 65) when a role is pinned to CPUs the host does not offer.
    static func check(_ host: any RoleHost, roles: [ProcessRole], definition: ExperimentDefinition) throws {
        let remote = host as? RemoteHost
        let missing = missingTools(host.facts, roles: roles, definition: definition, remote: remote != nil)
        if !missing.isEmpty, let remote {
            throw lacking(missing, host: remote.definition, roles: roles)
        }
        if !missing.isEmpty {
            try ToolCheck.require(missing.map(\.tool))
        }
        for role in roles {
            guard let cpus = definition.placement[role].cpus else { continue }
            if let allowed = host.facts.allowedCPUs, !cpus.isSubset(of: allowed) {
                let place = remote == nil ? "this machine" : "host \(host.name.quoted)"
                throw ReportgenError(
                    .badDefinition, "cpus = \(cpus.description.quoted) names CPUs that \(place) does not offer: it has \(allowed)",
                    at: definition.placement[role].cpusSource,
                    hint: "pin the \(role.noun) to CPUs within \(allowed) (what 'taskset -cp $$' prints there)")
            }
        }
    }

    /// What a host with `facts` lacks for `roles`, with the Debian package of each.
    static func missingTools(
        _ facts: HostFacts, roles: [ProcessRole], definition: ExperimentDefinition, remote: Bool
    ) -> [(tool: String, package: String)] {
        var missing = requiredTools(roles: roles, definition: definition, remote: remote).filter { !facts.tools.contains($0.tool) }
        if roles.contains(.upstream), definition.upstreamDelays.contains(where: { $0 > .zero }), facts.echoModule == nil {
            missing.append((NginxUpstream.echoModuleName, "libnginx-mod-http-echo"))
        }
        return missing
    }

    /// The error for a remote host that lacks `missing`: exit 69, with the command that
    /// installs it there.
    static func lacking(_ missing: [(tool: String, package: String)], host: HostDefinition, roles: [ProcessRole]) -> ReportgenError {
        var packages: [String] = []
        for package in missing.map(\.package) where !packages.contains(package) { packages.append(package) }
        return ReportgenError(
            .missingDependency,
            "host \(host.name.quoted) lacks \(missing.map(\.tool).joined(separator: ", ")), which its roles (\(roles.map(\.noun).joined(separator: ", "))) need",
            hint: "install it there: ssh \(host.ssh ?? host.name) sudo apt-get install -y \(packages.joined(separator: " "))")
    }

    /// NTP-style: five `date` probes over the master connection; the one with the shortest
    /// round trip wins.
    static func clockOffset(of host: RemoteHost) throws -> ClockOffset? {
        var best: ClockOffset?
        for _ in 0..<5 {
            let before = wallMicroseconds()
            let output = try host.connection.run("date +%s%N", limit: .seconds(10))
            let after = wallMicroseconds()
            guard output.status == .exited(0),
                let nanos = Int64(output.text.trimmingCharacters(in: .whitespacesAndNewlines))
            else { continue }
            let probe = ClockOffset.estimate(before: before, remote: nanos / 1000, after: after)
            if best == nil || probe.roundTripUs < best!.roundTripUs { best = probe }
        }
        return best
    }

    static func formatOffset(_ offset: ClockOffset) -> String {
        String(format: "%+.1f ms ± %.1f ms", Double(offset.offsetUs) / 1000, Double(offset.roundTripUs) / 2000)
    }

    /// `ping` from the load generator's host to the app's address, when they are different
    /// hosts; nil when they are one.
    func measureLoadToApp() throws -> RoundTrip? {
        let load = host(of: .loadgen)
        let app = host(of: .app)
        guard load.name != app.name else { return nil }
        let command = "ping -c 5 -i 0.2 -q \(shellQuoted(app.address))"
        let output: CommandOutput
        if let remote = load as? RemoteHost {
            output = try remote.connection.run(command, limit: .seconds(20))
        } else {
            output = try CommandOutput.run("ping", ["-c", "5", "-i", "0.2", "-q", app.address], limit: .seconds(20))
        }
        return RoundTrip.parse(ping: output.text)
    }

    private static func wallMicroseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
    }
}
