#if canImport(Glibc)
import Glibc
#endif
import LoadGen

/// One run of the built-in load generator, for benchmarks/loadgen.sh: prints what the
/// script compares with wrk, one `key value` per line.
///
/// Usage: loadgen-bench --port P [--host H] [--path /] [--connections 400] [--threads 2]
///                      [--duration 10] [--timeout 10] [--rate R]
@main
enum LoadGenBench {
    static func main() {
        var options: [String: String] = [:]
        var arguments = CommandLine.arguments.dropFirst()
        while let key = arguments.popFirst() {
            guard key.hasPrefix("--"), let value = arguments.popFirst() else {
                fail("expected --key value, got \(key)")
            }
            options[String(key.dropFirst(2))] = value
        }
        func number(_ key: String, _ fallback: Double?) -> Double {
            guard let text = options[key] else {
                guard let fallback else { fail("--\(key) is required") }
                return fallback
            }
            guard let value = Double(text) else { fail("--\(key) \(text) is not a number") }
            return value
        }
        let plan = LoadPlan(
            host: options["host"] ?? "127.0.0.1", port: Int(number("port", nil)), path: options["path"] ?? "/",
            connections: Int(number("connections", 400)), threads: Int(number("threads", 2)),
            duration: .milliseconds(Int64(number("duration", 10) * 1000)),
            timeout: .milliseconds(Int64(number("timeout", 10) * 1000)),
            rate: options["rate"] == nil ? nil : number("rate", nil))

        let before = cpuMicroseconds()
        let result: LoadResult
        do {
            result = try HTTPLoadGenerator(plan: plan).run()
        } catch {
            fail("\(error)")
        }
        let histogram = result.histogram()
        let after = cpuMicroseconds()
        let requests = Double(max(result.requests, 1))
        let e = result.errors
        print("requests \(result.requests)")
        print("responses \(result.responses)")
        print("requests_per_second \(result.requestsPerSecond)")
        print("bytes \(result.bytes)")
        print("errors connect=\(e.connect) read=\(e.read) write=\(e.write) status=\(e.status) timeout=\(e.timeout)")
        print("in_flight_at_end \(result.inFlightAtEnd) reconnects \(result.reconnects)")
        print("histogram_sum \(histogram.reduce(0) { $0 + $1.count })")
        print("run_cpu_user_us_per_request \(Double(after.user - before.user) / requests)")
        print("run_cpu_system_us_per_request \(Double(after.system - before.system) / requests)")
        print("sample_stride_bytes \(MemoryLayout<RequestSample>.stride)")
        print("samples_bytes_per_request \(Double(result.samples.capacity * MemoryLayout<RequestSample>.stride) / requests)")
        // Percentiles from the histogram: the one pass over the samples a runner makes.
        for p in [50.0, 99.0, 99.9, 100.0] {
            let rank = Int64((p / 100 * requests).rounded(.up))
            var seen: Int64 = 0
            let row = histogram.first { seen += $0.count; return seen >= rank }
            print("latency_p\(p)_us \(row?.latencyUs ?? 0)")
        }
    }

    static func cpuMicroseconds() -> (user: Int64, system: Int64) {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return (Int64(usage.ru_utime.tv_sec) * 1_000_000 + Int64(usage.ru_utime.tv_usec),
                Int64(usage.ru_stime.tv_sec) * 1_000_000 + Int64(usage.ru_stime.tv_usec))
    }

    static func fail(_ message: String) -> Never {
        let line = Array("loadgen-bench: \(message)\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        exit(2)
    }
}
