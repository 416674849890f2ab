import Core
import Definition
import Foundation
import Hosts
import Records
import Supervision

/// Both load generators against the experiment's nginx upstream alone, interleaved: how many
/// requests each drives, at what CPU cost per request, and what latency each sees. It tells
/// whether a result says something about the app servers or about the generator.
public enum Calibration {
    /// One generator's window in one round.
    public struct Window: Sendable {
        public var round: Int
        public var generator: LoadGeneratorKind
        public var commandLine: String
        public var measurement: LoadMeasurement
        /// The generator process's own CPU time over its whole life (start-up and teardown too).
        public var cpuUserUs: Int64
        public var cpuSystemUs: Int64
        public var maxRSSBytes: Int64
        /// nginx's CPU time during the window.
        public var upstreamCPUUs: Int64

        public var requestsPerSecond: Double { measurement.requestsPerSecond }

        public var cpuPerRequestUs: Double {
            Double(cpuUserUs + cpuSystemUs) / Double(max(measurement.requests, 1))
        }

        /// Raw latency at percentile `p` in µs, nearest rank over the stored distribution
        /// (ascending, as both generators hand it over).
        public func latencyUs(_ p: Double) -> Int64? {
            measurement.latency.percentile(p)
        }
    }

    /// The generators compared, in the order of odd rounds; even rounds reverse it.
    public static let generators = LoadGeneratorKind.allCases

    /// Runs `rounds` rounds of one window per generator against a fresh nginx serving the
    /// definition's upstream page, with the definition's connections, threads and timeout.
    /// `executable` is the reportgen that runs the built-in generator.
    public static func run(
        definition: ExperimentDefinition, rounds: Int, duration: Duration, executable: URL,
        clock: any Clock<Duration> = ContinuousClock(), progress: @Sendable (Window) -> Void
    ) async throws -> [Window] {
        try await ToolCheck.require(Requirement.needed(by: [.upstream, .loadgen], generators: generators))
        let work = FileManager.default.temporaryDirectory
            .appendingPathComponent("reportgen-calibrate-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        var makers: [LoadGeneratorKind: any LoadGenerating] = [:]
        for kind in generators {
            var settings = definition.load
            settings.generator = kind
            settings.rate = nil
            makers[kind] = try await LoadGeneratorKind.make(settings, folder: work, executable: executable)
        }
        let upstream = try await NginxUpstream.start(
            settings: definition.upstream, folder: work.appendingPathComponent("nginx"), clock: clock)
        do {
            let windows = try await measure(
                upstream: upstream, makers: makers, rounds: rounds, duration: duration, clock: clock, progress: progress)
            await upstream.stop()
            return windows
        } catch {
            await upstream.stop()
            throw error
        }
    }

    private static func measure(
        upstream: NginxUpstream, makers: [LoadGeneratorKind: any LoadGenerating], rounds: Int, duration: Duration,
        clock: any Clock<Duration>, progress: @Sendable (Window) -> Void
    ) async throws -> [Window] {
        var windows: [Window] = []
        for round in 1...rounds {
            let order = round % 2 == 1 ? generators : generators.reversed()
            for kind in order {
                try Task.checkCancellation()
                guard let generator = makers[kind] else { continue }
                let label = "round-\(round)-\(kind.rawValue)"
                let nginxBefore = upstream.process.sample()
                let running = try await generator.start(url: upstream.url, duration: duration, label: label)
                let measurement = try await running.finish(clock: clock)
                let nginxAfter = upstream.process.sample()
                guard upstream.isRunning else {
                    throw ReportgenError(
                        .processFailed, "the upstream nginx died during calibration",
                        output: await upstream.errorLogTail())
                }
                let usage = running.process.usage ?? ChildUsage(userUs: 0, systemUs: 0, maxRSSBytes: 0)
                var upstreamCPU: Int64 = 0
                if let nginxBefore, let nginxAfter {
                    upstreamCPU = ((nginxAfter.userMs + nginxAfter.systemMs) - (nginxBefore.userMs + nginxBefore.systemMs)) * 1000
                }
                let window = Window(
                    round: round, generator: kind,
                    commandLine: generator.commandLine(url: upstream.url, duration: duration, label: label),
                    measurement: measurement, cpuUserUs: usage.userUs, cpuSystemUs: usage.systemUs,
                    maxRSSBytes: usage.maxRSSBytes, upstreamCPUUs: upstreamCPU)
                windows.append(window)
                progress(window)
            }
        }
        return windows
    }
}

extension Calibration {
    /// One generator's medians over its rounds.
    public struct Row: Sendable {
        public var generator: LoadGeneratorKind
        public var rounds: Int
        public var requestsPerSecond: Double
        public var cpuPerRequestUs: Double
        public var userPerRequestUs: Double
        public var systemPerRequestUs: Double
        /// nginx's CPU over the window, in cores (1.0: one core busy all the time).
        public var upstreamCores: Double
        public var maxRSSBytes: Double
        public var errors: Int64
        /// Median over rounds of each round's raw percentile, in µs.
        public var latencyUs: [Double: Double]
    }

    /// Medians per generator, and the median over rounds of builtin ÷ wrk for requests/s and
    /// for CPU per request (a ratio within a round cancels what the machine did that round).
    public static func summarize(_ windows: [Window], percentiles: [Double] = [50, 99, 99.9])
        -> (rows: [Row], requestsRatio: Double?, cpuRatio: Double?)
    {
        let rows = generators.compactMap { kind -> Row? in
            let mine = windows.filter { $0.generator == kind }
            guard !mine.isEmpty else { return nil }
            let perRequest = { (value: (Window) -> Int64) in
                median(mine.map { Double(value($0)) / Double(max($0.measurement.requests, 1)) })
            }
            var latency: [Double: Double] = [:]
            for p in percentiles {
                let values = mine.compactMap { $0.latencyUs(p) }.map(Double.init)
                if !values.isEmpty { latency[p] = median(values) }
            }
            return Row(
                generator: kind, rounds: mine.count, requestsPerSecond: median(mine.map(\.requestsPerSecond)),
                cpuPerRequestUs: median(mine.map(\.cpuPerRequestUs)), userPerRequestUs: perRequest(\.cpuUserUs),
                systemPerRequestUs: perRequest(\.cpuSystemUs),
                upstreamCores: median(mine.map { Double($0.upstreamCPUUs) / Double(max($0.measurement.durationUs, 1)) }),
                maxRSSBytes: median(mine.map { Double($0.maxRSSBytes) }),
                errors: mine.reduce(0) { $0 + $1.measurement.errors.total },
                latencyUs: latency)
        }
        var requestRatios: [Double] = []
        var cpuRatios: [Double] = []
        for round in Set(windows.map(\.round)) {
            guard let wrk = windows.first(where: { $0.round == round && $0.generator == .wrk }),
                let builtin = windows.first(where: { $0.round == round && $0.generator == .builtin }),
                wrk.requestsPerSecond > 0, wrk.cpuPerRequestUs > 0
            else { continue }
            requestRatios.append(builtin.requestsPerSecond / wrk.requestsPerSecond)
            cpuRatios.append(builtin.cpuPerRequestUs / wrk.cpuPerRequestUs)
        }
        return (rows, requestRatios.isEmpty ? nil : median(requestRatios), cpuRatios.isEmpty ? nil : median(cpuRatios))
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
