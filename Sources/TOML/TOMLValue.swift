import Core

/// A parsed TOML value together with the line it starts on, so later checks can point at it.
public struct TOMLValue: Sendable, Equatable {
    /// The value itself.
    public enum Kind: Sendable, Equatable {
        case string(String)
        case integer(Int)
        case float(Double)
        case boolean(Bool)
        case array([TOMLValue])
        case table(TOMLTable)
    }

    public var kind: Kind
    /// 1-based line where the value (or, for a table, its header or first key) was written.
    public var line: Int

    /// A value written on `line`.
    public init(_ kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }

    /// The kind's name with its article, for messages such as "expected an integer, found a string".
    public var typeDescription: String {
        switch kind {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a float"
        case .boolean: return "a boolean"
        case .array: return "a list"
        case .table: return "a table"
        }
    }
}

/// A TOML table whose keys keep the order they were written in.
public struct TOMLTable: Sendable, Equatable {
    /// One key of the table and its value.
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: TOMLValue

        /// An entry for `key`.
        public init(key: String, value: TOMLValue) {
            self.key = key
            self.value = value
        }
    }

    /// Keys and values in the order they were written.
    public private(set) var entries: [Entry]
    /// 1-based line of the table's header, or of the key that created it.
    public var line: Int
    private var index: [String: Int]

    /// A table holding `entries` in order; a repeated key keeps its last value.
    public init(entries: [Entry] = [], line: Int) {
        self.entries = []
        self.index = [:]
        self.line = line
        for entry in entries { self[entry.key] = entry.value }
    }

    /// The keys in the order they were written.
    public var keys: [String] { entries.map(\.key) }

    /// The value stored under `key`; setting a new key appends it, setting an existing key replaces it.
    public subscript(key: String) -> TOMLValue? {
        get { index[key].map { entries[$0].value } }
        set {
            if let position = index[key] {
                if let newValue {
                    entries[position].value = newValue
                } else {
                    entries.remove(at: position)
                    index = Dictionary(
                        uniqueKeysWithValues: entries.enumerated().map { ($1.key, $0) })
                }
            } else if let newValue {
                index[key] = entries.count
                entries.append(Entry(key: key, value: newValue))
            }
        }
    }

    /// Same keys in the same order with equal values, defined on the same line.
    public static func == (lhs: TOMLTable, rhs: TOMLTable) -> Bool {
        lhs.entries == rhs.entries && lhs.line == rhs.line
    }
}
