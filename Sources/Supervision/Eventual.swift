import Core
import Dispatch
import Synchronization

/// A value that arrives once (a process's end, a line of its output), for any number of
/// waiters: tasks await it, a thread outside the pool blocks for it, and nothing polls.
final class Eventual<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [UInt64: CheckedContinuation<Value?, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())
    /// Entered at creation, left when the value arrives: what blocking waits wait on.
    private let arrived = DispatchGroup()

    init() {
        arrived.enter()
    }

    /// The value, or nil before it arrived.
    var value: Value? { state.withLock { $0.value } }

    /// Sets the value and wakes every waiter; only the first call counts.
    func resolve(_ value: Value) {
        let waiters = state.withLock { state -> [CheckedContinuation<Value?, Never>]? in
            guard state.value == nil else { return nil }
            state.value = value
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        guard let waiters else { return }
        arrived.leave()
        for waiter in waiters { waiter.resume(returning: value) }
    }

    /// Waits for the value; nil when the waiting task is cancelled first.
    func wait() async -> Value? {
        let id = state.withLock { state -> UInt64 in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Value?? in
                    if let value = state.value { return .some(value) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters[id] = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: nil)
        }
    }

    /// Waits up to `timeout` on `clock`; nil when the value has not arrived by then, or the
    /// waiting task is cancelled.
    func wait<C: Clock>(within timeout: Duration, clock: C) async -> Value? where C.Duration == Duration {
        await withTaskGroup(of: Value?.self) { group in
            group.addTask { await self.wait() }
            group.addTask {
                try? await clock.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? value
        }
    }

    /// Blocks the calling thread up to `timeout` for the value; nil if it has not arrived.
    func waitBlocking(timeout: Duration) -> Value? {
        _ = arrived.wait(timeout: .now() + .microseconds(Int(timeout.microseconds)))
        return value
    }
}
