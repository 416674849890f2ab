import Foundation

/// Work started on another thread now, whose result is taken later: what a step needs at its
/// end but can compute beside the steps before it (a render's content digest, say).
public final class Background<Value: Sendable>: @unchecked Sendable {
    private let done = DispatchGroup()
    // Written once, on the worker, before `done` is left; read only after waiting on it.
    private var result: Result<Value, any Error>?

    public init(_ work: @escaping @Sendable () throws -> Value) {
        done.enter()
        DispatchQueue.global().async {
            self.result = Result { try work() }
            self.done.leave()
        }
    }

    /// Waits for the work and returns what it returned, or throws what it threw.
    public func value() throws -> Value {
        done.wait()
        guard let result else { preconditionFailure("the work left without a result") }
        return try result.get()
    }
}
