import Foundation
import Synchronization

extension Array where Element: Sendable {
    /// `transform` of every element, on all cores at once, in the array's order. Each call runs
    /// to its end; then the error of the first element that failed, if any, is thrown. For
    /// independent, CPU-bound work (merging samples, drawing charts): a call blocks its thread.
    public func concurrentMap<T: Sendable, E: Error>(_ transform: @Sendable (Element) throws(E) -> T) throws(E) -> [T] {
        let results = Mutex([Result<T, E>?](repeating: nil, count: count))
        DispatchQueue.concurrentPerform(iterations: count) { index in
            let result = Result { () throws(E) -> T in try transform(self[index]) }
            results.withLock { $0[index] = result }
        }
        // concurrentPerform returns once every iteration has, so every slot is filled.
        var values: [T] = []
        values.reserveCapacity(count)
        for case let result? in results.withLock({ $0 }) { values.append(try result.get()) }
        return values
    }
}
