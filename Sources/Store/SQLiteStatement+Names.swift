import Core
import Foundation

/// Columns of the current row read by name, so a query's column order is not a second
/// contract beside its SQL: `try row.int64("requests")`.
extension SQLiteStatement {
    public func int64(_ name: String) throws -> Int64 { int64(at: try column(name)) }
    public func int(_ name: String) throws -> Int { int(at: try column(name)) }
    public func bool(_ name: String) throws -> Bool { int64(at: try column(name)) != 0 }
    public func double(_ name: String) throws -> Double { double(at: try column(name)) }
    public func optionalInt64(_ name: String) throws -> Int64? { optionalInt64(at: try column(name)) }
    public func optionalDouble(_ name: String) throws -> Double? { optionalDouble(at: try column(name)) }
    public func string(_ name: String) throws -> String? { string(at: try column(name)) }
    public func requiredString(_ name: String) throws -> String { try requiredString(at: try column(name)) }
    public func date(_ name: String) throws -> Date? { try date(at: try column(name)) }
    public func requiredDate(_ name: String) throws -> Date { try requiredDate(at: try column(name)) }

    public func decoded<T: RawRepresentable>(_ type: T.Type, _ name: String) throws -> T where T.RawValue == String {
        try decoded(type, at: try column(name))
    }
}
