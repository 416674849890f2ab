import NIOCore

/// What every connection of a run shares, fixed before the first connection opens.
struct RunSettings: @unchecked Sendable {
    // @unchecked: `requestBytes` points at immutable memory that the generator frees only
    // after every event loop stopped.
    /// The request, encoded once, as NIO bytes (for the rare partial write) and raw bytes.
    let request: ByteBuffer
    let requestBytes: UnsafeRawBufferPointer
    let address: SocketAddress
    /// The run's start (the warm-up's), the window's start and its end, CLOCK_MONOTONIC ns.
    let startNs: UInt64
    let windowStartNs: UInt64
    let endNs: UInt64
    let timeoutNs: UInt64
    let connections: Int
    /// Open loop: ns between two requests of all connections together; 0 for a closed loop.
    let intervalNs: Double

    var isOpenLoop: Bool { intervalNs > 0 }

    /// Open loop: when request number `slot` of connection `connection` is due. Connections
    /// are phased evenly, so together they send one request every `intervalNs`.
    @inline(__always)
    func dueTime(connection: Int, slot: UInt64) -> UInt64 {
        startNs &+ UInt64((Double(connection) + Double(slot) * Double(connections)) * intervalNs)
    }
}
