/// What one load run does: which URL, how many connections on how many event loops, for
/// how long, and whether requests follow their responses (closed loop) or a schedule
/// (open loop).
public struct LoadPlan: Sendable, Equatable {
    /// IPv4 or IPv6 literal, or a name resolved once before the run.
    public var host: String
    public var port: Int
    /// Path requested with GET, starting with "/".
    public var path: String
    /// Keep-alive connections held open for the whole run (wrk's `-c`).
    public var connections: Int
    /// Event loops the connections are spread over (wrk's `-t`).
    public var threads: Int
    /// Load before the window, on the same connections (or the same arrival schedule, open
    /// loop): requests completing in it warm the server and are kept apart; a request sent in
    /// it that completes in the window counts there.
    public var warmup: Duration
    /// The measured window, after the warm-up: requests that complete in it count.
    public var duration: Duration
    /// A request with no complete response this long after it was written times out: it is
    /// kept as a sample with status `RequestSample.timedOut` (latency up to the moment it was
    /// found, at most timeout/20, clamped to 1–50 ms, late) and its connection is replaced.
    public var timeout: Duration
    /// Requests per second over all connections; nil for a closed loop.
    public var rate: Double?

    public init(
        host: String = "127.0.0.1", port: Int, path: String = "/", connections: Int,
        threads: Int, warmup: Duration = .zero, duration: Duration, timeout: Duration = .seconds(10), rate: Double? = nil
    ) {
        self.host = host
        self.port = port
        self.path = path
        self.connections = connections
        self.threads = threads
        self.warmup = warmup
        self.duration = duration
        self.timeout = timeout
        self.rate = rate
    }

    /// Checks the plan against what the generator and its packed samples can represent.
    public func validate() throws {
        func bad(_ key: String, _ message: String) -> LoadGenError {
            LoadGenError(.badPlan, "\(key): \(message)")
        }
        guard (1...65_535).contains(port) else { throw bad("port", "\(port) is not a TCP port") }
        guard path.hasPrefix("/"), !path.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x20 }) else {
            throw bad("path", "\"\(path)\" must start with \"/\" and hold no spaces or line breaks")
        }
        // The connection index is stored in 16 bits.
        guard (1...65_535).contains(connections) else {
            throw bad("connections", "\(connections) is outside 1…65535")
        }
        guard threads >= 1, threads <= connections else {
            throw bad("threads", "\(threads) must be at least 1 and at most connections (\(connections))")
        }
        // Start times are stored as 32-bit microseconds: about 71 minutes.
        guard duration > .zero, duration <= .seconds(4_000) else {
            throw bad("duration", "\(duration) must be above zero and at most 4000 s")
        }
        guard warmup >= .zero, warmup + duration <= .seconds(4_000) else {
            throw bad("warmup", "\(warmup) must be at least zero, and with the window at most 4000 s")
        }
        guard timeout > .zero else { throw bad("timeout", "\(timeout) must be above zero") }
        if let rate, !(rate > 0 && rate.isFinite) {
            throw bad("rate", "\(rate) requests/s must be a positive number")
        }
    }
}
