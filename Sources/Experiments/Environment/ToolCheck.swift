import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Finds tools on PATH and turns missing ones into one clear error.
public enum ToolCheck {
    /// The absolute path of `tool` on PATH (plus the system folders), or nil.
    public static func find(_ tool: String) -> String? {
        ChildProcess.resolve(tool, path: ProcessEnvironment.inheritedPath)
    }

    /// Throws if any of `requirements` is missing on this machine, with the install command.
    public static func require(_ requirements: [Requirement]) async throws {
        var missing: [Requirement] = []
        for requirement in requirements where !(await requirement.isPresent()) { missing.append(requirement) }
        if !missing.isEmpty { throw missingError(missing) }
    }

    /// The error for `missing` on this machine: what each is for, and the apt-get command.
    static func missingError(_ missing: [Requirement]) -> ReportgenError {
        ReportgenError(
            .missingDependency,
            "missing: " + missing.map { "\($0.name) (\($0.purpose))" }.joined(separator: ", "),
            hint: "install with: " + installCommand(missing.map(\.package)))
    }

    /// The apt-get command for `packages` (each once, in order), with sudo when not root.
    public static func installCommand(_ packages: [String]) -> String {
        let sudo = geteuid() == 0 ? "" : "sudo "
        return "\(sudo)apt-get install -y " + distinct(packages).joined(separator: " ")
    }

    static func distinct(_ packages: [String]) -> [String] {
        var seen: [String] = []
        for package in packages where !seen.contains(package) { seen.append(package) }
        return seen
    }
}
