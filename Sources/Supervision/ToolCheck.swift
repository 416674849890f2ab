import Core
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Finds tools on PATH, and the command that installs what is missing.
public enum ToolCheck {
    /// The absolute path of `tool` on PATH (plus the system folders), or nil.
    public static func find(_ tool: String) -> String? {
        ChildProcess.resolve(tool, path: ProcessEnvironment.inheritedPath)
    }

    /// The apt-get command for `packages` (each once, in order), with sudo when not root.
    public static func installCommand(_ packages: [String]) -> String {
        let sudo = geteuid() == 0 ? "" : "sudo "
        return "\(sudo)apt-get install -y " + distinct(packages).joined(separator: " ")
    }

    package static func distinct(_ packages: [String]) -> [String] {
        var seen: [String] = []
        for package in packages where !seen.contains(package) { seen.append(package) }
        return seen
    }
}
