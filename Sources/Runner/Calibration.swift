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
    /// What is calibrated: a generator, and for wrk whether its threads read a timeline.
    public struct Subject: Hashable, Sendable {
        public var generator: LoadGeneratorKind
        public var timeline = true

        public var name: String { generator == .wrk && !timeline ? "wrk, no timeline" : generator.rawValue }

        /// wrk as every trial runs it, and the built-in generator; with `timelineCost`, plain
        /// wrk too, to measure what reading its timeline costs.
        public static func all(timelineCost: Bool) -> [Subject] {
            generators.map { Subject(generator: $0) } + (timelineCost ? [Subject(generator: .wrk, timeline: false)] : [])
        }
    }

    /// One generator's window in one round.
    public struct Window: Sendable {
        public var round: Int
        public var subject: Subject
        public var generator: LoadGeneratorKind { subject.generator }
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
        definition: ExperimentDefinition, rounds: Int, duration: Duration, executable: URL, timelineCost: Bool = false,
        clock: any Clock<Duration> = ContinuousClock(), progress: @Sendable (Window) -> Void
    ) async throws -> [Window] {
        try await ToolCheck.require(Requirement.needed(by: [.upstream, .loadgen], generators: generators))
        let work = FileManager.default.temporaryDirectory
            .appendingPathComponent("reportgen-calibrate-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let subjects = Subject.all(timelineCost: timelineCost)
        var makers: [Subject: any LoadGenerating] = [:]
        for subject in subjects {
            var settings = definition.load
            settings.generator = subject.generator
            settings.rate = nil
            var maker = try await LoadGeneratorKind.make(settings, folder: work, executable: executable)
            if var wrk = maker as? WrkLoadGenerator {
                wrk.timeline = subject.timeline
                maker = wrk
            }
            makers[subject] = maker
        }
        let upstream = try await NginxUpstream.start(
            settings: definition.upstream, folder: work.appendingPathComponent("nginx"), clock: clock)
        do {
            let windows = try await measure(
                upstream: upstream, subjects: subjects, makers: makers, rounds: rounds, duration: duration, clock: clock,
                progress: progress)
            await upstream.stop()
            return windows
        } catch {
            await upstream.stop()
            throw error
        }
    }

    private static func measure(
        upstream: NginxUpstream, subjects: [Subject], makers: [Subject: any LoadGenerating], rounds: Int, duration: Duration,
        clock: any Clock<Duration>, progress: @Sendable (Window) -> Void
    ) async throws -> [Window] {
        var windows: [Window] = []
        for round in 1...rounds {
            let order = round % 2 == 1 ? subjects : subjects.reversed()
            for (index, subject) in order.enumerated() {
                try Task.checkCancellation()
                guard let generator = makers[subject] else { continue }
                let label = "round-\(round)-\(index)-\(subject.generator.rawValue)"
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
                    round: round, subject: subject,
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
        public var subject: Subject
        public var generator: LoadGeneratorKind { subject.generator }
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
        -> (rows: [Row], requestsRatio: Double?, cpuRatio: Double?, timelineRatio: Double?)
    {
        let subjects = Subject.all(timelineCost: true).filter { subject in windows.contains { $0.subject == subject } }
        let rows = subjects.compactMap { subject -> Row? in
            let mine = windows.filter { $0.subject == subject }
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
                subject: subject, rounds: mine.count, requestsPerSecond: median(mine.map(\.requestsPerSecond)),
                cpuPerRequestUs: median(mine.map(\.cpuPerRequestUs)), userPerRequestUs: perRequest(\.cpuUserUs),
                systemPerRequestUs: perRequest(\.cpuSystemUs),
                upstreamCores: median(mine.map { Double($0.upstreamCPUUs) / Double(max($0.measurement.durationUs, 1)) }),
                maxRSSBytes: median(mine.map { Double($0.maxRSSBytes) }),
                errors: mine.reduce(0) { $0 + $1.measurement.errors.total },
                latencyUs: latency)
        }
        var requestRatios: [Double] = []
        var cpuRatios: [Double] = []
        var timelineRatios: [Double] = []
        for round in Set(windows.map(\.round)) {
            func window(_ subject: Subject) -> Window? {
                windows.first { $0.round == round && $0.subject == subject && $0.requestsPerSecond > 0 && $0.cpuPerRequestUs > 0 }
            }
            guard let wrk = window(Subject(generator: .wrk)) else { continue }
            if let builtin = window(Subject(generator: .builtin)) {
                requestRatios.append(builtin.requestsPerSecond / wrk.requestsPerSecond)
                cpuRatios.append(builtin.cpuPerRequestUs / wrk.cpuPerRequestUs)
            }
            if let plain = window(Subject(generator: .wrk, timeline: false)) {
                timelineRatios.append(wrk.requestsPerSecond / plain.requestsPerSecond)
            }
        }
        func middle(_ values: [Double]) -> Double? { values.isEmpty ? nil : median(values) }
        return (rows, middle(requestRatios), middle(cpuRatios), middle(timelineRatios))
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
