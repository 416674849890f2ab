import NIOCore
import NIOPosix
import Synchronization

/// A tiny HTTP/1.1 server on 127.0.0.1 with one scripted behaviour, for the generator's
/// tests: it answers each request (a head ending in an empty line) as `behaviour` says.
final class TestServer: Sendable {
    enum Behaviour: Sendable {
        /// `status` with a Content-Length body, after `delay`.
        case fixed(status: Int = 200, body: String = "hello", delay: Duration = .zero)
        /// A chunked body, each chunk written and flushed on its own.
        case chunked([String])
        /// A 5-byte body, except that requests arriving during `length` from `after` past the
        /// first request are held until that stall ends.
        case stall(after: Duration, length: Duration)
        /// Reads requests and never answers.
        case silent
        /// Answers with `Connection: close`, then closes.
        case closeEach
        /// Answers without a length: the body ends when the server closes.
        case untilClose
    }

    let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel
    private let requestCount = Atomic<Int>(0)
    /// CLOCK_MONOTONIC ns of the first request, 0 before it.
    private let firstRequestNs = Atomic<UInt64>(0)

    init(_ behaviour: Behaviour) throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let box = Box()
        do {
            channel = try ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 1024)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            TestServerHandler(behaviour: behaviour, server: box.server!))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
        port = channel.localAddress?.port ?? 0
        box.server = self
    }

    /// Requests the server has read.
    var requests: Int { requestCount.load(ordering: .relaxed) }

    func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    /// Counts a request and returns ns since the first one.
    fileprivate func arrived(now: UInt64) -> UInt64 {
        requestCount.add(1, ordering: .relaxed)
        _ = firstRequestNs.compareExchange(expected: 0, desired: now, ordering: .relaxed)
        return now - firstRequestNs.load(ordering: .relaxed)
    }
}

/// Lets the child initializer reach the server once init finished.
private final class Box: @unchecked Sendable {
    // @unchecked: written once before the first connection can be accepted.
    weak var server: TestServer?
}

private final class TestServerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let behaviour: TestServer.Behaviour
    let server: TestServer
    var pending = ByteBuffer()

    init(behaviour: TestServer.Behaviour, server: TestServer) {
        self.behaviour = behaviour
        self.server = server
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        pending.writeBuffer(&buffer)
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        while let index = pending.readableBytesView.firstRange(of: end) {
            pending.moveReaderIndex(to: index.upperBound)
            answer(context: context)
        }
        pending.discardReadBytes()
    }

    private func answer(context: ChannelHandlerContext) {
        let sinceFirst = server.arrived(now: monotonicNow())
        let loop = context.eventLoop.assumeIsolated()
        switch behaviour {
        case .fixed(let status, let body, let delay):
            let response = TestServerHandler.response(status: status, body: body)
            if delay == .zero {
                write(context, response)
            } else {
                loop.scheduleTask(in: .nanoseconds(delay.wholeNanoseconds)) { self.write(context, response) }
            }
        case .chunked(let chunks):
            write(context, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n")
            for chunk in chunks {
                write(context, String(chunk.utf8.count, radix: 16) + ";ext=1\r\n" + chunk + "\r\n")
            }
            write(context, "0\r\nX-Trailer: yes\r\n\r\n")
        case .stall(let after, let length):
            let response = TestServerHandler.response(status: 200, body: "stall")
            let start = UInt64(after.wholeNanoseconds)
            let end = start + UInt64(length.wholeNanoseconds)
            if sinceFirst >= start && sinceFirst < end {
                loop.scheduleTask(in: .nanoseconds(Int64(end - sinceFirst))) { self.write(context, response) }
            } else {
                write(context, response)
            }
        case .silent:
            break
        case .closeEach:
            write(context, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            context.close(promise: nil)
        case .untilClose:
            write(context, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close")
            context.close(promise: nil)
        }
    }

    private func write(_ context: ChannelHandlerContext, _ text: String) {
        guard context.channel.isActive else { return }
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
    }

    static func response(status: Int, body: String) -> String {
        "HTTP/1.1 \(status) Whatever\r\nContent-Length: \(body.utf8.count)\r\nContent-Type: text/plain\r\n\r\n\(body)"
    }
}

func monotonicNow() -> UInt64 {
    UInt64(NIODeadline.now().uptimeNanoseconds)
}

extension Duration {
    var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
