import Foundation

/// Which reportgen this is: its version and, when the binary lives in a git checkout of
/// reportgen (`<checkout>/.build/…/reportgen`, as `make` builds it), that checkout's commit.
public enum ToolBuild {
    public static var version: String { ReportgenVersion.current }

    /// `git describe --always --dirty --abbrev=40` of the checkout above the executable: the
    /// commit (with "-dirty" for uncommitted changes) the build most likely came from; nil
    /// away from one. Asked once per process. Not where the command runs: the same binary
    /// says the same thing from any folder.
    public static let commit: String? = {
        var folder = URL(fileURLWithPath: CommandLine.arguments.first.map(resolved) ?? "").deletingLastPathComponent()
        while folder.path != "/" && !folder.path.isEmpty {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(".git").path) {
                return describe(folder)
            }
            folder = folder.deletingLastPathComponent()
        }
        return nil
    }()

    private static func resolved(_ argument: String) -> String {
        // /proc/self/exe is the binary itself, whatever PATH or symlink started it.
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? argument
    }

    private static func describe(_ checkout: URL) -> String? {
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "-C", checkout.path, "describe", "--always", "--dirty", "--abbrev=40"]
        let output = Pipe()
        git.standardOutput = output
        git.standardError = FileHandle.nullDevice
        git.standardInput = FileHandle.nullDevice
        guard (try? git.run()) != nil else { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        git.waitUntilExit()
        guard git.terminationStatus == 0 else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
