import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

private let receivedSignal = Atomic<Int32>(0)

/// A request to stop early, from SIGINT/SIGTERM or from a test. Long waits poll it, so a
/// run stops within a fraction of a second and tears down what it started.
public final class Interrupt: Sendable {
    /// The process-wide interrupt that the signal handlers set.
    public static let shared = Interrupt(usesSignals: true)

    private let usesSignals: Bool
    private let requested = Atomic<Int32>(0)

    /// A private interrupt, for tests and embedding.
    public convenience init() { self.init(usesSignals: false) }

    private init(usesSignals: Bool) { self.usesSignals = usesSignals }

    /// Routes SIGINT and SIGTERM to `Interrupt.shared` instead of ending the process.
    public static func installSignalHandlers() {
        for sig in [SIGINT, SIGTERM] {
            Glibc.signal(sig) { received in
                receivedSignal.store(received, ordering: .sequentiallyConsistent)
            }
        }
    }

    /// Asks the run to stop as if `signal` had arrived.
    public func request(signal: Int32 = SIGINT) {
        requested.store(signal, ordering: .sequentiallyConsistent)
    }

    /// The signal that asked to stop, or nil.
    public var signal: Int32? {
        let own = requested.load(ordering: .sequentiallyConsistent)
        if own != 0 { return own }
        if usesSignals {
            let global = receivedSignal.load(ordering: .sequentiallyConsistent)
            if global != 0 { return global }
        }
        return nil
    }

    public var isRequested: Bool { signal != nil }

    /// Throws the interrupted error if a stop was requested.
    public func check() throws {
        if let signal { throw ReportgenError.interrupted(by: signal) }
    }

    /// Sleeps up to `duration`, waking early when a stop is requested.
    public func sleep(_ duration: Duration) {
        let deadline = ContinuousClock.now + duration
        while !isRequested {
            let left = deadline - ContinuousClock.now
            if left <= .zero { return }
            usleep(UInt32(min(left, .milliseconds(20)).microseconds))
        }
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
