import CSQLite
import Foundation
import LoadGen

/// SQL functions a write-up's queries get besides SQLite's own.
///
/// `weighted_percentile(value, weight, p)`: the p-th percentile (0…100) of the values, each
/// counted `weight` times, by the nearest-rank rule every percentile in reportgen follows
/// (`NearestRank`): `SELECT cell, weighted_percentile(latency_ms, count, 90) FROM run_latency
/// WHERE counted GROUP BY cell` is the report's p90. One pass and a sort per group, where
/// the same percentile from window functions makes SQLite sort and buffer every row (several
/// seconds over a run's millions of latency rows). NULL values and weights are skipped; a
/// negative or fractional weight, or a p outside 0…100, is an error.
enum QueryFunctions {
    static func register(on connection: OpaquePointer) -> Int32 {
        sqlite3_create_function_v2(
            connection, "weighted_percentile", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nil, nil,
            { context, _, arguments in
                guard let context, let arguments else { return }
                guard let values = WeightedValues.of(context, creating: true) else {
                    sqlite3_result_error_nomem(context)
                    return
                }
                values.add(arguments[0], weight: arguments[1], p: arguments[2], context: context)
            },
            { context in
                guard let context else { return }
                guard let values = WeightedValues.of(context, creating: false) else {
                    sqlite3_result_null(context)
                    return
                }
                defer { WeightedValues.release(context) }
                values.finish(context)
            }, nil)
    }
}

/// One group's values and weights, kept by SQLite's aggregate context as a retained pointer.
private final class WeightedValues {
    var values: [(value: Double, weight: Int64)] = []
    var p: Double?
    var failure: String?

    /// The group's accumulator: made at its first row, nil for a group without rows.
    static func of(_ context: OpaquePointer, creating: Bool) -> WeightedValues? {
        let size = Int32(creating ? MemoryLayout<UnsafeMutableRawPointer?>.size : 0)
        guard let slot = sqlite3_aggregate_context(context, size)?.assumingMemoryBound(to: UnsafeMutableRawPointer?.self) else {
            return nil
        }
        if let pointer = slot.pointee { return Unmanaged<WeightedValues>.fromOpaque(pointer).takeUnretainedValue() }
        guard creating else { return nil }
        let values = WeightedValues()
        slot.pointee = Unmanaged.passRetained(values).toOpaque()
        return values
    }

    static func release(_ context: OpaquePointer) {
        guard let slot = sqlite3_aggregate_context(context, 0)?.assumingMemoryBound(to: UnsafeMutableRawPointer?.self),
            let pointer = slot.pointee
        else { return }
        Unmanaged<WeightedValues>.fromOpaque(pointer).release()
        slot.pointee = nil
    }

    func add(_ value: OpaquePointer?, weight: OpaquePointer?, p percentile: OpaquePointer?, context: OpaquePointer) {
        guard failure == nil else { return }
        if p == nil {
            let p = sqlite3_value_double(percentile)
            guard sqlite3_value_numeric_type(percentile) != SQLITE_NULL, p >= 0, p <= 100 else {
                failure = "weighted_percentile's p is a percentile from 0 to 100"
                return
            }
            self.p = p
        }
        guard sqlite3_value_type(value) != SQLITE_NULL, sqlite3_value_type(weight) != SQLITE_NULL else { return }
        let count = sqlite3_value_double(weight)
        guard count >= 0, count == count.rounded(), count < 9e18 else {
            failure = "weighted_percentile's weight is a count: a whole number, 0 or more"
            return
        }
        let number = sqlite3_value_double(value)
        guard number.isFinite else { return }
        values.append((number, Int64(count)))
    }

    func finish(_ context: OpaquePointer) {
        if let failure {
            sqlite3_result_error(context, failure, -1)
            return
        }
        values.sort { $0.value < $1.value }
        var total: Int64 = 0
        for entry in values {
            let (sum, overflow) = total.addingReportingOverflow(entry.weight)
            guard !overflow else {
                sqlite3_result_error(context, "weighted_percentile's weights add up to more than 2^63", -1)
                return
            }
            total = sum
        }
        guard let p, let rank = NearestRank.rank(p, of: total) else {
            sqlite3_result_null(context)
            return
        }
        var below: Int64 = 0
        for entry in values {
            below += entry.weight
            if below >= rank {
                sqlite3_result_double(context, entry.value)
                return
            }
        }
        sqlite3_result_null(context)
    }
}
