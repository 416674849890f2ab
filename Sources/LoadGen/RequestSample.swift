/// One request, packed into 16 bytes (`MemoryLayout<RequestSample>.stride == 16`).
///
/// `startUs` is when the request was due, in µs from the start of the window: the send time
/// in a closed loop, the scheduled time in an open loop. `latencyUs` runs from there to the
/// end of the response (or to the failure). `status` is the HTTP status for an answered
/// request, or one of `timedOut`, `readFailed`, `writeFailed`.
public struct RequestSample: Sendable, Equatable, Hashable {
    public var startUs: UInt32
    public var latencyUs: UInt32
    /// Bytes of the response read for this request (status line, headers and body).
    public var bytes: UInt32
    public var status: UInt16
    /// Index of the connection (0 ..< connections) that carried the request.
    public var connection: UInt16

    /// No complete response within the plan's timeout.
    public static let timedOut: UInt16 = 0
    /// The connection closed or failed, or the response was malformed, before it completed.
    public static let readFailed: UInt16 = 1
    /// Writing the request failed.
    public static let writeFailed: UInt16 = 2

    @inlinable
    public init(startUs: UInt32, latencyUs: UInt32, bytes: UInt32, status: UInt16, connection: UInt16) {
        self.startUs = startUs
        self.latencyUs = latencyUs
        self.bytes = bytes
        self.status = status
        self.connection = connection
    }

    /// Whether a response (any status) came back.
    @inlinable
    public var isResponse: Bool { status >= 100 }

    /// A response outside 2xx: what wrk counts as a status error.
    @inlinable
    public var isStatusError: Bool { status >= 100 && !(200...299).contains(status) }

    /// Start, then connection: the order of `LoadResult.samples`.
    @inline(__always)
    var orderKey: UInt64 { UInt64(startUs) << 16 | UInt64(connection) }
}
