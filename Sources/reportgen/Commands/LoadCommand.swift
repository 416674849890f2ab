import ArgumentParser
import Core
import Foundation
import LoadGen

/// The built-in generator on its own, like wrk (closed loop) or wrk2 (`--rate`): the
/// runner starts it this way for every builtin trial, and a person can rerun a trial's
/// stored command line.
struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Drive a URL with the built-in HTTP/1.1 load generator and print what it measured.",
        discussion: """
            Closed loop by default: each connection sends its next request when the last \
            response ends, as wrk does. With --rate, requests follow a fixed schedule over all \
            connections and latency counts from each request's scheduled time, as wrk2 does, \
            so a stalled server cannot hide its stall. Every request is kept; --samples writes \
            them to a file (16 bytes each) that reportgen reads back.
            """)

    @Argument(help: "The URL, e.g. http://127.0.0.1:8080/remote (http only).")
    var url: String

    @Option(name: [.short, .long], help: "Keep-alive connections held open.")
    var connections = 10

    @Option(name: [.short, .long], help: "Event loop threads the connections are spread over.")
    var threads = 2

    @Option(name: [.short, .long], help: "The measured window, e.g. 10s or 2500ms.")
    var duration = DurationArgument(.seconds(10))

    @Option(help: ArgumentHelp(
        "Load on the same connections before the window, e.g. 2s: answers in it are not counted, a request sent in it and answered in the window is.",
        valueName: "duration"))
    var warmup = DurationArgument(.zero)

    @Option(help: "A request with no response after this long is a timeout.")
    var timeout = DurationArgument(.seconds(10))

    @Option(name: [.customShort("R"), .long], help: "Requests per second over all connections (open loop).")
    var rate: Double?

    @Option(help: "Write every request to this file for reportgen to read.")
    var samples: String?

    func run() throws {
        try reportingErrors {
            let plan = try makePlan()
            let generator = HTTPLoadGenerator(plan: plan)
            let result: LoadResult
            do {
                result = try generator.run()
            } catch let error as LoadGenError {
                throw ReportgenError(
                    error.code == .badPlan ? .badArgument : .processFailed, error.message, hint: error.hint, underlying: error)
            }
            if let samples {
                do {
                    try SampleFile.write(result, to: samples)
                } catch let error as LoadGenError {
                    throw ReportgenError(.io, error.message, underlying: error)
                }
            }
            print(Self.summary(result, plan: plan))
            if result.responses == 0 {
                throw ReportgenError(
                    .processFailed, "no request got a response from \(url) (\(result.errors.connect) failed connection attempts)",
                    hint: "check that a server listens there, e.g. curl -i \(url)")
            }
        }
    }

    func makePlan() throws -> LoadPlan {
        guard let parts = URLComponents(string: url), parts.scheme == "http", let host = parts.host, !host.isEmpty else {
            throw ReportgenError(.badArgument, "'\(url)' is not an http URL", hint: "e.g. http://127.0.0.1:8080/")
        }
        var path = parts.percentEncodedPath.isEmpty ? "/" : parts.percentEncodedPath
        if let query = parts.percentEncodedQuery { path += "?" + query }
        let plan = LoadPlan(
            host: host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host, port: parts.port ?? 80,
            path: path, connections: connections, threads: threads,
            warmup: warmup.duration, duration: duration.duration, timeout: timeout.duration, rate: rate)
        do {
            try plan.validate()
        } catch let error as LoadGenError {
            // The plan names its fields as the flags do, without the dashes.
            throw ReportgenError(.badArgument, "--" + error.message, hint: error.hint)
        }
        return plan
    }

    /// wrk's summary, plus what only a per-request log can say.
    static func summary(_ result: LoadResult, plan: LoadPlan) -> String {
        let seconds = Double(result.durationUs) / 1e6
        let model = plan.rate.map { "open loop at \(Int($0)) requests/s, latency from the scheduled time" } ?? "closed loop"
        let warm = result.warmupUs > 0 ? " after a \(String(format: "%.1f", Double(result.warmupUs) / 1e6)) s warm-up" : ""
        var lines = [
            "\(plan.connections) connections on \(plan.threads) threads, \(String(format: "%.1f", seconds)) s\(warm), \(model)",
            "  requests      \(result.requests) (\(String(format: "%.1f", result.requestsPerSecond))/s), \(result.responses) answered, \(result.bytes) bytes read",
        ]
        let percentiles = result.latencyPercentiles([50, 90, 99, 99.9, 100])
        if !percentiles.isEmpty {
            let cells = [50, 90, 99, 99.9, 100].map { p in
                "p\(p == 100 ? "100" : String(format: p == p.rounded() ? "%.0f" : "%.1f", p)) \(String(format: "%.2f", Double(percentiles[p] ?? 0) / 1000)) ms"
            }
            lines.append("  latency       " + cells.joined(separator: ", "))
        }
        let e = result.errors
        lines.append("  errors        connect \(e.connect), read \(e.read), write \(e.write), status \(e.status), timeout \(e.timeout)")
        let held = result.samples.capacity * MemoryLayout<RequestSample>.stride
        lines.append("  kept          \(result.samples.count) requests in \(held) bytes (\(String(format: "%.2f", Double(held) / Double(max(result.samples.count, 1)))) bytes each)")
        let edges = result.warmupUs > 0
            ? "\(result.inFlightAtWindowStart) in flight when the window opened (counted when answered in it), \(result.inFlightAtEnd) at its end (not counted)"
            : "\(result.inFlightAtEnd) requests in flight at the end (not counted)"
        lines.append("  connections   \(result.reconnects) reopened, \(edges)")
        return lines.joined(separator: "\n")
    }
}
