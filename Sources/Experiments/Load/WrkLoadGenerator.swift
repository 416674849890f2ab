import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs wrk against a URL for a fixed window and returns its report.
public struct WrkLoadGenerator: Sendable {
    /// Folder for the Lua script, wrk's output and its JSON report.
    public var folder: URL
    public var settings: LoadSettings

    public init(folder: URL, settings: LoadSettings) throws {
        self.folder = folder
        self.settings = settings
        try WrkScript.source.write(to: scriptFile, atomically: true, encoding: .utf8)
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

    /// Starts wrk for one window; the caller waits with `finish`.
    public func start(url: String, duration: Duration, label: String) throws -> RunningWrk {
        let report = folder.appendingPathComponent("\(label).json")
        try? FileManager.default.removeItem(at: report)
        var environment = ProcessEnvironment.base(path: ProcessEnvironment.systemPath)
        environment["REPORTGEN_WRK_OUT"] = report.path
        let arguments = arguments(url: url, duration: duration)
        let process = try ChildProcess(
            executable: "wrk", arguments: arguments, environment: environment,
            logFile: folder.appendingPathComponent("\(label).out"))
        return RunningWrk(
            process: process, report: report, duration: duration,
            timeout: settings.timeout, connections: settings.connections)
    }

    /// wrk takes whole seconds; the definition check makes sure durations are whole.
    static func wholeSeconds(_ duration: Duration) -> String {
        "\(max(Int64(1), Int64(duration.seconds.rounded())))s"
    }
}

/// A wrk process in flight.
public struct RunningWrk: Sendable {
    public let process: ChildProcess
    let report: URL
    let duration: Duration
    let timeout: Duration
    let connections: Int

    /// Waits for wrk to finish the window (its `done()` included).
    public func waitForExit(interrupt: Interrupt) throws {
        let limit = duration + .seconds(30)
        let status = process.wait(timeout: limit, interrupt: interrupt)
        if status == nil {
            process.stop(grace: .seconds(1))
            try interrupt.check()
            throw ReportgenError(
                .processFailed, "wrk did not finish within \(limit)", underlying: process.logTail())
        }
    }

    /// Reads the report wrk wrote; call after `waitForExit`.
    public func readReport() throws -> WrkReport {
        guard let data = try? Data(contentsOf: report) else {
            throw ReportgenError(
                .processFailed, "wrk \(process.poll().map(\.description) ?? "") without writing its report",
                hint: "wrk 4.x with LuaJIT is needed (Debian's wrk package)",
                underlying: process.logTail())
        }
        return try WrkReport(json: data, connections: connections)
    }

    /// Waits for wrk and reads its report.
    public func finish(interrupt: Interrupt) throws -> WrkReport {
        try waitForExit(interrupt: interrupt)
        return try readReport()
    }

    /// Stops wrk early (interrupt or failure).
    public func abandon() {
        process.stop(grace: .seconds(1))
    }
}
