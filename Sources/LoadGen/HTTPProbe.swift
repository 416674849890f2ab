import NIOCore
import NIOPosix

/// One GET on a new connection, for readiness checks: the status code a server answers
/// with, read by the generator's own response parser.
public enum HTTPProbe {
    /// The status of GET `path` on `host`:`port`, or nil if nothing answered within `timeout`
    /// (refused, reset, silent, or not HTTP).
    public static func status(host: String = "127.0.0.1", port: Int, path: String, timeout: Duration) async -> Int? {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let answer = Answer(loop: loop)
        let limit = TimeAmount.nanoseconds(Int64(clamping: timeout.nanoseconds))
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(limit)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(StatusReader(answer: answer))
                }
            }
        let deadline = loop.scheduleTask(in: limit) { answer.settle(nil) }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            deadline.cancel()
            loop.execute { answer.settle(nil) }
            return nil
        }
        var request = channel.allocator.buffer(capacity: 96)
        let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        request.writeString("GET \(path) HTTP/1.1\r\nHost: \(authority)\r\nConnection: close\r\n\r\n")
        channel.writeAndFlush(request, promise: nil)
        let status = try? await answer.promise.futureResult.get()
        deadline.cancel()
        try? await channel.close()
        return status ?? nil
    }
}

/// The probe's one answer, settled once on its event loop by whichever comes first: the
/// status line, a close, an error or the deadline.
private struct Answer: Sendable {
    let promise: EventLoopPromise<Int?>
    private let settled: NIOLoopBoundBox<Bool>

    init(loop: any EventLoop) {
        promise = loop.makePromise(of: Int?.self)
        settled = .makeBoxSendingValue(false, eventLoop: loop)
    }

    /// Must run on the loop.
    func settle(_ status: Int?) {
        guard !settled.value else { return }
        settled.value = true
        promise.succeed(status)
    }
}

/// Reads a response until its status line is parsed, then answers with the status; a close
/// or an error before that answers nil.
private final class StatusReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let answer: Answer
    private var parser = ResponseParser()

    init(answer: Answer) {
        self.answer = answer
    }

    deinit {
        parser.deallocate()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let outcome = buffer.withUnsafeReadableBytes { parser.parse($0) }
        if parser.status != 0 {
            answer.settle(Int(parser.status))
        } else if outcome == .invalid {
            answer.settle(nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        answer.settle(nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        answer.settle(nil)
        context.close(promise: nil)
    }
}
