import Foundation

/// A JSON document as a tree: what results.json is assembled into from its Codable parts,
/// and how JSON text the store holds is carried into it as it is (keys this build does not
/// know included).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// `value` as JSONEncoder writes it (an optional that is nil is left out; `OrNull`
    /// writes null instead), read back as a tree.
    public init(encoding value: some Encodable) throws {
        let data = try JSONEncoder().encode(value)
        self = try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// A finite number, or null: JSON has neither NaN nor infinity.
    public init(_ number: Double?) {
        guard let number, number.isFinite else {
            self = .null
            return
        }
        self = .number(number)
    }

    /// Sets the value at `path` (object keys from the top), making the objects on the way.
    public mutating func set(_ value: JSONValue, at path: some Collection<String>) {
        guard let key = path.first else {
            self = value
            return
        }
        var members: [String: JSONValue] = [:]
        if case .object(let existing) = self { members = existing }
        var member = members[key] ?? .object([:])
        member.set(value, at: path.dropFirst())
        members[key] = member
        self = .object(members)
    }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let number = try? container.decode(Double.self) {
            // An integer stays one, exact beyond 2^53 (JSON does not tell 1e+16 from
            // 10000000000000000, so a whole number that large comes back as digits); -0 stays
            // the number it was written as.
            if let integer = try? container.decode(Int64.self), number != 0 || number.sign == .plus {
                self = .integer(integer)
            } else {
                self = .number(number)
            }
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let values): try container.encode(values)
        case .object(let members): try container.encode(members)
        }
    }
}

/// A field of a Codable part of results.json that is always written: null when the value is
/// missing or, for a number, not finite, where JSONEncoder would leave an optional out.
@propertyWrapper
struct OrNull<Value: Encodable & Sendable>: Encodable, Sendable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let number = wrappedValue as? Double, !number.isFinite {
            try container.encodeNil()
        } else if let wrappedValue {
            try container.encode(wrappedValue)
        } else {
            try container.encodeNil()
        }
    }
}
