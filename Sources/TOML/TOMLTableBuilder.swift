import Core
import Foundation

/// A mutable table while a document is being parsed; it remembers how it was created
/// because TOML's rules about redefining a table depend on that.
final class TOMLTableBuilder {
    enum Origin {
        /// The document itself.
        case root
        /// Created only as the parent of a `[a.b]` header; may still get its own header.
        case implicit
        /// Created by its own `[header]` or `[[header]]`.
        case header
        /// Created by a dotted key such as `a.b = 1`.
        case dotted
        /// An inline `{ … }` table, closed once its brace is.
        case inline
    }

    enum Child {
        case value(TOMLValue)
        case table(TOMLTableBuilder)
        case tableArray(TOMLTableArrayBuilder)

        var line: Int {
            switch self {
            case .value(let value): return value.line
            case .table(let table): return table.line
            case .tableArray(let array): return array.line
            }
        }
    }

    var origin: Origin
    var line: Int
    private(set) var order: [String] = []
    private(set) var children: [String: Child] = [:]

    init(origin: Origin, line: Int) {
        self.origin = origin
        self.line = line
    }

    subscript(key: String) -> Child? { children[key] }

    func add(_ key: String, _ child: Child) {
        if children[key] == nil { order.append(key) }
        children[key] = child
    }

    /// The finished, immutable table.
    func build() -> TOMLTable {
        var table = TOMLTable(line: line)
        for key in order {
            guard let child = children[key] else { continue }
            switch child {
            case .value(let value):
                table[key] = value
            case .table(let builder):
                table[key] = TOMLValue(.table(builder.build()), line: builder.line)
            case .tableArray(let array):
                let elements = array.tables.map { TOMLValue(.table($0.build()), line: $0.line) }
                table[key] = TOMLValue(.array(elements), line: array.line)
            }
        }
        return table
    }
}

/// The elements of a `[[array.of.tables]]` collected so far.
final class TOMLTableArrayBuilder {
    let line: Int
    private(set) var tables: [TOMLTableBuilder] = []

    init(line: Int) {
        self.line = line
    }

    func append(_ table: TOMLTableBuilder) {
        tables.append(table)
    }
}

/// One part of a dotted key and the line it was written on.
struct TOMLKeyPart {
    var name: String
    var line: Int
}

extension Array where Element == TOMLKeyPart {
    /// The key as a person would write it, quoting parts that are not bare keys.
    var dottedPath: String { map(\.name).tomlDottedPath }
}

extension Array where Element == String {
    /// The key as a person would write it, quoting parts that are not bare keys.
    var tomlDottedPath: String {
        map { name in
            let bare = !name.isEmpty && name.utf8.allSatisfy { TOMLParser.isBareKeyByte($0) }
            if bare { return name }
            let escaped = name.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(escaped)\""
        }.joined(separator: ".")
    }
}
