import Core
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A request to stop early, from SIGINT/SIGTERM or from a test. Work that must stop runs
/// inside `scope`, whose task is cancelled the moment a stop is requested: every wait in it
/// (a process, a window, a readiness probe) ends at once, and what it started is torn down.
public final class Interrupt: Sendable {
    /// The process-wide interrupt that SIGINT and SIGTERM request.
    public static let shared = Interrupt()

    private struct State {
        var signal: Int32?
        var handlers: [UInt64: @Sendable () -> Void] = [:]
        var nextHandler: UInt64 = 0
    }

    private let state = Mutex(State())
    /// The signal sources, kept alive for the life of the process.
    private static let sources = Mutex<[any DispatchSourceSignal]>([])

    public init() {}

    /// Routes SIGINT and SIGTERM to `Interrupt.shared` instead of ending the process, so a run
    /// stops its servers and keeps its finished trials. A second signal ends the process at
    /// once, for work that does not stop by itself (rendering, say). The signals are ignored
    /// in reportgen itself; children get the defaults back (cspawn).
    public static func installSignalHandlers() {
        sources.withLock { sources in
            guard sources.isEmpty else { return }
            for number in [SIGINT, SIGTERM] {
                Glibc.signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    if let first = Interrupt.shared.signal {
                        Glibc.exit(ReportgenError.interrupted(by: first).code.rawValue)
                    }
                    Interrupt.shared.request(signal: number)
                }
                source.resume()
                sources.append(source)
            }
        }
    }

    /// Asks the run to stop as if `signal` had arrived; the first request's signal is kept.
    public func request(signal: Int32 = SIGINT) {
        let handlers = state.withLock { state -> [@Sendable () -> Void] in
            if state.signal == nil { state.signal = signal }
            return Array(state.handlers.values)
        }
        for handler in handlers { handler() }
    }

    /// The signal that asked to stop, or nil.
    public var signal: Int32? { state.withLock { $0.signal } }

    public var isRequested: Bool { signal != nil }

    /// Throws the interrupted error if a stop was requested.
    public func check() throws {
        if let signal { throw ReportgenError.interrupted(by: signal) }
    }

    /// Runs `body` in a task that is cancelled when a stop is requested (or when the caller
    /// is cancelled), and waits for it to finish tearing down. What `body` finished is
    /// returned even when a stop came at the last moment (a finished trial is kept); if it
    /// failed after a stop was requested, the error is the interrupted one, whatever `body`
    /// threw on its way out.
    public func scope<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try check()
        let task = Task(operation: body)
        let id = state.withLock { state -> UInt64 in
            defer { state.nextHandler += 1 }
            state.handlers[state.nextHandler] = { task.cancel() }
            return state.nextHandler
        }
        defer { _ = state.withLock { $0.handlers.removeValue(forKey: id) } }
        // A request that came before the handler was registered.
        if isRequested { task.cancel() }
        let result = await withTaskCancellationHandler {
            await task.result
        } onCancel: {
            task.cancel()
        }
        if case .success(let value) = result { return value }
        try check()
        return try result.get()
    }
}

extension ReportgenError {
    /// The error for a run stopped by `signal`.
    public static func interrupted(by signal: Int32) -> ReportgenError {
        let name = signal == SIGTERM ? "SIGTERM" : signal == SIGINT ? "SIGINT" : "signal \(signal)"
        return ReportgenError(
            signal == SIGTERM ? .terminated : .interrupted, "interrupted by \(name); finished trials are stored",
            hint: "run the same command again to continue where it stopped")
    }
}
