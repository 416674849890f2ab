/// Stable least-significant-digit radix sort, 16 bits a pass: linear in the number of
/// elements, where the samples of a long run (millions) would take a comparison sort a
/// noticeable share of the generator's CPU time.
public enum RadixSort {
    /// Sorts `items` by the low `keyBits` bits of `key`, keeping equal keys in their order.
    /// Uses one scratch copy of `items` while it runs.
    public static func sort<Element>(
        _ items: inout ContiguousArray<Element>, keyBits: Int, key: (Element) -> UInt64
    ) {
        let count = items.count
        guard count > 1 else { return }
        var scratch = items
        var counts = [Int](repeating: 0, count: 65_536)
        for shift in stride(from: 0, to: keyBits, by: 16) {
            for index in counts.indices { counts[index] = 0 }
            items.withUnsafeBufferPointer { source in
                for item in source { counts[Int(truncatingIfNeeded: key(item) >> UInt64(shift)) & 0xFFFF] += 1 }
            }
            // A digit that every element shares orders nothing.
            if counts.contains(count) { continue }
            var total = 0
            for digit in counts.indices {
                let here = counts[digit]
                counts[digit] = total
                total += here
            }
            items.withUnsafeBufferPointer { source in
                scratch.withUnsafeMutableBufferPointer { target in
                    for item in source {
                        let digit = Int(truncatingIfNeeded: key(item) >> UInt64(shift)) & 0xFFFF
                        target[counts[digit]] = item
                        counts[digit] += 1
                    }
                }
            }
            swap(&items, &scratch)
        }
    }
}
