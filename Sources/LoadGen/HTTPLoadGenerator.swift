import NIOCore
import NIOPosix
import Synchronization

/// An HTTP/1.1 load generator that keeps every request: wrk's model (N keep-alive
/// connections over T event loops, closed loop) and wrk2's (a fixed rate, latency counted
/// from each request's scheduled time, so a stalled server cannot hide its stall).
///
/// `run()` blocks its thread for the plan's duration (plus connection set-up and
/// teardown); call it from a thread that is not an event loop. `cancel()` may be called from
/// any thread to end a run early; `run()` then throws `LoadGenError.cancelled`.
public final class HTTPLoadGenerator: Sendable {
    public let plan: LoadPlan
    private let state = Mutex(CancelState())

    private struct CancelState {
        var cancelled = false
        var workers: [LoopWorker] = []
    }

    public init(plan: LoadPlan) {
        self.plan = plan
    }

    /// Runs the plan once and returns every request it measured.
    public func run() throws -> LoadResult {
        try plan.validate()
        let address: SocketAddress
        do {
            address = try SocketAddress.makeAddressResolvingHost(plan.host, port: plan.port)
        } catch {
            throw LoadGenError(.resolve, "cannot resolve \(plan.host): \(error)")
        }
        let hostHeader = address.protocol == .inet6 ? "[\(plan.host)]" : plan.host
        let requestText = "GET \(plan.path) HTTP/1.1\r\nHost: \(hostHeader):\(plan.port)\r\n\r\n"
        var request = ByteBufferAllocator().buffer(capacity: requestText.utf8.count)
        request.writeString(requestText)
        let requestBytes = UnsafeMutableRawBufferPointer.allocate(byteCount: requestText.utf8.count, alignment: 1)
        requestBytes.copyBytes(from: requestText.utf8)
        defer { requestBytes.deallocate() }
        // Declared after the deallocation, so it runs before it: no loop reads the bytes then.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: plan.threads)
        defer { try? group.syncShutdownGracefully() }

        // The run (the warm-up, else the window) opens before the first connect, as wrk's does.
        let startNs = monotonicNanoseconds()
        let windowStartNs = startNs + plan.warmup.nanoseconds
        let settings = RunSettings(
            request: request, requestBytes: UnsafeRawBufferPointer(requestBytes), address: address, startNs: startNs,
            windowStartNs: windowStartNs, endNs: windowStartNs + plan.duration.nanoseconds, timeoutNs: plan.timeout.nanoseconds,
            connections: plan.connections, intervalNs: plan.rate.map { 1e9 / $0 } ?? 0)

        let loops = Array(group.makeIterator())
        let workers = loops.map { LoopWorker(loop: $0, settings: settings) }
        for index in 0..<plan.connections {
            let worker = workers[index % workers.count]
            worker.connections.append(LoadConnection(index: index, settings: settings, worker: worker))
        }
        let alreadyCancelled = state.withLock { state in
            state.workers = workers
            return state.cancelled
        }
        if alreadyCancelled { throw LoadGenError(.cancelled, "the load run was cancelled") }
        defer { state.withLock { $0.workers = [] } }

        for worker in workers {
            worker.loop.execute { worker.start() }
        }
        let done = EventLoopFuture<Void>.andAllSucceed(workers.map { $0.done.futureResult }, on: loops[0])
        try done.wait()
        try group.syncShutdownGracefully()
        if state.withLock({ $0.cancelled }) {
            throw LoadGenError(.cancelled, "the load run was cancelled before its window closed")
        }

        var samples = ContiguousArray<RequestSample>()
        samples.reserveCapacity(workers.reduce(0) { $0 + $1.store.count })
        for worker in workers { worker.store.drain(into: &samples) }
        RadixSort.sort(&samples, keyBits: 48) { $0.orderKey }
        var connectFailures = ContiguousArray(workers.lazy.flatMap(\.connectFailuresUs))
        connectFailures.sort()
        return LoadResult(
            durationUs: Int64(plan.duration.nanoseconds / 1000), warmupUs: Int64(plan.warmup.nanoseconds / 1000),
            connectFailuresUs: connectFailures,
            inFlightAtWindowStart: workers.reduce(0) { $0 + $1.inFlightAtWindowStart },
            inFlightAtEnd: workers.reduce(0) { $0 + $1.inFlightAtEnd },
            reconnects: workers.reduce(0) { $0 + $1.reconnects },
            samples: samples)
    }

    /// Ends a run in progress (or the next one) early; safe from any thread.
    public func cancel() {
        let workers = state.withLock { state in
            state.cancelled = true
            return state.workers
        }
        for worker in workers {
            worker.loop.execute { worker.stop() }
        }
    }
}
