import Core
import Definition
import Foundation
import Store

/// How the definitions of two runs differ: a line diff of the stored definition text and
/// the command-line overrides (`--quick`, `--duration`, …) that differ, key by key. Only the
/// number of trials (`--trials`, `--precision`, `--max-trials`, `--time-budget`) may differ
/// between runs that are the same experiment.
public struct DefinitionDifferences: Sendable, Equatable {
    /// Changed lines: "- 17: old text" for the baseline's, "+ 17: new text" for the other's.
    public var lines: [String]
    /// "key: baseline value → against value" for each override that differs.
    public var overrides: [String]
    /// Set when the runs are of different experiments.
    public var experiments: String?
    /// "app: this machine, unpinned → server (bench@10.0.0.2), CPU 1" for each role placed
    /// differently.
    public var placement: [String] = []

    public var isEmpty: Bool { lines.isEmpty && overrides.isEmpty && experiments == nil && placement.isEmpty }

    public init(baseline: RunData, against: RunData) {
        experiments = baseline.run.experiment == against.run.experiment
            ? nil : "\(baseline.run.experiment) → \(against.run.experiment)"
        lines = Self.lineDiff(
            baseline.definitionText.components(separatedBy: "\n"), against.definitionText.components(separatedBy: "\n"))
        overrides = Self.overrideDiff(baseline.overrides, against.overrides)
        placement = Self.placementDiff(baseline.hosts, against.hosts)
    }

    /// Where each role ran in each run, where the two differ. Runs stored before hosts were
    /// recorded ran every role on their machine, unpinned.
    static func placementDiff(_ baseline: [RunHost], _ against: [RunHost]) -> [String] {
        func place(_ role: ProcessRole, in hosts: [RunHost]) -> String {
            guard let host = hosts.first(where: { $0.roles.contains(role) }) else { return "this machine, unpinned" }
            let name = host.ssh.map { "\(host.name) (\($0))" } ?? "this machine"
            return name + ", " + (host.cpus[role].map { $0.cpus.count == 1 ? "CPU \($0)" : "CPUs \($0)" } ?? "unpinned")
        }
        return ProcessRole.allCases.compactMap { role in
            let old = place(role, in: baseline)
            let new = place(role, in: against)
            return old == new ? nil : "\(role.sectionKey): \(old) → \(new)"
        }
    }

    /// "3 changed lines, overrides quick, duration_us", for an error message.
    public var summary: String {
        var parts: [String] = []
        if let experiments { parts.append("experiments \(experiments)") }
        if !lines.isEmpty { parts.append("\(lines.count) changed line\(lines.count == 1 ? "" : "s") of definition text") }
        if !overrides.isEmpty {
            parts.append("overrides " + overrides.compactMap { $0.split(separator: ":").first.map(String.init) }.joined(separator: ", "))
        }
        if !placement.isEmpty {
            parts.append("placement of " + placement.compactMap { $0.split(separator: ":").first.map(String.init) }.joined(separator: ", "))
        }
        return parts.joined(separator: "; ")
    }

    /// Removed and added lines from a longest-common-subsequence alignment, numbered by
    /// their line in their own file; definitions are short, so the quadratic table is fine.
    static func lineDiff(_ old: [String], _ new: [String]) -> [String] {
        let n = old.count
        let m = new.count
        var common = Array(repeating: Array(repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                common[i][j] = old[i] == new[j] ? common[i + 1][j + 1] + 1 : max(common[i + 1][j], common[i][j + 1])
            }
        }
        var result: [String] = []
        var i = 0
        var j = 0
        while i < n || j < m {
            if i < n, j < m, old[i] == new[j] {
                i += 1
                j += 1
            } else if i < n, j == m || common[i + 1][j] >= common[i][j + 1] {
                // Removals before additions, as diff tools show a changed line.
                result.append("- \(i + 1): \(old[i])")
                i += 1
            } else {
                result.append("+ \(j + 1): \(new[j])")
                j += 1
            }
        }
        return result
    }

    /// "key: old → new" for each override that differs and changes what a trial measures,
    /// keys named as stored.
    static func overrideDiff(_ old: RunOverrides, _ new: RunOverrides) -> [String] {
        let a = old.members
        let b = new.members
        return Set(a.keys).union(b.keys).subtracting(RunOverrides.trialCountMembers).sorted().compactMap { key in
            let left = a[key] ?? "unset"
            let right = b[key] ?? "unset"
            return left == right ? nil : "\(key): \(left) → \(right)"
        }
    }
}
