import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import Core
@testable import Definition
@testable import Hosts
@testable import Records
@testable import Supervision


extension RealServers {
/// `[upstream] delay`: real nginx holds each response on a timer, exactly and without CPU.
@Suite("upstream delay against real nginx", .serialized)
struct UpstreamDelayTests {
    /// One window of wrk straight at the upstream: its measurement and nginx's CPU in µs.
    private func window(
        _ upstream: NginxUpstream, delay: Duration, generator: any LoadGenerating
    ) async throws -> (measurement: LoadMeasurement, nginxCPUUs: Int64) {
        let before = try #require(ProcessTable.usage(upstream.process.pid))
        let running = try await generator.start(url: upstream.url(delay: delay), duration: .seconds(3), label: "delay-\(delay.microseconds)")
        let measurement = try await running.finish(clock: ContinuousClock())
        let after = try #require(ProcessTable.usage(upstream.process.pid))
        let ticks = (after.userTicks + after.systemTicks) - (before.userTicks + before.systemTicks)
        return (measurement, ticks * 1_000_000 / max(ProcessTable.ticksPerSecond, 1))
    }

    @Test("at the experiment's 400 connections the median request takes the delay within 1 ms + 5%, every answer is a 200, and nginx's CPU per request does not grow with the delay")
    func delaysAreExactAndCheap() async throws {
        try #require(NginxUpstream.echoModule() != nil, "libnginx-mod-http-echo is missing: make test installs it (scripts/ensure-deps.sh)")
        let definition = try DefinitionLoader.load(experiment: "aiohttp-vs-flask", projectRoot: RealServers.projectRoot)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-delay-test-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        // 400 connections at 10 ms would ask nginx for 40,000 answers a second, more than two
        // shared cores give: from 50 ms on, the delay, not the CPU, sets the pace.
        let delays: [Duration] = [.zero, .milliseconds(50), .milliseconds(100), .milliseconds(200)]
        let upstream = try await NginxUpstream.start(
            settings: definition.upstream, delays: delays, folder: work.appendingPathComponent("nginx"), clock: ContinuousClock())
        var results: [(delay: Duration, measurement: LoadMeasurement, nginxCPUUs: Int64)] = []
        // The median of each delay's windows: a second window when the first missed the bound.
        // The bound, 1 ms + 5%, leaves room for the queueing 8,000 answers a second cost wrk
        // and nginx on two shared cores (2.3 ms at 50 ms, seen on a slower VM); a timer that
        // ignored the delay, or slept twice, is off by far more.
        // Other work on a shared machine only ever delays an answer, never hurries it, so the
        // better of two windows says what nginx's timer does.
        var medians: [Duration: Double] = [:]
        do {
            // The experiment's 400 connections, from two wrk threads: ten on two cores would
            // add their own scheduling to what is measured.
            var load = definition.load
            load.threads = 2
            let generator = try await LoadGeneratorKind.make(load, folder: work, executable: nil)
            for delay in delays {
                let (measurement, cpu) = try await window(upstream, delay: delay, generator: generator)
                results.append((delay, measurement, cpu))
                guard delay > .zero, let p50 = measurement.latency.percentile(50) else { continue }
                var median = Double(p50) / 1000
                let target = Double(delay.microseconds) / 1000
                if abs(median - target) > 1 + 0.05 * target,
                    let again = try await window(upstream, delay: delay, generator: generator).measurement.latency.percentile(50)
                {
                    median = min(median, Double(again) / 1000)
                }
                medians[delay] = median
            }
            #expect(upstream.isRunning)
            await upstream.stop()
        } catch {
            await upstream.stop()
            throw error
        }
        #expect(RealServers.serversLeft().isEmpty)

        for (delay, measurement, _) in results {
            let errors = measurement.errors
            #expect(measurement.requests > 1_000, "\(delay): \(measurement.requests) requests")
            #expect(errors.status == 0 && errors.connect == 0 && errors.read == 0 && errors.write == 0 && errors.timeout == 0, "\(delay): \(errors)")
            guard delay > .zero else { continue }
            let p50 = try #require(medians[delay])
            let target = Double(delay.microseconds) / 1000
            #expect(abs(p50 - target) <= 1 + 0.05 * target, "delay \(target) ms: p50 \(p50) ms")
            // No answer comes back much before the delay is over (the sleep is 1 ms short, and
            // nginx's clock may lag the request's arrival by a loop pass).
            let fastest = Double(try #require(measurement.latency.first?.latencyUs)) / 1000
            #expect(fastest >= target - 2, "delay \(target) ms: fastest \(fastest) ms")
        }
        // A timer costs nothing while it waits: holding a response four times as long must not
        // make nginx work more per request. (A held response costs more than a plain one —
        // the echo handler, the timer, an internal redirect — but the same at every delay.)
        // Ticks are 10 ms, so a window's figure carries ±2 ticks over its requests: allow
        // that and 50%.
        let perRequest = results.map { Double($0.nginxCPUUs) / Double(max($0.measurement.requests, 1)) }
        let tick = 1_000_000 / Double(max(ProcessTable.ticksPerSecond, 1))
        let slack = { (index: Int) in 2 * tick / Double(max(results[index].measurement.requests, 1)) }
        let shortest = 1
        let figures = zip(results, perRequest).map { "\($0.delay): \(String(format: "%.1f", $1)) µs" }.joined(separator: ", ")
        for index in results.indices.dropFirst(2) {
            #expect(perRequest[index] <= perRequest[shortest] * 1.5 + slack(index) + slack(shortest), "nginx CPU per request: \(figures)")
        }
        #expect(perRequest[results.count - 1] < 200, "a held response costs nginx tens of µs, not hundreds: \(figures)")
    }

    @Test("behind a delayed URL an app reaches any file of an upstream folder without index.html, query and all; a missing file is a 404 as it is without the delay")
    func delayedPathsServeTheWholeFolder() async throws {
        try #require(NginxUpstream.echoModule() != nil, "libnginx-mod-http-echo is missing: make test installs it (scripts/ensure-deps.sh)")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-delay-files-\(UUID().uuidString.prefix(8))")
        let root = work.appendingPathComponent("root")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("api"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        try #"{"items": 3}"#.write(to: root.appendingPathComponent("api/items.json"), atomically: true, encoding: .utf8)
        let delay = Duration.milliseconds(100)
        let upstream = try await NginxUpstream.start(
            settings: UpstreamSettings(server: "nginx", root: root, workers: 1), delays: [.zero, delay],
            folder: work.appendingPathComponent("nginx"), clock: ContinuousClock())
        func fetch(_ url: String) async throws -> (status: Int, body: String, seconds: Double) {
            let started = ContinuousClock.now
            let (data, response) = try await URLSession.shared.data(from: try #require(URL(string: url)))
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self), (ContinuousClock.now - started).seconds)
        }
        do {
            let held = try await fetch(upstream.url(delay: delay) + "api/items.json?page=2")
            #expect(held.status == 200 && held.body == #"{"items": 3}"#, "\(held)")
            #expect(held.seconds >= 0.098, "\(held.seconds) s")
            let missing = try await fetch(upstream.url(delay: delay) + "api/none.json")
            #expect(missing.status == 404)
            #expect(try await fetch(upstream.url + "api/none.json").status == 404)
            await upstream.stop()
        } catch {
            await upstream.stop()
            throw error
        }
        #expect(RealServers.serversLeft().isEmpty)
    }

    @Test("the configuration loads the echo module only when a delay needs it, and each delay has its own path")
    func configuration() throws {
        let folder = URL(fileURLWithPath: "/tmp/x")
        let plain = NginxUpstream.configuration(root: folder, port: 8080, workers: 1, folder: folder, runAsRoot: false)
        #expect(!plain.contains("load_module"))
        #expect(!plain.contains("echo_sleep"))
        let held = NginxUpstream.configuration(
            root: folder, port: 8080, workers: 1, folder: folder, runAsRoot: false,
            delays: [.zero, .milliseconds(50), .milliseconds(2)], echoModule: "/usr/lib/nginx/modules/ngx_http_echo_module.so")
        #expect(held.hasPrefix("# Written by reportgen"))
        #expect(held.contains("load_module \"/usr/lib/nginx/modules/ngx_http_echo_module.so\";"))
        // A sleep 1 ms short of the delay: nginx's timers fire late by about that much.
        #expect(held.contains("\n        location ~ ^/delay/50000us(/.*)$ {\n            echo_sleep 0.049;\n            echo_exec $1 $args;\n        }"))
        #expect(held.contains("location ~ ^/delay/2000us(/.*)$ {\n            echo_sleep 0.001;"))
        #expect(NginxUpstream.path(delay: .zero) == "/")
        #expect(NginxUpstream.path(delay: .milliseconds(10)) == "/delay/10000us/")
    }
}
}
