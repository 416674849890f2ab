import Core
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child's output as it comes, read from a pipe by a thread of its own (blocked in read,
/// not polling). Every line goes to the child's log file unless `consume` takes it, and the
/// first line that starts with `marker` is kept for whoever awaits it: what an ssh client
/// says once its remote command runs, or a master connection once it listens.
public final class OutputLines: Sendable {
    let marker: String?
    private let consume: (@Sendable (Substring) -> Bool)?
    /// The marker's line, or nil once the output closed without it.
    private let marked = Eventual<String?>()

    /// `consume` sees each line (without its newline) and returns true to keep it out of the log.
    public init(marker: String?, consume: (@Sendable (Substring) -> Bool)? = nil) {
        self.marker = marker
        self.consume = consume
    }

    /// The marker's line if it has come, without waiting.
    public var markedLine: String? { marked.value ?? nil }

    /// Waits up to `timeout` for the marker's line; nil when the output closes without it,
    /// the time runs out or the waiting task is cancelled.
    public func marked(within timeout: Duration) async -> String? {
        await marked.wait(within: timeout, clock: ContinuousClock()) ?? nil
    }

    /// `marked(within:)`, blocking the calling thread: for a stop on a thread of its own.
    public func markedBlocking(within timeout: Duration) -> String? {
        marked.waitBlocking(timeout: timeout) ?? nil
    }

    /// Reads `fd` (the pipe's read end, which it closes) to its end, appending to `logFile`.
    func follow(_ fd: Int32, logFile: URL, name: String) {
        let thread = Thread { [self] in read(fd, logFile: logFile) }
        thread.name = name
        thread.start()
    }

    private func read(_ fd: Int32, logFile: URL) {
        let log = open(logFile.path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o644)
        defer {
            close(fd)
            if log >= 0 { close(log) }
            marked.resolve(nil)
        }
        var buffer = [UInt8](repeating: 0, count: 65536)
        var pending: [UInt8] = []
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            pending += buffer[0..<count]
            var kept: [UInt8] = []
            var start = pending.startIndex
            while let end = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                if !take(pending[start..<end]) { kept += pending[start...end] }
                start = end + 1
            }
            pending.removeSubrange(..<start)
            write(kept, to: log)
        }
        if !pending.isEmpty && !take(pending[...]) { write(pending, to: log) }
    }

    /// Offers one line to the marker and to `consume`; true when `consume` took it.
    private func take(_ bytes: ArraySlice<UInt8>) -> Bool {
        let line = String(decoding: bytes, as: UTF8.self)
        if let marker, line.hasPrefix(marker) { marked.resolve(line) }
        return consume?(line[...]) ?? false
    }

    private func write(_ bytes: [UInt8], to log: Int32) {
        guard log >= 0, !bytes.isEmpty else { return }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(log, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }
}
