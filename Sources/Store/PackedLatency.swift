import Core
import Foundation
import Records

/// A trial's latency rows packed into one blob: what a render reads instead of the rows.
///
/// `latency_samples` holds a run's raw distribution one row per distinct latency, and at µs
/// resolution that is nearly a row per request (the shipped reference: 2.5 M rows for 3.4 M
/// requests). Stepping SQLite through them was most of a render. `latency_histograms` keeps,
/// per trial, the same buckets sorted by latency, each as two LEB128 varints (the latency's
/// step up from the previous bucket, then the count): about 2 bytes a row, decoded in
/// milliseconds.
///
/// The blob is derived, never a source: the rows stay the store's content (exports, digests,
/// SQL). This build writes a trial's blob in the transaction that stores its rows, fills the
/// blobs of older trials in migration 12, and rebuilds every blob of a file from elsewhere
/// from its checked rows, so a blob is never read that this build did not write from the rows
/// beside it. A blob that does not decode, whole and in range, is ignored and the rows are read.
enum PackedLatency {
    /// The blob of `buckets`, sorted by latency (then count): the rows as a multiset.
    static func encode(_ buckets: [LatencyBucket]) -> Data {
        let sorted = isAscending(buckets)
            ? buckets
            : buckets.sorted { ($0.latencyUs, $0.count) < ($1.latencyUs, $1.count) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(sorted.count * 3)
        var previous: Int64 = 0
        for bucket in sorted {
            // Rows this build wrote are never negative; a negative one would not round-trip,
            // so it is stored as a jump the decoder refuses (and the rows are read instead).
            append(UInt64(bitPattern: bucket.latencyUs &- previous), to: &bytes)
            append(UInt64(bitPattern: bucket.count), to: &bytes)
            previous = bucket.latencyUs
        }
        return Data(bytes)
    }

    /// The buckets of a blob that should hold `expected` of them; nil unless every byte
    /// decodes into exactly that many, each within what a row may hold (`LatencyTally`).
    static func decode(_ blob: Data, expected: Int64, trialID: Int64) -> [LatencyBucket]? {
        // Every bucket takes at least two bytes.
        guard expected >= 0, expected <= Int64(blob.count / 2) else { return nil }
        return blob.withUnsafeBytes { raw -> [LatencyBucket]? in
            let bytes = raw.bindMemory(to: UInt8.self)
            var buckets: [LatencyBucket] = []
            buckets.reserveCapacity(Int(expected))
            var tally = LatencyTally(trialID: trialID)
            var offset = 0
            var latency: Int64 = 0
            while offset < bytes.count {
                guard let step = read(bytes, at: &offset), let count = read(bytes, at: &offset),
                    step <= UInt64(ValueRange.dayUs), count <= UInt64(ValueRange.windowCount)
                else { return nil }
                latency += Int64(step)
                let bucket = LatencyBucket(latencyUs: latency, count: Int64(count))
                guard latency <= Int64(ValueRange.dayUs), (try? tally.add(bucket)) != nil else { return nil }
                buckets.append(bucket)
            }
            return buckets.count == expected ? buckets : nil
        }
    }

    private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// One varint at `offset`, moving past it; nil if it runs off the end or past 63 bits.
    private static func read(_ bytes: UnsafeBufferPointer<UInt8>, at offset: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count, shift < 63 {
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }

    private static func isAscending(_ buckets: [LatencyBucket]) -> Bool {
        zip(buckets, buckets.dropFirst()).allSatisfy { ($0.latencyUs, $0.count) <= ($1.latencyUs, $1.count) }
    }
}

extension PackedLatency {
    static let insert = "INSERT OR REPLACE INTO latency_histograms (trial_id, buckets, packed) VALUES (?, ?, ?)"

    /// Writes the blob of every trial of `database` from its latency rows, replacing any
    /// blob there was: migration 12 on a store's existing trials, and every copy of a file
    /// from elsewhere, whose own blobs are not taken on trust. The rows are read as a render
    /// without the sample index reads them (one scan, two connections), before a byte is
    /// written. A trial whose rows are out of range gets no blob: reading it reads the rows,
    /// which refuses them by name.
    static func rebuild(_ database: SQLiteDatabase) throws {
        let trials = try database.rows("SELECT id FROM trials ORDER BY id", decode: { $0.int64(at: 0) })
        // A database in memory (the audit's reference schema) has no trials and no file to read.
        let rows = trials.isEmpty ? [:] : try ResultStore.scanLatencyRows(trials: Set(trials), path: database.path)
        try database.execute("DELETE FROM latency_histograms")
        let write = try database.prepare(insert)
        // Every trial gets one, an empty blob for a trial without rows (a failed one), so a
        // reader never has to look for rows that are not there.
        for trialID in trials {
            let buckets = rows[trialID] ?? []
            var tally = LatencyTally(trialID: trialID)
            guard (try? buckets.forEach { try tally.add($0) }) != nil else { continue }
            try write.bind([trialID, Int64(buckets.count), encode(buckets)])
            try write.run()
        }
    }
}
