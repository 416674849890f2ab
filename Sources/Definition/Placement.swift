import Core
import Foundation

/// A machine roles run on: this one (`local`), or one reached with OpenSSH (`[hosts.NAME]`).
public struct HostDefinition: Sendable, Equatable {
    /// The name of the machine reportgen runs on; roles without `host` run there.
    public static let localName = "local"
    /// Where reportgen keeps its files on a remote host, relative to the login folder.
    public static let defaultFolder = ".cache/reportgen-remote"

    public var name: String
    /// What `ssh` is given to reach the host: "bench@10.0.0.3" or a Host alias of
    /// ~/.ssh/config; nil for `local`.
    public var ssh: String?
    /// The address other roles reach this host's servers at; nil: the host name that
    /// `ssh -G` resolves the target to (127.0.0.1 for `local`).
    public var address: String?
    /// The folder reportgen works in on the host (runs, the Python environment, pid files).
    public var folder: String
    /// The interpreter that builds the app's environment there.
    public var python: String

    public init(
        name: String, ssh: String?, address: String? = nil, folder: String = HostDefinition.defaultFolder,
        python: String = "python3"
    ) {
        self.name = name
        self.ssh = ssh
        self.address = address
        self.folder = folder
        self.python = python
    }

    public var isLocal: Bool { ssh == nil }

    public static let local = HostDefinition(name: localName, ssh: nil)
}

/// Where a role runs: a host, and optionally the CPUs it may use there.
public struct RolePlacement: Sendable, Equatable {
    public var host: String
    public var cpus: CPUSet?
    /// Where `cpus` is written, for an error about it once the host's CPUs are known.
    public var cpusSource: SourceLocation?

    public init(host: String = HostDefinition.localName, cpus: CPUSet? = nil, cpusSource: SourceLocation? = nil) {
        self.host = host
        self.cpus = cpus
        self.cpusSource = cpusSource
    }
}

/// A set of CPUs as Linux writes them ("0", "0-3", "0,2-3"), for pinning a role with
/// `taskset -c`.
public struct CPUSet: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Sorted, without duplicates.
    public var cpus: [Int]

    public init(_ cpus: [Int]) {
        self.cpus = Array(Set(cpus)).sorted()
    }

    /// Reads a Linux CPU list; nil when it is not one (or names more than 4096 CPUs).
    public init?(list text: String) {
        var cpus = Set<Int>()
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ",", omittingEmptySubsequences: false)
        for part in parts {
            let ends = part.split(separator: "-", omittingEmptySubsequences: false)
            let bounds = ends.map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard (1...2).contains(ends.count), bounds.allSatisfy({ $0 != nil && $0! >= 0 && $0! < 4096 }) else { return nil }
            let low = bounds[0]!
            let high = bounds.last!!
            guard low <= high else { return nil }
            cpus.formUnion(low...high)
        }
        guard !cpus.isEmpty else { return nil }
        self.init(Array(cpus))
    }

    /// As Linux writes it: ranges joined by commas, "0-2,5".
    public var description: String {
        var ranges: [String] = []
        var index = 0
        while index < cpus.count {
            var end = index
            while end + 1 < cpus.count && cpus[end + 1] == cpus[end] + 1 { end += 1 }
            ranges.append(end == index ? "\(cpus[index])" : "\(cpus[index])-\(cpus[end])")
            index = end + 1
        }
        return ranges.joined(separator: ",")
    }

    public func isSubset(of other: CPUSet) -> Bool { Set(cpus).isSubset(of: Set(other.cpus)) }
    public func overlaps(_ other: CPUSet) -> Bool { !Set(cpus).isDisjoint(with: Set(other.cpus)) }
}

/// Where every role of an experiment runs: `[hosts.NAME]` and each role's `host` and `cpus`.
public struct Placement: Sendable, Equatable {
    /// `local` first, then the declared hosts in file order.
    public var hosts: [HostDefinition]
    public var roles: [ProcessRole: RolePlacement]

    public init(hosts: [HostDefinition] = [.local], roles: [ProcessRole: RolePlacement] = [:]) {
        self.hosts = hosts
        self.roles = roles
    }

