import Core

/// Our own TOML 1.0 reader (without dates and times), so every key and value keeps the line it
/// was written on and every syntax error can say where it is. It never traps, whatever the input.
public struct TOMLParser {
    /// How deeply lists, inline tables and dotted keys may nest; deeper input is rejected
    /// rather than risking the stack.
    static let maximumDepth = 100

    let bytes: [UInt8]
    /// The name errors use for the file.
    let file: String
    var position = 0
    var line = 1
    /// The key whose value is being read, for error locations.
    var keyPath: String?
    var depth = 0

    private init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    /// Parses a whole document. `file` is how errors name it, e.g. "experiments/x/experiment.toml".
    public static func parse(_ text: String, file: String) throws -> TOMLTable {
        var parser = TOMLParser(bytes: Array(text.utf8), file: file)
        return try parser.parseDocument()
    }

    private mutating func parseDocument() throws -> TOMLTable {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        let root = TOMLTableBuilder(origin: .root, line: 1)
        var table = root
        var tablePath: [String] = []
        while true {
            skipSpaces()
            guard let byte = current else { break }
            switch byte {
            case UInt8(ascii: "#"):
                skipComment()
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                try expectNewline()
            case UInt8(ascii: "["):
                keyPath = nil
                (table, tablePath) = try parseHeader(root: root)
            default:
                keyPath = tablePath.isEmpty ? nil : tablePath.tomlDottedPath
                try parseKeyValue(into: table, tablePath: tablePath)
                try expectLineEnd(after: "the value")
            }
        }
        return root.build()
    }

    /// `[a.b]` or `[[a.b]]`: returns the table that following keys go into, and its path.
    private mutating func parseHeader(
        root: TOMLTableBuilder
    ) throws -> (TOMLTableBuilder, [String]) {
        let headerLine = line
        advance()
        let isArray = current == UInt8(ascii: "[")
        if isArray { advance() }
        skipSpaces()
        let parts = try parseKey()
        keyPath = parts.dottedPath
        skipSpaces()
        let closing = isArray ? "]]" : "]"
        guard current == UInt8(ascii: "]") else {
            throw error(
                "expected '\(closing)' to close the table header, found \(describeCurrent())",
                hint: isArray ? "write [[\(parts.dottedPath)]]" : "write [\(parts.dottedPath)]")
        }
        advance()
        if isArray {
            guard current == UInt8(ascii: "]") else {
                throw error(
                    "expected ']]' to close the array-of-tables header, found \(describeCurrent())",
                    hint: "write [[\(parts.dottedPath)]]")
            }
            advance()
        }
        let table = try openTable(parts, isArray: isArray, in: root, line: headerLine)
        try expectLineEnd(after: "the table header")
        return (table, parts.map(\.name))
    }

    private mutating func parseKeyValue(
        into table: TOMLTableBuilder, tablePath: [String]
    ) throws {
        let parts = try parseKey()
        keyPath = (tablePath + parts.map(\.name)).tomlDottedPath
        skipSpaces()
        guard current == UInt8(ascii: "=") else {
            throw error(
                "expected '=' after the key, found \(describeCurrent())",
                hint: "write key = value, e.g. trials = 3")
        }
        advance()
        skipSpaces()
        let value = try parseValue()
        try insert(value, at: parts, into: table)
    }

    /// A bare, quoted or dotted key.
    mutating func parseKey() throws -> [TOMLKeyPart] {
        var parts: [TOMLKeyPart] = []
        while true {
            skipSpaces()
            parts.append(try parseKeyPart())
            guard parts.count <= Self.maximumDepth else {
                throw error("the key has more than \(Self.maximumDepth) dotted parts")
            }
            skipSpaces()
            guard current == UInt8(ascii: ".") else { return parts }
            advance()
        }
    }

    private mutating func parseKeyPart() throws -> TOMLKeyPart {
        let keyLine = line
        guard let byte = current else {
            throw error("expected a key, found the end of the file")
        }
        let isTriple = peek(1) == byte && peek(2) == byte
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            if isTriple {
                throw error(
                    "a multi-line string cannot be a key",
                    hint: "quote the key with \"…\" or '…' on one line")
            }
            let name = byte == UInt8(ascii: "\"") ? try parseBasicString() : try parseLiteralString()
            return TOMLKeyPart(name: name, line: keyLine)
        case _ where Self.isBareKeyByte(byte):
            let start = position
            while let next = current, Self.isBareKeyByte(next) { advance() }
            return TOMLKeyPart(
                name: String(decoding: bytes[start..<position], as: UTF8.self), line: keyLine)
        default:
            throw error(
                "expected a key, found \(describeCurrent())",
                hint: "keys are letters, digits, '_' and '-', or quoted like \"my key\"")
        }
    }

    /// After a value or header only a comment may follow on the same line.
    private mutating func expectLineEnd(after what: String) throws {
        skipSpaces()
        skipComment()
        guard current != nil else { return }
        guard current == UInt8(ascii: "\n") || current == UInt8(ascii: "\r") else {
            throw error(
                "unexpected \(describeCurrent()) after \(what)",
                hint: "put each key = value on its own line; comments start with '#'")
        }
        try expectNewline()
    }

    /// Letters, digits, `_` and `-`: the bytes of a bare key.
    static func isBareKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}
