import Core
import Foundation

/// Dates are stored as ISO-8601 UTC text with milliseconds (2026-11-27T15:50:00.123Z), so
/// they read naturally in the sqlite3 shell and sort as text.
enum SQLiteTimestamp {
    private static let whole = Date.ISO8601FormatStyle(timeZone: .gmt)
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    /// The stored text for `date`, rounded to the millisecond.
    static func text(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, fraction) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        // Negative remainders belong to the previous second (dates before 1970).
        let (wholeSeconds, millis) = fraction < 0 ? (seconds - 1, fraction + 1000) : (seconds, fraction)
        // Formatting whole seconds is exact; formatting a fraction would truncate .123 to .122.
        let base = whole.format(Date(timeIntervalSince1970: Double(wholeSeconds)))
        let digits = String(millis)
        return String(base.dropLast()) + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    /// The date stored as `text`, or nil when it is not ISO-8601.
    static func date(_ text: String) -> Date? {
        (try? fractional.parse(text)) ?? (try? whole.parse(text))
    }
}

extension Date: SQLiteBindable {
    public func bind(to statement: SQLiteStatement, at index: Int32) throws {
        try statement.bind(SQLiteTimestamp.text(self), at: index)
    }
}

extension SQLiteStatement {
    /// Column `index` as a date stored by this store, or nil when NULL.
    public func date(at index: Int32) throws -> Date? {
        guard let text = string(at: index) else { return nil }
        guard let date = SQLiteTimestamp.date(text) else {
            throw mismatch(at: index, "'\(text)'", expected: "an ISO-8601 date")
        }
        return date
    }

    /// Column `index` as a date; throws when a damaged store holds NULL there.
    public func requiredDate(at index: Int32) throws -> Date {
        guard let date = try date(at: index) else { throw mismatch(at: index, "NULL", expected: "a date") }
        return date
    }
}
