import Core
import Foundation
import LoadGen

/// Waits until a server answers on a path, probing at a fine interval from the moment it
/// starts; a server that exits, or does not answer as wanted until the deadline, fails with
/// its log attached.
enum ServerReadiness {
    static let probeInterval: Duration = .milliseconds(10)

    /// `name` is how messages call the server ("the app server", "nginx (the upstream)");
    /// `okOnly` waits for a 200, otherwise any HTTP answer will do.
    static func wait<C: Clock>(
        for process: any RoleProcess, name: String, address: String = "127.0.0.1", port: Int, path: String, okOnly: Bool, timeout: Duration,
        clock: C, log: @Sendable () async -> String
    ) async throws where C.Duration == Duration {
        let deadline = clock.now.advanced(by: timeout)
        var lastStatus: Int?
        while true {
            if let status = process.exitStatus {
                throw ReportgenError(.processFailed, "\(name) \(status) before it answered", output: await log())
            }
            lastStatus = await HTTPProbe.status(host: address, port: port, path: path, timeout: .seconds(2))
            if let status = lastStatus, status == 200 || !okOnly { return }
            try Task.checkCancellation()
            if clock.now >= deadline {
                let answer = lastStatus.map { "answered \($0)" } ?? "did not answer"
                throw ReportgenError(
                    .processFailed, "\(name) \(answer) on \(path) within \(timeout) of starting", output: await log())
            }
            try await clock.sleep(for: probeInterval)
        }
    }
}
