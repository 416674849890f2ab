import Foundation

extension JSONValue {
    /// The value as results.json has always been laid out, byte for byte what Foundation's
    /// JSON writer gave with pretty printing, sorted keys and unescaped slashes: two
    /// spaces a level, `"key" : value`, an empty array or object opened and closed on lines
    /// of their own, keys in Foundation's order (numeric, case-insensitive: "p9" before
    /// "p10", "a" before "B"), numbers as Swift prints them without a trailing ".0".
    public func layout() throws -> String {
        var text = ""
        var orders = KeyOrders()
        try write(to: &text, indent: 0, orders: &orders)
        return text
    }

    /// Foundation's order of each set of keys met, computed once per set: results.json holds
    /// thousands of objects with the same few keys (a timeline's intervals), and the locale's
    /// comparison is what laying them out would otherwise spend its time on.
    private struct KeyOrders {
        var known: [[String]: [String]] = [:]

        mutating func sorted(_ keys: Dictionary<String, JSONValue>.Keys) -> [String] {
            let set = keys.sorted()
            if let order = known[set] { return order }
            let order = set.sorted(by: JSONValue.foundationOrder)
            known[set] = order
            return order
        }
    }

    private func write(to text: inout String, indent: Int, orders: inout KeyOrders) throws {
        switch self {
        case .null:
            text += "null"
        case .bool(let value):
            text += value ? "true" : "false"
        case .integer(let value):
            text += String(value)
        case .number(let value):
            var number = value.description
            if number.hasSuffix(".0") { number.removeLast(2) }
            text += number
        case .string(let value):
            try Self.quote(value, to: &text)
        case .array(let values):
            let inner = String(repeating: " ", count: indent + 2)
            text += "[\n"
            for (offset, value) in values.enumerated() {
                text += (offset == 0 ? "" : ",\n") + inner
                try value.write(to: &text, indent: indent + 2, orders: &orders)
            }
            text += "\n" + String(repeating: " ", count: indent) + "]"
        case .object(let members):
            let inner = String(repeating: " ", count: indent + 2)
            text += "{\n"
            for (offset, key) in orders.sorted(members.keys).enumerated() {
                text += (offset == 0 ? "" : ",\n") + inner
                try Self.quote(key, to: &text)
                text += " : "
                try members[key]?.write(to: &text, indent: indent + 2, orders: &orders)
            }
            text += "\n" + String(repeating: " ", count: indent) + "}"
        }
    }

    /// Foundation's order of sorted keys, so user-given keys (environment variables, program
    /// names) keep the order earlier files had.
    private static func foundationOrder(_ a: String, _ b: String) -> Bool {
        a.compare(b, options: [.numeric, .caseInsensitive, .forcedOrdering], range: a.startIndex..<a.endIndex, locale: NSLocale.system)
            == .orderedAscending
    }

    /// A JSON string. Most need no escape; the others are escaped by JSONEncoder, whose rules
    /// (quotes, backslashes and control characters; slashes kept) are Foundation's.
    private static func quote(_ value: String, to text: inout String) throws {
        if value.unicodeScalars.contains(where: { $0 == "\"" || $0 == "\\" || $0.value < 0x20 }) {
            text += String(decoding: try escaper.encode(value), as: UTF8.self)
        } else {
            text += "\"" + value + "\""
        }
    }

    private static var escaper: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }
}
