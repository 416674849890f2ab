import Core
import Definition
import Foundation
import LoadGen
import Records
import Supervision

/// reportgen's own generator (the `LoadGen` library), run as `reportgen load` in a child
/// process: out of the runner's way, sampled like wrk, stopped like any child, and replayable
/// from the stored command line. It writes every request to a sample file the runner reads.
public struct BuiltinLoadGenerator: LoadGenerating {
    public var kind: LoadGeneratorKind { .builtin }
    public var runsWarmupInline: Bool { true }
    /// Folder for the sample files and the generator's output.
    public var folder: URL
    public var settings: LoadSettings
    /// The reportgen executable that runs `load`, as its caller declared it.
    public var executable: URL
    /// The CPUs it is pinned to.
    public var cpus: CPUSet?

    /// The percentiles stored as the generator's own, computed from every request.
    public static let percentiles: [Double] = [50, 75, 90, 99, 99.9, 99.99, 100]

    public init(folder: URL, settings: LoadSettings, executable: URL, cpus: CPUSet? = nil) {
        self.cpus = cpus
        self.folder = folder
        self.settings = settings
        self.executable = executable
    }

    /// `reportgen load`'s arguments for a window of `duration` after `warmup` on the same
    /// connections, keeping its requests in `samples` when given.
    public func arguments(url: String, warmup: Duration = .zero, duration: Duration, samples: URL?) -> [String] {
        var arguments = [
            "load",
            "--connections", "\(settings.connections)",
            "--threads", "\(settings.threads)",
        ]
        if warmup > .zero { arguments += ["--warmup", Self.exact(warmup)] }
        arguments += [
            "--duration", Self.exact(duration),
            "--timeout", Self.exact(settings.timeout),
        ]
        if let rate = settings.rate { arguments += ["--rate", Self.rateText(rate)] }
        if let samples { arguments += ["--samples", samples.path] }
        return arguments + [url]
    }

    public func commandLine(url: String, warmup: Duration, duration: Duration, label: String) -> String {
        Command(
            executable: executable.path, arguments: arguments(url: url, warmup: warmup, duration: duration, samples: samplesFile(label)),
            environment: [:]
        ).pinned(to: cpus).commandLine
    }

    public func start(url: String, warmup: Duration, duration: Duration, label: String) throws -> RunningLoad {
        let samples = samplesFile(label)
        try? FileManager.default.removeItem(at: samples)
        let process = try LocalHost().start(
            Command(
                executable: executable.path, arguments: arguments(url: url, warmup: warmup, duration: duration, samples: samples),
                environment: ProcessEnvironment.base(path: ProcessEnvironment.systemPath)),
            logFile: folder.appendingPathComponent("\(label).out"), cpus: cpus)
        let openLoop = settings.rate != nil
        let intervalUs = settings.interval.microseconds
        return RunningLoad(process: process, name: "reportgen load", duration: warmup + duration, outputs: [samples]) {
            guard FileManager.default.fileExists(atPath: samples.path) else {
                throw ReportgenError(
                    .processFailed, "reportgen load \(process.exitStatus.map(\.description) ?? "") without writing its samples",
                    output: await process.recentOutput())
            }
            do {
                return Self.measurement(try SampleFile.read(from: samples.path), openLoop: openLoop, intervalUs: intervalUs)
            } catch let error as LoadGenError {
                throw ReportgenError(.processFailed, error.message, hint: error.hint, underlying: error)
            }
        }
    }

    /// A run's result as the runner stores it: every request of the window, the distribution
    /// derived from them (its counts sum to `requests`), percentiles over every request, and
    /// the run's timeline in intervals of `intervalUs`.
    public static func measurement(_ result: LoadResult, openLoop: Bool, intervalUs: Int64 = LoadSettings.defaultInterval.microseconds) -> LoadMeasurement {
        LoadMeasurement(
            durationUs: result.durationUs, requests: result.requests, bytes: result.bytes,
            errors: ErrorCounts(
                connect: result.errors.connect, read: result.errors.read, write: result.errors.write,
                status: result.errors.status, timeout: result.errors.timeout),
            latency: result.histogram().map { LatencyBucket(latencyUs: $0.latencyUs, count: $0.count) },
            generatorPercentiles: result.latencyPercentiles(percentiles).mapValues(Double.init),
            percentileNote: LoadGeneratorKind.builtin.percentileNote(openLoop: openLoop),
            requestLog: result.samples,
            timeline: Timeline.of(result, intervalUs: intervalUs))
    }

    func samplesFile(_ label: String) -> URL { folder.appendingPathComponent("\(label).samples") }

    /// A duration as `reportgen load` reads it, without rounding.
    static func exact(_ duration: Duration) -> String {
        let us = duration.microseconds
        if us % 1_000_000 == 0 { return "\(us / 1_000_000)s" }
        if us % 1_000 == 0 { return "\(us / 1_000)ms" }
        return "\(us)us"
    }

    /// A rate without a trailing ".0" for whole numbers.
    static func rateText(_ rate: Double) -> String {
        rate == rate.rounded() && abs(rate) < 1e15 ? String(Int64(rate)) : String(rate)
    }
}
