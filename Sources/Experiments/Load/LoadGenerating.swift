import Foundation
import LoadGen

/// What one measured window gave, whichever generator measured it.
public struct LoadMeasurement: Sendable, Equatable {
    public var durationUs: Int64
    public var requests: Int64
    public var bytes: Int64
    public var errorsConnect: Int64
    public var errorsRead: Int64
    public var errorsWrite: Int64
    public var errorsStatus: Int64
    public var errorsTimeout: Int64
    /// The raw latency distribution (no synthetic samples).
    public var latency: [LatencyBucket]
    /// The generator's own percentiles in µs, keyed by percentile.
    public var generatorPercentiles: [Double: Double]
    /// Every request, when the generator keeps them.
    public var requestLog: ContiguousArray<RequestSample>?
}

/// A load generator the runner can drive: it runs as a child process for one window and
/// leaves a report behind, so its CPU time and memory are sampled like the servers' and a
/// person can rerun the exact command line.
public protocol LoadGenerating: Sendable {
    /// The exact, shell-quoted command line of a window; stored with the trial.
    func commandLine(url: String, duration: Duration, label: String) -> String
    /// Starts the generator for one window; the caller waits with `RunningLoad.finish`.
    func start(url: String, duration: Duration, label: String) throws -> RunningLoad
}

/// The generator a definition's `[load]` names.
public enum LoadGenerators {
    public static func make(_ settings: LoadSettings, folder: URL) throws -> any LoadGenerating {
        switch settings.generator {
        case "builtin": return try BuiltinLoadGenerator(folder: folder, settings: settings)
        default: return try WrkLoadGenerator(folder: folder, settings: settings)
        }
    }

    /// The programs a generator needs on this machine.
    public static func tools(_ settings: LoadSettings) -> [String] {
        settings.generator == "builtin" ? [] : ["wrk"]
    }
}

/// A load generator process in flight.
public struct RunningLoad: Sendable {
    public let process: ChildProcess
    let name: String
    let duration: Duration
    /// Files the generator writes for the runner; removed once read or discarded, since a
    /// built-in window can leave tens of MB and a run has dozens of windows.
    let outputs: [URL]
    let read: @Sendable () throws -> LoadMeasurement

    init(
        process: ChildProcess, name: String, duration: Duration, outputs: [URL],
        read: @escaping @Sendable () throws -> LoadMeasurement
    ) {
        self.process = process
        self.name = name
        self.duration = duration
        self.outputs = outputs
        self.read = read
    }

    /// Waits for the generator to finish its window and write its report.
    public func waitForExit(interrupt: Interrupt) throws {
        let limit = duration + .seconds(30)
        let status = process.wait(timeout: limit, interrupt: interrupt)
        if status == nil {
            process.stop(grace: .seconds(1))
            try interrupt.check()
            throw ReportgenError(
                .processFailed, "\(name) did not finish within \(limit)", underlying: process.logTail())
        }
    }

    /// Reads what the generator measured, then removes its files; call after `waitForExit`.
    public func measurement() throws -> LoadMeasurement {
        defer { discard() }
        return try read()
    }

    /// Removes what the generator wrote without reading it (a warm-up).
    public func discard() {
        for file in outputs { try? FileManager.default.removeItem(at: file) }
    }

    /// Waits for the generator and reads what it measured.
    public func finish(interrupt: Interrupt) throws -> LoadMeasurement {
        try waitForExit(interrupt: interrupt)
        return try measurement()
    }

    /// Stops the generator early (interrupt or failure).
    public func abandon() {
        process.stop(grace: .seconds(1))
    }
}
