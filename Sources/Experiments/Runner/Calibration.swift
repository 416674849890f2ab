import Foundation

/// Both load generators against the experiment's nginx upstream alone, interleaved: how many
/// requests each drives, at what CPU cost per request, and what latency each sees. It tells
/// whether a result says something about the app servers or about the generator.
public enum Calibration {
    /// One generator's window in one round.
    public struct Window: Sendable {
        public var round: Int
        public var generator: String
        public var commandLine: String
        public var measurement: LoadMeasurement
        /// The generator process's own CPU time over its whole life (start-up and teardown too).
        public var cpuUserUs: Int64
        public var cpuSystemUs: Int64
        public var maxRSSBytes: Int64
        /// nginx's CPU time during the window.
        public var upstreamCPUUs: Int64

        public var requestsPerSecond: Double {
            measurement.durationUs > 0 ? Double(measurement.requests) * 1e6 / Double(measurement.durationUs) : 0
        }

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
    public static let generators = ["wrk", "builtin"]

    /// Runs `rounds` rounds of one window per generator against a fresh nginx serving the
    /// definition's upstream page, with the definition's connections, threads and timeout.
    public static func run(
        definition: ExperimentDefinition, rounds: Int, duration: Duration, interrupt: Interrupt,
        progress: (Window) -> Void
    ) throws -> [Window] {
        try ToolCheck.require(["nginx", "wrk"])
        let work = FileManager.default.temporaryDirectory
            .appendingPathComponent("reportgen-calibrate-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let upstream = try NginxUpstream(
            settings: definition.upstream, folder: work.appendingPathComponent("nginx"), interrupt: interrupt)
        defer { upstream.stop() }

        var makers: [String: any LoadGenerating] = [:]
        for name in generators {
            var settings = definition.load
            settings.generator = name
            settings.rate = nil
            makers[name] = try LoadGenerators.make(settings, folder: work)
        }
        var windows: [Window] = []
        for round in 1...rounds {
            let order = round % 2 == 1 ? generators : generators.reversed()
            for name in order {
                try interrupt.check()
                let generator = makers[name]!
                let label = "round-\(round)-\(name)"
                let nginxBefore = ProcessTable.usage(upstream.process.pid)
                let running = try generator.start(url: upstream.url, duration: duration, label: label)
                let measurement: LoadMeasurement
                do {
                    measurement = try running.finish(interrupt: interrupt)
                } catch {
                    running.abandon()
                    throw error
                }
                let nginxAfter = ProcessTable.usage(upstream.process.pid)
                guard upstream.isRunning else {
                    throw ReportgenError(.processFailed, "the upstream nginx died during calibration",
                                         underlying: NginxUpstream.errorLogTail(upstream.folder))
                }
                let usage = running.process.usage ?? ChildUsage(userUs: 0, systemUs: 0, maxRSSBytes: 0)
                var upstreamCPU: Int64 = 0
                if let nginxBefore, let nginxAfter {
                    let ticks = (nginxAfter.userTicks + nginxAfter.systemTicks) - (nginxBefore.userTicks + nginxBefore.systemTicks)
                    upstreamCPU = ticks * 1_000_000 / max(ProcessTable.ticksPerSecond, 1)
                }
                let window = Window(
                    round: round, generator: name,
                    commandLine: generator.commandLine(url: upstream.url, duration: duration, label: label),
                    measurement: measurement, cpuUserUs: usage.userUs, cpuSystemUs: usage.systemUs,
                    maxRSSBytes: usage.maxRSSBytes,
                    upstreamCPUUs: upstreamCPU)
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
        public var generator: String
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
        let rows = generators.compactMap { name -> Row? in
            let mine = windows.filter { $0.generator == name }
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
                generator: name, rounds: mine.count, requestsPerSecond: median(mine.map(\.requestsPerSecond)),
                cpuPerRequestUs: median(mine.map(\.cpuPerRequestUs)), userPerRequestUs: perRequest(\.cpuUserUs),
                systemPerRequestUs: perRequest(\.cpuSystemUs),
                upstreamCores: median(mine.map { Double($0.upstreamCPUUs) / Double(max($0.measurement.durationUs, 1)) }),
                maxRSSBytes: median(mine.map { Double($0.maxRSSBytes) }),
                errors: mine.reduce(0) {
                    let e = $1.measurement
                    return $0 + e.errorsConnect + e.errorsRead + e.errorsWrite + e.errorsStatus + e.errorsTimeout
                },
                latencyUs: latency)
        }
        var requestRatios: [Double] = []
        var cpuRatios: [Double] = []
        for round in Set(windows.map(\.round)) {
            guard let wrk = windows.first(where: { $0.round == round && $0.generator == "wrk" }),
                let builtin = windows.first(where: { $0.round == round && $0.generator == "builtin" }),
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
