import Foundation

/// What differs between the machines and software two runs were measured with: hardware,
/// kernel and OS, tool versions and every Python package of the runs' `pip freeze`. Only the
/// differing facts are kept, with a count of the identical ones.
public struct MachineDifferences: Sendable {
    /// One fact with its value on each side.
    public struct Row: Sendable, Equatable {
        public var fact: String
        public var baseline: String
        public var against: String
    }

    public var differing: [Row]
    public var identicalCount: Int

    /// Whether the two runs share a machine fingerprint.
    public var sameMachine: Bool

    public init(baseline: ComparisonSide, against: ComparisonSide) {
        // A side without a package list (a published table) would turn every package of the
        // other into a difference; then one row compares the lists as a whole.
        let packages = !Self.packages(baseline).isEmpty && !Self.packages(against).isEmpty
        let left = Self.facts(baseline, packages: packages)
        let right = Self.facts(against, packages: packages)
        var differing: [Row] = []
        var identical = 0
        var names = left.map { $0.0 }
        for (name, _) in right where !names.contains(name) { names.append(name) }
        let leftValues = Dictionary(left, uniquingKeysWith: { first, _ in first })
        let rightValues = Dictionary(right, uniquingKeysWith: { first, _ in first })
        for name in names {
            let a = leftValues[name] ?? Self.absent(baseline)
            let b = rightValues[name] ?? Self.absent(against)
            if a == b { identical += 1 } else { differing.append(Row(fact: name, baseline: a, against: b)) }
        }
        self.differing = differing
        identicalCount = identical
        sameMachine = baseline.data.machine.fingerprint == against.data.machine.fingerprint
    }

    private static func absent(_ side: ComparisonSide) -> String {
        side.isPublished ? "not described" : "not installed"
    }

    /// The facts of one side, in display order; packages last, by name.
    private static func facts(_ side: ComparisonSide, packages listed: Bool) -> [(String, String)] {
        let machine = side.data.machine
        let described = { (value: String) in value.isEmpty ? "not described" : value }
        let software = side.data.software
        let unknown = side.isPublished ? "not described" : "unknown"
        var facts: [(String, String)] = [
            ("host", machine.hostname),
            ("CPU", described(machine.cpuModel)),
            ("cores", machine.isPublished ? "not described" : "\(machine.cpuCores)"),
            ("memory", machine.isPublished ? "not described" : ReportNumber.gibibytes(machine.memoryBytes)),
            ("kernel", described(machine.kernel)),
            ("OS", described(machine.os)),
            ("CPU frequency governor", machine.cpuGovernor ?? unknown),
            ("Python", software.python ?? unknown),
            ("nginx", software.nginx ?? unknown),
            ("wrk", software.wrk ?? unknown),
            ("gunicorn", software.gunicorn ?? unknown),
            ("reportgen", side.data.toolVersion),
        ]
        let packages = Self.packages(side)
        if packages.isEmpty {
            facts.append(("Python packages", side.isPublished ? "not described" : "not recorded"))
        } else {
            facts.append(("Python packages", "\(packages.count) recorded"))
            if listed { facts += packages.map { ("package \($0.0)", $0.1) } }
        }
        return facts
    }

    /// The side's `pip freeze` as (normalized name, version), by name.
    private static func packages(_ side: ComparisonSide) -> [(String, String)] {
        side.data.software.pipFreeze.compactMap(pinnedPackage).sorted { $0.0 < $1.0 }
    }

    /// (normalized name, version) from a `pip freeze` line: "Name==1.0" or "name @ url".
    private static func pinnedPackage(_ line: String) -> (String, String)? {
        let text = line.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty, !text.hasPrefix("#") else { return nil }
        if let pin = text.range(of: "==") {
            return (normalize(String(text[..<pin.lowerBound])), String(text[pin.upperBound...]))
        }
        // A direct reference (PEP 508): the name, an "@" between spaces, where it came from.
        let words = text.split(separator: " ", maxSplits: 2)
        guard words.count == 3, words[1] == "@" else { return (normalize(text), "unpinned") }
        return (normalize(String(words[0])), String(words[2]))
    }

    private static func normalize(_ name: String) -> String {
        name.lowercased().replacingOccurrences(of: "_", with: "-")
    }
}