    /// Every role on this machine, unpinned: an experiment without placement.
    public static let local = Placement()

    public subscript(role: ProcessRole) -> RolePlacement { roles[role] ?? RolePlacement() }

    public func host(named name: String) -> HostDefinition? { hosts.first { $0.name == name } }

    /// The host `role` runs on.
    public func host(of role: ProcessRole) -> HostDefinition {
        host(named: self[role].host) ?? .local
    }

    /// Whether any role runs on another machine.
    public var isDistributed: Bool { ProcessRole.allCases.contains { !host(of: $0).isLocal } }

    /// Whether any role is pinned to CPUs.
    public var isPinned: Bool { roles.values.contains { $0.cpus != nil } }

    /// The hosts that run a role, in the order of `hosts`, with their roles.
    public var usedHosts: [(host: HostDefinition, roles: [ProcessRole])] {
        hosts.compactMap { host in
            let roles = ProcessRole.allCases.filter { self[$0].host == host.name }
            return roles.isEmpty ? nil : (host, roles)
        }
    }
}

extension ProcessRole {
    /// The definition's section for the role: `[upstream]`, `[app]`, `[load]`.
    public var sectionKey: String { self == .loadgen ? "load" : rawValue }
}

/// Reads `[hosts.NAME]` and each role's `host` and `cpus`, and checks that every role can
/// reach the servers it calls.
enum PlacementReader {
    static let hostKeys = ["ssh", "address", "folder", "python"]

    static func read(_ top: DefinitionSection, generator: LoadGeneratorKind) throws -> Placement {
        var placement = Placement()
        if let hosts = try top.section("hosts", header: "[hosts.NAME]") {
            for entry in hosts.table.entries {
                guard let section = try hosts.section(entry.key, header: "[hosts.\(entry.key)]") else { continue }
                placement.hosts.removeAll { $0.name == entry.key }
                placement.hosts.append(try readHost(entry.key, section))
            }
        }
        let names = placement.hosts.map(\.name)
        for role in ProcessRole.allCases {
            guard let section = try top.section(role.sectionKey, header: "[\(role.sectionKey)]") else { continue }
            var where_ = RolePlacement()
            if let host = try section.string("host") {
                guard names.contains(host) else {
                    let near = KeySuggestion.nearest(to: host, in: names).map { "did you mean '\($0)'? " } ?? ""
                    throw section.failure(
                        "host", "no host named \(host.quoted)",
                        hint: "\(near)declare it with [hosts.\(host)] and ssh = \"user@address\", or use one of: \(names.joined(separator: ", "))")
                }
                where_.host = host
            }
            if let text = try section.string("cpus") {
                guard let cpus = CPUSet(list: text) else {
                    throw section.failure(
                        "cpus", "\(text.quoted) is not a list of CPUs",
                        hint: "write CPU numbers and ranges as Linux does: cpus = \"0\", \"2-3\" or \"0,2\"")
                }
                where_.cpus = cpus
                where_.cpusSource = SourceLocation(file: section.file, keyPath: section.keyPath("cpus"), line: section.value("cpus")?.line)
            }
            if where_ != RolePlacement() { placement.roles[role] = where_ }
        }
        try checkReach(placement, top: top)
        if !placement.host(of: .loadgen).isLocal && generator == .builtin {
            throw section(top, .loadgen).failure(
                "host", "the built-in load generator runs on this machine only",
                hint: "use generator = \"wrk\" on host \(placement[.loadgen].host.quoted), or remove host from [load]")
        }
        return placement
    }

