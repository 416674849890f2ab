import Foundation

/// This machine, as the place roles run: where their processes start, which ports are free,
/// and the address other roles reach them at. Every role is placed here today; a role on
/// another host (over OpenSSH) is the same set of operations done there.
public struct LocalHost: Sendable {
    public init() {}

    /// How other roles reach servers on this host.
    public var address: String { "127.0.0.1" }

    /// A port that was free a moment ago (the kernel picks it).
    public func freePort() throws -> Int {
        try LoopbackPort.free()
    }

    /// Whether something accepts connections on `port`.
    public func isListening(port: Int) -> Bool {
        LoopbackPort.isListening(port)
    }

    /// Starts `command` in its own process group, its output in `logFile`.
    public func start(_ command: Command, logFile: URL) throws -> ChildProcess {
        try ChildProcess(command, logFile: logFile)
    }
}
