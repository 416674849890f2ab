import Core
import Definition
import Foundation
import Store

/// Where a run's roles ran, for the method section and the environment table: which host
/// ran each role, on which CPUs, and how far apart the hosts were (clock and round trip).
enum PlacementSection {
    /// Whether the run is worth a word on placement: roles on other hosts, or pinned.
    static func matters(_ hosts: [RunHost]) -> Bool {
        hosts.contains { !$0.isLocal || !$0.cpus.isEmpty }
    }

    /// The method's "Placement." paragraph; nil when every role ran on the run's machine
    /// unpinned.
    static func paragraph(_ hosts: [RunHost], generator: String) -> String? {
        guard matters(hosts) else { return nil }
        // Host names and addresses come from the store: text, never Markdown.
        let name = { (host: RunHost) in MarkdownText.escaped(host.name) }
        var parts: [String] = []
        for role in ProcessRole.allCases {
            guard let host = hosts.first(where: { $0.roles.contains(role) }) else { continue }
            let place = host.isLocal ? "the controlling machine" : "\(name(host)) (\(MarkdownText.escaped(host.address)))"
            let pinned = host.cpus[role].map { " pinned to \(cpuWords($0))" } ?? (hosts.contains { !$0.cpus.isEmpty } ? " unpinned" : "")
            parts.append("\(noun(role, generator: generator)) ran on \(place)\(pinned)")
        }
        var text = "**Placement.** " + parts.joined(separator: "; ").capitalizedFirst + "."
        let remote = hosts.filter { !$0.isLocal }
        if !remote.isEmpty {
            text += " Each remote role ran over one multiplexed OpenSSH connection per host, in a session of its own, and was sampled (CPU, memory) from that host's /proc."
            let offsets = remote.compactMap { host in
                host.clockOffset.map { "\(name(host)) \(signedMilliseconds($0.offsetUs)) ± \(milliseconds($0.roundTripUs / 2))" }
            }
            if !offsets.isEmpty {
                text += " Clock offsets from the controlling machine at the start of the run: \(offsets.joined(separator: ", "))."
            }
        }
        if let app = hosts.first(where: { $0.roles.contains(.app) }), let trip = app.loadToAppRoundTrip,
            let load = hosts.first(where: { $0.roles.contains(.loadgen) })
        {
            text += " The network round trip from \(name(load)) to \(name(app)) was \(milliseconds(trip.avgUs)) (ping, min \(milliseconds(trip.minUs)))."
        }
        for host in hosts where host.roles.count > 1 {
            let pinned = host.roles.filter { host.cpus[$0] != nil }
            let sharing = host.roles.map { noun($0, generator: generator) }
            if pinned.count == host.roles.count, !overlap(host.roles.compactMap { host.cpus[$0] }) {
                text += " \(sentence(sharing).capitalizedFirst) shared \(host.isLocal ? "the controlling machine" : name(host)) on CPUs of their own: they competed for its memory and caches, not for its cores."
            } else {
                text += " \(sentence(sharing).capitalizedFirst) shared \(host.isLocal ? "the controlling machine" : name(host))\(pinned.isEmpty ? "" : " with some CPUs in common") and competed for its cores: their figures include that contention."
            }
        }
        return text
    }

    /// The environment table's header and machine rows with a column per host; nil when the
    /// run had one machine.
    static func machineColumns(
        _ hosts: [RunHost], generator: String, gibibytes: (Int64) -> String
    ) -> (header: [String], rows: [[String]])? {
        guard hosts.contains(where: { !$0.isLocal }) else { return nil }
        let header = [""] + hosts.map { $0.isLocal ? "controlling machine" : $0.name }
        func row(_ label: String, _ value: (RunHost) -> String) -> [String] { [label] + hosts.map(value) }
        let rows = [
            row("roles") { $0.roles.isEmpty ? "none (controls the run)" : $0.roles.map { noun($0, generator: generator) }.joined(separator: ", ") },
            row("address") { $0.address },
            row("CPU") { $0.machine.cpuModel },
            row("cores") { "\($0.machine.cpuCores)" },
            row("pinned CPUs") { host in
                host.cpus.isEmpty ? "none" : host.roles.compactMap { role in host.cpus[role].map { "\(noun(role, generator: generator)): \($0)" } }.joined(separator: "; ")
            },
            row("memory") { gibibytes($0.machine.memoryBytes) },
            row("kernel") { $0.machine.kernel },
            row("OS") { $0.machine.os },
            row("CPU frequency governor") { $0.machine.cpuGovernor ?? "not readable" },
            row("clock offset") { $0.clockOffset.map { "\(signedMilliseconds($0.offsetUs)) ± \(milliseconds($0.roundTripUs / 2))" } ?? "—" },
        ]
        return (header, rows)
    }

    static func noun(_ role: ProcessRole, generator: String) -> String {
        switch role {
        case .upstream: return "nginx"
        case .app: return "the app servers"
        case .loadgen: return generator
        }
    }

    static func cpuWords(_ cpus: CPUSet) -> String {
        cpus.cpus.count == 1 ? "CPU \(cpus)" : "CPUs \(cpus)"
    }

    private static func overlap(_ sets: [CPUSet]) -> Bool {
        for (index, set) in sets.enumerated() where sets.dropFirst(index + 1).contains(where: set.overlaps) { return true }
        return false
    }

    private static func sentence(_ parts: [String]) -> String {
        ReportNumber.list(parts)
    }

    static func milliseconds(_ us: Int64) -> String {
        String(format: "%.3f ms", Double(us) / 1000)
    }

    static func signedMilliseconds(_ us: Int64) -> String {
        String(format: "%+.3f ms", Double(us) / 1000)
    }
}

extension String {
    /// The string with its first letter upper-cased.
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
