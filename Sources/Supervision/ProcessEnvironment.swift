import Core
import Foundation

/// The environment reportgen gives the processes it starts: minimal and explicit, so a
/// run does not depend on the caller's shell.
package enum ProcessEnvironment {
    package static let systemPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// PATH for children: the system folders after the caller's own (for pyenv, /opt tools).
    package static var inheritedPath: String {
        let own = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return own.isEmpty ? systemPath : own + ":" + systemPath
    }

    /// Base environment with locale and home kept, everything else dropped.
    package static func base(path: String) -> [String: String] {
        var environment = ["PATH": path, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"]
        if let home = ProcessInfo.processInfo.environment["HOME"] { environment["HOME"] = home }
        return environment
    }
}
