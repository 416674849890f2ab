import ArgumentParser
import Core
import Definition
import Foundation
import LoadGen
import Runner
import Supervision

/// `reportgen calibrate`: wrk and the built-in generator against the shared nginx alone.
struct CalibrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Measure both load generators against the experiment's nginx alone, interleaved, side by side.",
        discussion: """
            Each round runs one window of wrk and one of the built-in generator (the order \
            alternates) against nginx serving the upstream page, with the experiment's \
            connections, threads and timeout. Printed: medians over rounds of requests/s, the \
            generator's CPU time per request (user + system of its process) and raw latency \
            percentiles, plus the median per-round ratio builtin ÷ wrk. Nothing is stored.
            """)

    @OptionGroup var experiment: ExperimentArgument

    @Option(help: "Rounds; each runs both generators once.")
    var rounds = 5

    @Option(help: "Window per generator and round, e.g. 10s (whole seconds, for wrk).")
    var duration = DurationArgument(.seconds(10))

    @Option(help: "Connections (default: the experiment's).")
    var connections: Int?

    @Option(help: "Load threads (default: the experiment's).")
    var threads: Int?

    @Flag(help: "Also run plain wrk each round, without the timeline every trial reads, and give the timeline's cost.")
    var timelineCost = false

    func validate() throws {
        guard (1...100).contains(rounds) else { throw ValidationError("--rounds must be between 1 and 100, got \(rounds)") }
    }

    func run() async throws {
        try await reportingErrors {
            // Both generators run every window: the definition's rules must hold for each.
            var definition = try experiment.load()
            // Calibration measures closed loops only.
            definition.load.rate = nil
            for kind in Calibration.generators {
                definition = try definition.applying(RunOverrides(
                    duration: duration.duration, connections: connections, threads: threads, generator: kind))
            }
            guard let executable = ProjectFolder.executable else {
                throw ReportgenError(.missingDependency, "cannot tell which reportgen executable is running")
            }
            Interrupt.installSignalHandlers()
            let load = definition.load
            FileHandle.standardError.write(Data(
                "calibrate: nginx alone, \(load.connections) connections, \(load.threads) threads, \(rounds) rounds of \(DurationSyntax.format(duration.duration)) per generator\n".utf8))
            let (rounds, window, shaped, cost) = (rounds, duration.duration, definition, timelineCost)
            let windows = try await Interrupt.shared.scope {
                try await Calibration.run(
                    definition: shaped, rounds: rounds, duration: window, executable: executable, timelineCost: cost
                ) { w in
                    let line = String(
                        format: "  round %d %-16@ %9.0f req/s  %6.2f µs CPU/request  %@ errors\n",
                        w.round, w.subject.name, w.requestsPerSecond, w.cpuPerRequestUs,
                        "\(w.measurement.errors.total)")
                    FileHandle.standardError.write(Data(line.utf8))
                }
            }
            print(Self.table(Calibration.summarize(windows)))
        }
    }

    static func table(_ summary: (rows: [Calibration.Row], requestsRatio: Double?, cpuRatio: Double?, timelineRatio: Double?)) -> String {
        func f(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
        var lines = [
            "| generator | rounds | requests/s | CPU µs/request (user + sys) | nginx cores | peak RSS MiB | p50 ms | p99 ms | p99.9 ms | errors |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for row in summary.rows {
            let latency = [50.0, 99, 99.9].map { row.latencyUs[$0].map { f($0 / 1000, 2) } ?? "–" }
            lines.append(
                "| \(row.subject.name) | \(row.rounds) | \(f(row.requestsPerSecond, 0)) | \(f(row.cpuPerRequestUs, 2)) (\(f(row.userPerRequestUs, 2)) + \(f(row.systemPerRequestUs, 2))) | \(f(row.upstreamCores, 2)) | \(f(row.maxRSSBytes / 1_048_576, 1)) | "
                    + latency.joined(separator: " | ") + " | \(row.errors) |")
        }
        if let requests = summary.requestsRatio, let cpu = summary.cpuRatio {
            lines.append("")
            lines.append("builtin ÷ wrk, median of per-round ratios: requests/s \(f(requests, 3))×, CPU per request \(f(cpu, 3))×")
        }
        if let timeline = summary.timelineRatio {
            lines.append("wrk with its timeline ÷ without, median of per-round ratios: requests/s \(f(timeline, 3))×")
        }
        lines.append("medians over rounds; latency is raw (no coordinated-omission correction) for both; the built-in generator keeps every request at \(MemoryLayout<RequestSample>.stride) bytes each")
        return lines.joined(separator: "\n")
    }
}
