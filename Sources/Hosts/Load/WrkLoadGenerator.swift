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
    /// One wrk run holds the warm-up and the window: timers on its threads read its counters
    /// and histogram at every interval edge (see `WrkScript`), and the window is what they
    /// gained between its edges.
    public var runsWarmupInline: Bool { timeline }
    /// Whether the threads read a timeline (the default); without, wrk runs as plain wrk, one
    /// window per run: what `calibrate --timeline-cost` compares it with.
    public var timeline = true
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

    /// wrk's arguments for a window of `duration` against `url`; with `timeline`, a run of
    /// the warm-up and the window, a second longer than both (the last edge is read while the
    /// load still runs), whose threads read its counters at the plan's edges.
    public func arguments(url: String, duration: Duration, timeline: WrkTimelinePlan? = nil) -> [String] {
        let run = timeline.map { .microseconds($0.warmupUs + $0.durationUs) + .seconds(1) } ?? duration
        var arguments = [
            "--duration", WrkLoadGenerator.wholeSeconds(run),
            "--connections", "\(settings.connections)",
            "--threads", "\(settings.threads)",
            "--timeout", WrkLoadGenerator.wholeSeconds(settings.timeout),
            "--script", scriptFile.path,
            url,
        ]
        if let timeline {
            arguments += [
                WrkScript.timelineArgument, "\(settings.timeout.microseconds)",
                timeline.edgesUs.map(String.init).joined(separator: ","),
            ]
        }
        return arguments
    }

    /// The timeline of a run of `warmup` then `duration`.
    func plan(warmup: Duration, duration: Duration) -> WrkTimelinePlan? {
        guard timeline else { return nil }
        return WrkTimelinePlan(warmupUs: warmup.microseconds, durationUs: duration.microseconds, intervalUs: settings.interval.microseconds)
    }

    public func commandLine(url: String, warmup: Duration, duration: Duration, label: String) -> String {
        Command(
            executable: Self.program, arguments: arguments(url: url, duration: duration, timeline: plan(warmup: warmup, duration: duration)),
            environment: [:])
            .pinned(to: cpus).commandLine
    }

    /// Starts wrk for one window; the caller waits with `finish`.
    public func start(url: String, warmup: Duration, duration: Duration, label: String) async throws -> RunningLoad {
        let report = folder.appendingPathComponent("\(label).json")
        await host.remove([report])
        var environment = ProcessEnvironment.base(path: ProcessEnvironment.systemPath)
        environment["REPORTGEN_WRK_OUT"] = report.path
        let timeline = plan(warmup: warmup, duration: duration)
        let arguments = arguments(url: url, duration: duration, timeline: timeline)
        let process = try await host.start(
            Command(executable: Self.program, arguments: arguments, environment: environment),
            logFile: folder.appendingPathComponent("\(label).out"), cpus: cpus)
        let connections = settings.connections
        let host = host
        return RunningLoad(process: process, name: Self.program, duration: warmup + duration + .seconds(1), outputs: [report], host: host) {
            guard let data = try await host.read(report) else {
                throw ReportgenError(
                    .processFailed, "wrk \(process.exitStatus.map(\.description) ?? "") without writing its report",
                    hint: "wrk 4.x with LuaJIT is needed (Debian's wrk package)",
                    output: await process.recentOutput())
            }
            return try WrkReport(json: data, connections: connections, timeline: timeline).measurement
        }
    }

    /// wrk takes whole seconds; `LoadGeneratorKind.problem(with:)` makes sure durations are whole.
    static func wholeSeconds(_ duration: Duration) -> String {
        "\(max(Int64(1), Int64(duration.seconds.rounded())))s"
    }
}
