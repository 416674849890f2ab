import Foundation
import LoadGen

/// reportgen's own generator (the `LoadGen` library), run as `reportgen load` in a child
/// process: out of the runner's way, sampled like wrk, stopped like any child, and replayable
/// from the stored command line. It writes every request to a sample file the runner reads.
public struct BuiltinLoadGenerator: LoadGenerating {
    /// Folder for the sample files and the generator's output.
    public var folder: URL
    public var settings: LoadSettings
    /// The reportgen executable that runs `load`.
    public var executable: URL

    /// The percentiles stored as the generator's own, computed from every request.
    public static let percentiles: [Double] = [50, 75, 90, 99, 99.9, 99.99, 100]

    public init(folder: URL, settings: LoadSettings, executable: URL? = nil) throws {
        self.folder = folder
        self.settings = settings
        self.executable = try executable ?? Self.locateExecutable()
    }

    /// `reportgen load`'s arguments for a window of `duration`, keeping its requests in
    /// `samples` when given.
    public func arguments(url: String, duration: Duration, samples: URL?) -> [String] {
        var arguments = [
            "load",
            "--connections", "\(settings.connections)",
            "--threads", "\(settings.threads)",
            "--duration", Self.exact(duration),
            "--timeout", Self.exact(settings.timeout),
        ]
        if let rate = settings.rate { arguments += ["--rate", Self.rateText(rate)] }
        if let samples { arguments += ["--samples", samples.path] }
        return arguments + [url]
    }

    public func commandLine(url: String, duration: Duration, label: String) -> String {
        ([executable.path] + arguments(url: url, duration: duration, samples: samplesFile(label)))
            .map(shellQuoted).joined(separator: " ")
    }

    public func start(url: String, duration: Duration, label: String) throws -> RunningLoad {
        let samples = samplesFile(label)
        try? FileManager.default.removeItem(at: samples)
        let process = try ChildProcess(
            executable: executable.path, arguments: arguments(url: url, duration: duration, samples: samples),
            environment: ProcessEnvironment.base(path: ProcessEnvironment.systemPath),
            logFile: folder.appendingPathComponent("\(label).out"))
        return RunningLoad(process: process, name: "reportgen load", duration: duration, outputs: [samples]) {
            guard FileManager.default.fileExists(atPath: samples.path) else {
                throw ReportgenError(
                    .processFailed, "reportgen load \(process.poll().map(\.description) ?? "") without writing its samples",
                    underlying: process.logTail())
            }
            do {
                return Self.measurement(try SampleFile.read(from: samples.path))
            } catch let error as LoadGenError {
                throw ReportgenError(.processFailed, error.message, hint: error.hint)
            }
        }
    }

    /// A run's result as the runner stores it: every request, the distribution derived from
    /// them (its counts sum to `requests`), and percentiles over every request.
    public static func measurement(_ result: LoadResult) -> LoadMeasurement {
        LoadMeasurement(
            durationUs: result.durationUs, requests: result.requests, bytes: result.bytes,
            errorsConnect: result.errors.connect, errorsRead: result.errors.read,
            errorsWrite: result.errors.write, errorsStatus: result.errors.status,
            errorsTimeout: result.errors.timeout,
            latency: result.histogram().map { LatencyBucket(latencyUs: $0.latencyUs, count: $0.count) },
            generatorPercentiles: result.latencyPercentiles(percentiles).mapValues(Double.init),
            requestLog: result.samples)
    }

    func samplesFile(_ label: String) -> URL { folder.appendingPathComponent("\(label).samples") }

    /// The reportgen executable: this process when it is reportgen, otherwise a reportgen
    /// built beside it (tests run from the same build folder).
    public static func locateExecutable() throws -> URL {
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        if me.lastPathComponent == "reportgen" { return me }
        let sibling = me.deletingLastPathComponent().appendingPathComponent("reportgen")
        if FileManager.default.isExecutableFile(atPath: sibling.path) { return sibling }
        throw ReportgenError(
            .missingDependency, "the built-in load generator runs as 'reportgen load', but no reportgen executable was found beside \(me.path)",
            hint: "build it with 'swift build' (or 'make report'), or use generator = \"wrk\"")
    }

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
