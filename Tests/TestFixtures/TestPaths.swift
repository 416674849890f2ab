import Foundation
@testable import Core
@testable import Runner

/// Where tests find the project, the built reportgen, and their own cache.
public enum TestPaths {
    public static let projectRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The tests' Python environments: beside the build, never the user's cache, and kept
    /// between test runs so only the first pays for the install.
    public static let cache = projectRoot.appendingPathComponent(".build/test-cache")

    /// The reportgen executable built beside this test bundle.
    public static func reportgenBinary() throws -> URL {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("reportgen")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder.deleteLastPathComponent()
        }
        throw ReportgenError(
            .missingDependency, "the reportgen executable is not built beside the tests (\(CommandLine.arguments[0]))",
            hint: "run swift build before swift test")
    }

    /// Runner options for tests: their own cache, and the built reportgen for the built-in
    /// generator.
    public static func runnerOptions() throws -> RunnerOptions {
        var options = RunnerOptions()
        options.cache = cache
        options.loadExecutable = try reportgenBinary()
        return options
    }

    /// The environment a test gives a reportgen it starts: the inherited PATH and HOME, and
    /// the tests' own cache.
    public static var binaryEnvironment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["REPORTGEN_CACHE"] = cache.path
        return environment
    }
}
