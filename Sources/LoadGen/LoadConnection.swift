import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// One of the plan's connections: it opens a channel, sends a request, reads its response
/// and sends the next, for the whole window, and replaces its channel after a timeout, a
/// failure or a `Connection: close`. It is its own channel handler and is added to each
/// channel it opens in turn.
///
/// NIO owns each channel: its event loop, readiness, reads and closing. Requests, though,
/// are written with one `send(2)` on the channel's descriptor, which this connection opens
/// itself and hands to NIO: the request is tiny and written only when the previous response
/// has ended, so the socket buffer always takes it whole, and NIO's write path (pending
/// write queue, flush, promises) would cost more CPU than the syscall. Should the kernel
/// take less than the whole request, the rest goes through NIO's write path.
///
/// Closed loop: the next request goes out when a response ends. Open loop: request number
/// k is due at `RunSettings.dueTime(connection:slot: k)`; it goes out then, or as soon as the
/// connection is free, and its latency counts from when it was due.
final class LoadConnection: ChannelInboundHandler, NIOScheduledCallbackHandler, @unchecked Sendable {
    // @unchecked: confined to the worker's event loop, like the channels it opens.
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let index: UInt16
    private let settings: RunSettings
    // The worker owns its connections; unowned(unsafe) keeps retain/release off the hot path.
    private unowned(unsafe) let worker: LoopWorker
    /// The worker's samples, reached without retain/release (the worker keeps it alive).
    private let store: Unmanaged<SampleStore>
    private var context: ChannelHandlerContext?
    /// The channel's descriptor while it is active (NIO closes it); -1 otherwise.
    private var socket: CInt = -1
    /// A descriptor connecting, not yet handed to NIO, and since when.
    private var connecting: CInt = -1
    private var connectStartNs: UInt64 = 0
    private var parser = ResponseParser()
    /// Whether a request is waiting for its response.
    private var busy = false
    var isBusy: Bool { busy }
    /// Whether this side closed the channel (no failure to count when it goes inactive).
    private var closing = false
    /// Whether `context` is inside `writeAndFlush`: a close then is a write failure.
    private var writing = false
    private var opened = false
    /// When the request in flight was due (latency origin) and when it was written.
    private var originNs: UInt64 = 0
    private var sentNs: UInt64 = 0
    private var responseBytes = 0
    /// Open loop: the next request's number and the timer waiting for it.
    private var slot: UInt64 = 0
    private var timer: NIOScheduledCallback?

    init(index: Int, settings: RunSettings, worker: LoopWorker) {
        self.index = UInt16(index)
        self.settings = settings
        self.worker = worker
        self.store = Unmanaged.passUnretained(worker.store)
    }

    deinit {
        parser.deallocate()
    }

    // MARK: Channel lifecycle

