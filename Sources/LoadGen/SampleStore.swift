/// Append-only storage for one event loop's samples: fixed-size chunks, so appending never
/// copies what is stored and the slack is at most one chunk per loop.
///
/// Used only on its event loop while the run lasts, then read once after the loops stopped.
final class SampleStore {
    private static let chunkCapacity = 16_384
    private var chunks: [UnsafeMutablePointer<RequestSample>] = []
    private var current: UnsafeMutablePointer<RequestSample>
    private var used = 0

    init() {
        current = .allocate(capacity: SampleStore.chunkCapacity)
        chunks.append(current)
    }

    deinit {
        // RequestSample is trivial: nothing to deinitialize.
        for chunk in chunks { chunk.deallocate() }
    }

    var count: Int { (chunks.count - 1) * SampleStore.chunkCapacity + used }

    @inline(__always)
    func append(_ sample: RequestSample) {
        if used == SampleStore.chunkCapacity { grow() }
        (current + used).initialize(to: sample)
        used &+= 1
    }

    private func grow() {
        current = .allocate(capacity: SampleStore.chunkCapacity)
        chunks.append(current)
        used = 0
    }

    /// Moves every sample to the end of `array`, freeing the chunks as it goes.
    func drain(into array: inout ContiguousArray<RequestSample>) {
        for (index, chunk) in chunks.enumerated() {
            let filled = index == chunks.count - 1 ? used : SampleStore.chunkCapacity
            array.append(contentsOf: UnsafeBufferPointer(start: chunk, count: filled))
            chunk.deallocate()
        }
        current = .allocate(capacity: SampleStore.chunkCapacity)
        chunks = [current]
        used = 0
    }
}