    private static func readHost(_ name: String, _ section: DefinitionSection) throws -> HostDefinition {
        guard name.range(of: "^[A-Za-z0-9][A-Za-z0-9_-]*$", options: .regularExpression) != nil else {
            throw section.failure(nil, "\(name.quoted) is not a host name", hint: "use letters, digits, '-' and '_'")
        }
        try section.rejectUnknownKeys(allowed: name == HostDefinition.localName ? ["address"] : hostKeys)
        let address = try section.string("address")
        if let address, address.isEmpty || address.contains(where: { $0 == " " || $0 == "/" }) || HostValue.unsafe(in: address) != nil {
            throw section.failure("address", "\(address.quoted) is not an address", hint: "e.g. address = \"10.0.0.2\" or \"::1\"")
        }
        if name == HostDefinition.localName { return HostDefinition(name: name, ssh: nil, address: address) }
        let ssh = try section.requiredString("ssh", example: "\"bench@10.0.0.2\"")
        guard !ssh.isEmpty, !ssh.hasPrefix("-"), !ssh.contains(where: \.isWhitespace), HostValue.unsafe(in: ssh) == nil else {
            throw section.failure(
                "ssh", "\(ssh.quoted) is not an ssh destination",
                hint: "write what you would give ssh: \"user@host\", \"host\", or a Host alias from ~/.ssh/config")
        }
        let folder = try section.string("folder") ?? HostDefinition.defaultFolder
        try HostValue.check(folder, key: "folder", in: section, example: "folder = \"/srv/reportgen\"")
        guard !folder.split(separator: "/").contains("..") else {
            throw section.failure("folder", "\(folder.quoted) cannot be a working folder", hint: "e.g. folder = \"/srv/reportgen\"")
        }
        let python = try section.string("python") ?? "python3"
        try HostValue.check(python, key: "python", in: section, example: "python = \"python3\" or \"/usr/bin/python3.11\"")
        return HostDefinition(name: name, ssh: ssh, address: address, folder: folder, python: python)
    }

    /// A role on one host calling a server on another needs an address for it that is not
    /// this machine's loopback.
    private static func checkReach(_ placement: Placement, top: DefinitionSection) throws {
        for (client, server) in [(ProcessRole.app, ProcessRole.upstream), (.loadgen, .app)] {
            let serving = placement.host(of: server)
            guard placement[client].host != serving.name, serving.isLocal, serving.address == nil else { continue }
            throw section(top, client).failure(
                placement.roles[client]?.host == nil ? nil : "host",
                "the \(client.noun) runs on \(placement[client].host.quoted) and calls the \(server.noun) on this machine, which has no address it can reach",
                hint: "add [hosts.local] with address = \"…\": this machine's address as \(placement[client].host.quoted) reaches it")
        }
    }

    private static func section(_ top: DefinitionSection, _ role: ProcessRole) -> DefinitionSection {
        (try? top.section(role.sectionKey, header: "[\(role.sectionKey)]")) ?? nil ?? top
    }
}

/// The rule for a host value that reportgen hands to a shell on the host (`folder`,
/// `python`, and what `ssh` and `address` may hold): every word sent there is quoted, but a
/// value that only quoting keeps harmless is refused where it is written, so no later
/// command (a pid-file line, a log, a person pasting the command line) can take it as code.
/// A space is an ordinary character and is allowed.
enum HostValue {
    /// What a shell would read as something other than a letter of the word.
    static let metacharacters: Set<Character> = ["$", "`", ";", "|", "&", "(", ")", "<", ">", "'", "\"", "\\"]

    /// The first character of `value` that is a control character or a shell metacharacter.
    static func unsafe(in value: String) -> Character? {
        value.first { character in
            metacharacters.contains(character) || character.unicodeScalars.contains { $0.properties.generalCategory == .control }
        }
    }

    /// Refuses an empty `value` or one holding what `unsafe` finds, naming the key and its line.
    static func check(_ value: String, key: String, in section: DefinitionSection, example: String) throws {
        if value.isEmpty { throw section.failure(key, "\(key) must not be empty", hint: "e.g. \(example)") }
        guard let found = unsafe(in: value) else { return }
        let what = found.unicodeScalars.contains { $0.properties.generalCategory == .control }
            ? "a control character (\(String(found).quoted))" : "'\(found)'"
        throw section.failure(
            key, "\(value.quoted) holds \(what), which a shell on the host would not take as part of a name",
            hint: "use a \(key) without $ ` ; | & ( ) < > quotes, backslashes or control characters (a space is fine), e.g. \(example)")
    }
}

extension ProcessRole {
    /// How messages name the role.
    public var noun: String {
        switch self {
        case .upstream: return "upstream"
        case .app: return "app server"
        case .loadgen: return "load generator"
        }
    }
}
