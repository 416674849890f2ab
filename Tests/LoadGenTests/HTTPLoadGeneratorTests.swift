import Foundation
import Synchronization
import Testing

@testable import LoadGen

/// The generator against `TestServer` on loopback: real sockets, real time. Tolerances are
/// wide enough for a shared 2-core machine and a debug build.
@Suite("LoadGen against a local server", .serialized, .timeLimit(.minutes(3)))
struct HTTPLoadGeneratorTests {
    func run(
        _ behaviour: TestServer.Behaviour, connections: Int = 10, threads: Int = 2,
        duration: Duration = .seconds(1), timeout: Duration = .seconds(5), rate: Double? = nil
    ) throws -> (LoadResult, TestServer) {
        let server = try TestServer(behaviour)
        defer { server.shutdown() }
        let plan = LoadPlan(
            port: server.port, path: "/x", connections: connections, threads: threads,
            duration: duration, timeout: timeout, rate: rate)
        let result = try HTTPLoadGenerator(plan: plan).run()
        expectInvariants(result)
        return (result, server)
    }

    /// What every result must hold, whatever the server did.
    func expectInvariants(_ result: LoadResult, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.requests == Int64(result.samples.count), sourceLocation: sourceLocation)
        #expect(result.histogram().reduce(0) { $0 + $1.count } == result.requests, sourceLocation: sourceLocation)
        #expect(result.bytes == result.samples.reduce(0) { $0 + Int64($1.bytes) }, sourceLocation: sourceLocation)
        #expect(
            result.samples.allSatisfy { Int64($0.startUs) + Int64($0.latencyUs) <= result.durationUs },
            sourceLocation: sourceLocation)
        #expect(
            zip(result.samples, result.samples.dropFirst()).allSatisfy { $0.startUs <= $1.startUs },
            sourceLocation: sourceLocation)
        #expect(
            result.errors.timeout == Int64(result.samples.count(where: { $0.status == RequestSample.timedOut })),
            sourceLocation: sourceLocation)
    }

    @Test("a server that answers in 20 ms measures a median of at least 20 ms and at most 1000 requests in 2 s")
    func fixedDelay() throws {
        let (result, server) = try run(.fixed(delay: .milliseconds(20)), duration: .seconds(2))
        let median = try #require(result.latencyPercentile(50))
        // The delay is a floor; above it, margins that hold when real servers elsewhere in
        // the suite slow this process threefold (about 25 ms and 800 requests when idle).
        #expect((20_000...90_000).contains(median), "p50 \(median) µs")
        #expect(result.latencyPercentile(0)! >= 20_000)
        // 10 connections, one request per 20 ms each, for 2 s: at most 1000.
        #expect((220...1000).contains(result.requests), "\(result.requests) requests")
        #expect(result.errors == LoadErrors())
        #expect(result.responses == result.requests)
        #expect(result.samples.allSatisfy { $0.status == 200 && $0.bytes == 75 })
        // Every request the server read was answered and counted, except those cut off by
        // the end of the window (at most one per connection).
        #expect(server.requests - Int(result.requests) <= 10)
        #expect(Set(result.samples.map(\.connection)) == Set(0..<10))
    }

    @Test("chunked bodies are read to their end and counted")
    func chunked() throws {
        let chunks = ["hello ", String(repeating: "x", count: 3000), "!"]
        let (result, _) = try run(.chunked(chunks))
        let expected = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n".utf8.count
            + chunks.reduce(0) { $0 + String($1.utf8.count, radix: 16).utf8.count + 8 + $1.utf8.count + 2 }
            + "0\r\nX-Trailer: yes\r\n\r\n".utf8.count
        #expect(result.requests > 100)
        #expect(result.errors == LoadErrors())
        #expect(result.samples.allSatisfy { $0.status == 200 && Int($0.bytes) == expected })
        #expect(result.reconnects == 0)
    }

    @Test("responses outside 2xx are status errors, and still samples")
    func statusErrors() throws {
        let (result, _) = try run(.fixed(status: 503, body: "busy"))
        #expect(result.requests > 100)
        #expect(result.errors.status == result.requests)
        #expect(result.responses == result.requests)
        #expect(result.samples.allSatisfy { $0.status == 503 })
    }

    @Test("open loop at 500 requests/s for 2 s sends 1000 requests ± 1%, evenly spaced")
    func openLoopRate() throws {
        let (result, server) = try run(.fixed(), connections: 20, duration: .seconds(2), rate: 500)
        #expect((990...1010).contains(result.requests), "\(result.requests) requests")
        #expect(abs(server.requests - 1000) <= 10, "server read \(server.requests)")
        #expect(result.errors == LoadErrors())
        // Request i is due at i × 2 ms.
        for (i, sample) in result.samples.enumerated() where i % 97 == 0 {
            #expect(abs(Int(sample.startUs) - i * 2000) <= 1, "sample \(i) due at \(sample.startUs) µs")
        }
    }

    @Test("a 500 ms stall shows in open-loop latency; a closed loop hides most of it")
    func stall() throws {
        let stall = TestServer.Behaviour.stall(after: .seconds(1), length: .milliseconds(500))
        let (open, _) = try run(stall, connections: 10, duration: .milliseconds(2500), rate: 400)
        let (closed, _) = try run(stall, connections: 10, duration: .milliseconds(2500))
        let openSlow = open.samples.count(where: { $0.latencyUs > 300_000 })
        let closedSlow = closed.samples.count(where: { $0.latencyUs > 300_000 })
        #expect(open.samples.map(\.latencyUs).max()! >= 450_000)
        // Requests due in the stall's first 200 ms wait over 300 ms: about 80 of them.
        #expect(openSlow >= 50, "open loop: \(openSlow) requests over 300 ms")
        // A closed loop has one request per connection in the stall, whatever its length.
        #expect(closedSlow <= 10, "closed loop: \(closedSlow) requests over 300 ms")
        #expect(open.errors == LoadErrors())
        #expect(closed.errors == LoadErrors())
    }

    @Test("a server that never answers produces timeouts, kept as samples")
    func timeouts() throws {
        let (result, _) = try run(
            .silent, connections: 4, duration: .milliseconds(1500), timeout: .milliseconds(300))
        // Each connection times out every ~300 ms: 4 × 4, less those cut off by the end.
        #expect((8...20).contains(result.errors.timeout), "\(result.errors.timeout) timeouts")
        #expect(result.requests == result.errors.timeout)
        #expect(result.responses == 0)
        #expect(result.samples.allSatisfy { $0.status == RequestSample.timedOut && $0.latencyUs >= 300_000 })
        #expect(result.reconnects >= result.errors.timeout - 4)
        #expect(result.inFlightAtEnd <= 4)
    }

    @Test("Connection: close and bodies that end at the close are answers, not errors")
    func closingServers() throws {
        for behaviour in [TestServer.Behaviour.closeEach, .untilClose] {
            let (result, _) = try run(behaviour, connections: 4)
            #expect(result.requests > 20, "\(behaviour): \(result.requests)")
            #expect(result.errors.read == 0 && result.errors.status == 0, "\(behaviour): \(result.errors)")
            #expect(result.reconnects >= result.requests - 4)
            #expect(result.samples.allSatisfy { $0.status == 200 })
        }
    }

    @Test("connections refused are connect errors, with no samples")
    func refused() throws {
        let server = try TestServer(.fixed())
        let port = server.port
        server.shutdown()
        let result = try HTTPLoadGenerator(plan: LoadPlan(
            port: port, connections: 2, threads: 1, duration: .milliseconds(300))).run()
        #expect(result.errors.connect >= 2)
        #expect(result.requests == 0)
        #expect(result.histogram().isEmpty)
    }

    @Test("cancel() ends a run long before its window closes")
    func cancel() throws {
        let server = try TestServer(.fixed())
        defer { server.shutdown() }
        let generator = HTTPLoadGenerator(plan: LoadPlan(
            port: server.port, connections: 2, threads: 1, duration: .seconds(60)))
        let started = ContinuousClock.now
        // run() blocks its thread: give it a thread of its own. On the 2-thread cooperative
        // pool, busy with other suites, a detached task's wake-ups waited ~10 s for a thread.
        let outcomeBox = Mutex<Result<LoadResult, any Error>?>(nil)
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let result = Result { try generator.run() }
            outcomeBox.withLock { $0 = result }
            finished.signal()
        }
        usleep(300_000)
        generator.cancel()
        finished.wait()
        let outcome = try #require(outcomeBox.withLock { $0 })
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(throws: LoadGenError(.cancelled, "the load run was cancelled before its window closed")) {
            try outcome.get()
        }
    }

    @Test("a plan the generator cannot run is refused before anything starts")
    func badPlan() {
        #expect(throws: LoadGenError.self) {
            try HTTPLoadGenerator(plan: LoadPlan(port: 80, connections: 0, threads: 1, duration: .seconds(1))).run()
        }
        #expect(throws: LoadGenError.self) {
            try HTTPLoadGenerator(plan: LoadPlan(port: 80, connections: 2, threads: 3, duration: .seconds(1))).run()
        }
    }
}
