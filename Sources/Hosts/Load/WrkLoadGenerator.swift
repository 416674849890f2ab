import Core
import Definition
import Foundation
import Supervision

#if canImport(Glibc)
import Glibc
#endif

/// Runs wrk against a URL for a fixed window and returns its report.
public struct WrkLoadGenerator: LoadGenerating {
    /// The program run for `LoadGeneratorKind.wrk`.
    public static let program = "wrk"

    public var kind: LoadGeneratorKind { .wrk }
    /// wrk keeps one histogram for its whole run: a warm-up is a run of its own.
    public var runsWarmupInline: Bool { false }
    /// Folder for the Lua script, wrk's output and its JSON report.
    public var folder: URL
    public var settings: LoadSettings
    /// Where wrk runs, and the CPUs it is pinned to.
    public var host: any RoleHost
    public var cpus: CPUSet?

    public init(folder: URL, settings: LoadSettings, host: any RoleHost = LocalHost(), cpus: CPUSet? = nil) async throws {
        self.folder = folder
        self.settings = settings
        self.host = host
        self.cpus = cpus
        try await host.write(WrkScript.source, to: scriptFile)
    }

    var scriptFile: URL { folder.appendingPathComponent("reportgen-wrk.lua") }

    /// wrk's arguments for a window of `duration` against `url`.
    public func arguments(url: String, duration: Duration) -> [String] {
        [
            "--duration", WrkLoadGenerator.wholeSeconds(duration),
            "--connections", "\(settings.connections)",
            "--threads", "\(settings.threads)",
            "--timeout", WrkLoadGenerator.wholeSeconds(settings.timeout),
            "--script", scriptFile.path,
            url,
        ]
    }

    public func commandLine(url: String, warmup: Duration, duration: Duration, label: String) -> String {
        precondition(warmup == .zero, "wrk runs its warm-up apart")
        return Command(executable: Self.program, arguments: arguments(url: url, duration: duration), environment: [:])
            .pinned(to: cpus).commandLine
    }

    /// Starts wrk for one window; the caller waits with `finish`.
    public func start(url: String, warmup: Duration, duration: Duration, label: String) async throws -> RunningLoad {
        precondition(warmup == .zero, "wrk runs its warm-up apart")
        let report = folder.appendingPathComponent("\(label).json")
        await host.remove([report])
        var environment = ProcessEnvironment.base(path: ProcessEnvironment.systemPath)
        environment["REPORTGEN_WRK_OUT"] = report.path
        let arguments = arguments(url: url, duration: duration)
        let process = try await host.start(
            Command(executable: Self.program, arguments: arguments, environment: environment),
            logFile: folder.appendingPathComponent("\(label).out"), cpus: cpus)
        let connections = settings.connections
        let host = host
        return RunningLoad(process: process, name: Self.program, duration: duration, outputs: [report], host: host) {
            guard let data = try await host.read(report) else {
                throw ReportgenError(
                    .processFailed, "wrk \(process.exitStatus.map(\.description) ?? "") without writing its report",
                    hint: "wrk 4.x with LuaJIT is needed (Debian's wrk package)",
                    output: await process.recentOutput())
            }
            return try WrkReport(json: data, connections: connections).measurement
        }
    }

    /// wrk takes whole seconds; `LoadGeneratorKind.problem(with:)` makes sure durations are whole.
    static func wholeSeconds(_ duration: Duration) -> String {
        "\(max(Int64(1), Int64(duration.seconds.rounded())))s"
    }
}
