import Core

/// Error counts reported by the load generator, by kind.
public struct ErrorCounts: Sendable, Equatable {
    public var connect: Int64
    public var read: Int64
    public var write: Int64
    public var status: Int64
    public var timeout: Int64

    public init(connect: Int64 = 0, read: Int64 = 0, write: Int64 = 0, status: Int64 = 0, timeout: Int64 = 0) {
        self.connect = connect
        self.read = read
        self.write = write
        self.status = status
        self.timeout = timeout
    }

    /// The counts in the order tables list them: connect, read, write, status, timeout.
    public var byKind: [Int64] { [connect, read, write, status, timeout] }

    /// Every error of every kind.
    public var total: Int64 { [read, write, status, timeout].reduce(connect) { $0.saturatingAdd($1) } }

    public static func + (lhs: ErrorCounts, rhs: ErrorCounts) -> ErrorCounts {
        ErrorCounts(
            connect: lhs.connect.saturatingAdd(rhs.connect), read: lhs.read.saturatingAdd(rhs.read),
            write: lhs.write.saturatingAdd(rhs.write), status: lhs.status.saturatingAdd(rhs.status),
            timeout: lhs.timeout.saturatingAdd(rhs.timeout))
    }
}