    /// Opens a new channel: a non-blocking connect, handed to NIO once it completed.
    func connect() {
        guard !worker.stopped else { return }
        if opened { worker.reconnects += 1 }
        opened = true
        let family = settings.address.protocol.rawValue
        let fd = Glibc.socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            connectFailed()
            return
        }
        let result = settings.address.withSockAddr { Glibc.connect(fd, $0, socklen_t($1)) }
        if result == 0 {
            adopt(fd)
        } else if errno == EINPROGRESS {
            connecting = fd
            connectStartNs = monotonicNanoseconds()
            checkConnect()
        } else {
            Glibc.close(fd)
            connectFailed()
        }
    }

    /// Polls a connect in progress; connects are rare (start and replacements), so a 1 ms
    /// poll costs less than registering the descriptor for writability.
    private func checkConnect() {
        let fd = connecting
        guard fd >= 0 else { return }
        var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&poller, 1, 0)
        if ready == 0 {
            if worker.stopped || monotonicNanoseconds() &- connectStartNs >= settings.timeoutNs {
                connecting = -1
                Glibc.close(fd)
                if !worker.stopped { connectFailed() }
                return
            }
            worker.loop.scheduleTask(in: .milliseconds(1)) { [self] in checkConnect() }
            return
        }
        connecting = -1
        var error: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        let status = getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        if ready < 0 || status != 0 || error != 0 || worker.stopped {
            Glibc.close(fd)
            if !worker.stopped { connectFailed() }
        } else {
            adopt(fd)
        }
    }

    private func adopt(_ fd: CInt) {
        let bootstrap = ClientBootstrap(group: worker.loop)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(self)
                }
            }
        socket = fd
        bootstrap.withConnectedSocket(fd).whenFailure { [self] _ in
            socket = -1
            connectFailed()
        }
    }

    private func connectFailed() {
        guard !worker.stopped else { return }
        worker.connectFailed(now: monotonicNanoseconds())
        // A refused connection fails at once; pause so a dead server is not spun on.
        worker.loop.scheduleTask(in: .milliseconds(10)) { [self] in connect() }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        closing = false
        busy = false
        parser.reset()
        guard !worker.stopped else {
            closeChannel()
            return
        }
        sendIfDue(now: monotonicNanoseconds())
    }

    func channelInactive(context: ChannelHandlerContext) {
        guard context === self.context else { return }
        self.context = nil
        socket = -1
        if busy {
            busy = false
            let now = monotonicNanoseconds()
            if !closing && parser.readsUntilClose {
                // The close is how this response ends.
                record(origin: originNs, now: now, status: parser.status, bytes: responseBytes)
            } else if !closing {
                record(
                    origin: originNs, now: now,
                    status: writing ? RequestSample.writeFailed : RequestSample.readFailed,
                    bytes: responseBytes)
            }
        }
        cancelTimer()
        connect()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Nothing after this handler wants it; not passing it on saves a pipeline step.
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard context === self.context else { return }
        // The request in flight, if any, is counted as failed when the channel goes inactive.
        context.close(promise: nil)
    }

    // MARK: Requests

    @inline(__always)
    private func sendIfDue(now: UInt64) {
        if settings.isOpenLoop {
            let due = settings.dueTime(connection: Int(index), slot: slot)
            guard due < settings.endNs else { return }
            if due <= now {
                send(origin: due, now: now)
            } else if timer == nil {
                timer = try? worker.loop.scheduleCallback(at: .uptimeNanoseconds(due), handler: self)
            }
        } else if now < settings.endNs {
            send(origin: now, now: now)
        }
    }

    /// Writes the request; the parser must be reset (it is, after each response and on
    /// each new channel).
    @inline(__always)
    private func send(origin: UInt64, now: UInt64) {
        guard socket >= 0 else { return }
        slot &+= 1
        originNs = origin
        sentNs = now
        responseBytes = 0
        busy = true
        let request = settings.requestBytes
        let written = Glibc.send(socket, request.baseAddress, request.count, CInt(MSG_NOSIGNAL))
        if written == request.count { return }
        if let context, written >= 0 || errno == EAGAIN || errno == EWOULDBLOCK {
            var rest = settings.request
            rest.moveReaderIndex(forwardBy: max(written, 0))
            writing = true
            context.writeAndFlush(wrapOutboundOut(rest), promise: nil)
            writing = false
        } else {
            busy = false
            record(origin: origin, now: now, status: RequestSample.writeFailed, bytes: 0)
            closeChannel()
        }
    }

    func handleScheduledCallback(eventLoop: some EventLoop) {
        timer = nil
        guard !busy, !closing, context != nil, !worker.stopped else { return }
        sendIfDue(now: monotonicNanoseconds())
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let count = buffer.readableBytes
        guard busy else {
            // Bytes nobody asked for: the stream cannot be trusted any more.
            closeChannel()
            return
        }
        // A local copy keeps the closure from needing a dynamic exclusivity check.
        var parser = self.parser
        let outcome = buffer.withUnsafeReadableBytes { parser.parse($0) }
        switch outcome {
        case .needMore:
            self.parser = parser
            responseBytes &+= count
        case .complete(let consumed):
            let status = parser.status
            let keepAlive = parser.keepAlive
            parser.reset()
            self.parser = parser
            responseBytes &+= consumed
            busy = false
            let now = monotonicNanoseconds()
            record(origin: originNs, now: now, status: status, bytes: responseBytes)
            if consumed != count || !keepAlive {
                closeChannel()
            } else {
                sendIfDue(now: now)
            }
        case .invalid:
            self.parser = parser
            busy = false
            record(
                origin: originNs, now: monotonicNanoseconds(), status: RequestSample.readFailed,
                bytes: responseBytes &+ count)
            closeChannel()
        }
    }

    /// Keeps a finished request if it finished before the window closed (in the warm-up too).
    @inline(__always)
    private func record(origin: UInt64, now: UInt64, status: UInt16, bytes: Int) {
        guard now < settings.endNs else { return }
        let sample = RequestSample(
            startUs: UInt32(truncatingIfNeeded: (origin &- settings.startNs) / 1000),
            latencyUs: UInt32(truncatingIfNeeded: (now &- origin) / 1000),
            bytes: UInt32(clamping: bytes), status: status, connection: index)
        store._withUnsafeGuaranteedRef { $0.append(sample) }
    }

    // MARK: Timeouts and the end

    func checkTimeout(now: UInt64) {
        guard busy, now &- sentNs >= settings.timeoutNs else { return }
        busy = false
        record(origin: originNs, now: now, status: RequestSample.timedOut, bytes: responseBytes)
        closeChannel()
    }

    func stop() {
        cancelTimer()
        if connecting >= 0 {
            Glibc.close(connecting)
            connecting = -1
        }
        if busy {
            worker.inFlightAtEnd += 1
            busy = false
        }
        closeChannel()
    }

    private func closeChannel() {
        guard let context, !closing else { return }
        closing = true
        context.close(promise: nil)
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}
