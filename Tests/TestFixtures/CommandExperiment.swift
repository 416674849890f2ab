import Foundation

/// The experiment folder tests of command servers share: `root/experiments/NAME` with an
/// upstream folder whose index.html says "ok", and the head of its definition.
public enum CommandExperiment {
    /// Makes the folder and its upstream page; returns the folder.
    public static func folder(_ name: String, in root: URL) throws -> URL {
        let folder = root.appendingPathComponent("experiments/\(name)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("upstream"), withIntermediateDirectories: true)
        try "ok".write(to: folder.appendingPathComponent("upstream/index.html"), atomically: true, encoding: .utf8)
        return folder
    }

    /// One trial, nginx serving `upstream`, a command app server with 20 s to get ready, and
    /// the start of `[load]` (`generator` when given, path "/"): the rest of [load] and the
    /// variants follow it.
    public static func head(title: String, generator: String? = nil) -> String {
        """
        title = "\(title)"
        trials = 1
        [upstream]
        root = "upstream"
        [app]
        server = "command"
        ready_timeout = "20s"
        [load]
        """ + (generator.map { "\ngenerator = \"\($0)\"" } ?? "") + "\npath = \"/\""
    }
}
