import Core

extension TOMLParser {
    /// Any value; the read position is at its first byte.
    mutating func parseValue() throws -> TOMLValue {
        let startLine = line
        guard let byte = current else {
            throw error("missing value: found the end of the file", hint: "write key = value")
        }
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            let literal = byte == UInt8(ascii: "'")
            let text: String
            if peek(1) == byte && peek(2) == byte {
                text = try parseMultilineString(literal: literal)
            } else {
                text = literal ? try parseLiteralString() : try parseBasicString()
            }
            return TOMLValue(.string(text), line: startLine)
        case UInt8(ascii: "["):
            try enterNesting()
            defer { depth -= 1 }
            return try parseArray()
        case UInt8(ascii: "{"):
            try enterNesting()
            defer { depth -= 1 }
            return try parseInlineTable()
        case UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "#"):
            throw error(
                "missing value after '='",
                hint: "write the value on the same line as its key, e.g. trials = 3")
        default:
            return try parseBareValue()
        }
    }

    private mutating func enterNesting() throws {
        guard depth < Self.maximumDepth else {
            throw error("values are nested more than \(Self.maximumDepth) levels deep")
        }
        depth += 1
    }

    /// `[a, b, …]`, over several lines if wanted, with comments and a trailing comma.
    private mutating func parseArray() throws -> TOMLValue {
        let openLine = line
        advance()
        var elements: [TOMLValue] = []
        while true {
            try skipBlank()
            guard let byte = current else { throw unterminated("list", "]", openLine) }
            if byte == UInt8(ascii: "]") {
                advance()
                return TOMLValue(.array(elements), line: openLine)
            }
            elements.append(try parseValue())
            try skipBlank()
            guard let next = current else { throw unterminated("list", "]", openLine) }
            switch next {
            case UInt8(ascii: ","):
                advance()
            case UInt8(ascii: "]"):
                advance()
                return TOMLValue(.array(elements), line: openLine)
            default:
                throw error(
                    "expected ',' or ']' after a list element, found \(describeCurrent())",
                    hint: "separate list elements with commas: [1, 2, 3]")
            }
        }
    }

    /// `{ key = value, … }`. Line breaks and a trailing comma are accepted, as TOML 1.1 does.
    private mutating func parseInlineTable() throws -> TOMLValue {
        let openLine = line
        advance()
        let table = TOMLTableBuilder(origin: .inline, line: openLine)
        let outerPath = keyPath
        defer { keyPath = outerPath }
        while true {
            try skipBlank()
            guard let byte = current else { throw unterminated("inline table", "}", openLine) }
            if byte == UInt8(ascii: "}") {
                advance()
                break
            }
            let parts = try parseKey()
            keyPath = [outerPath, parts.dottedPath].compactMap { $0 }.joined(separator: ".")
            skipSpaces()
            guard current == UInt8(ascii: "=") else {
                throw error(
                    "expected '=' after the key, found \(describeCurrent())",
                    hint: "write { key = value, other = value }")
            }
            advance()
            skipSpaces()
            let value = try parseValue()
            try insert(value, at: parts, into: table)
            keyPath = outerPath
            try skipBlank()
            guard let next = current else { throw unterminated("inline table", "}", openLine) }
            if next == UInt8(ascii: "}") {
                advance()
                break
            }
            guard next == UInt8(ascii: ",") else {
                throw error(
                    "expected ',' or '}' in the inline table, found \(describeCurrent())",
                    hint: "write { key = value, other = value }")
            }
            advance()
        }
        return TOMLValue(.table(table.build()), line: openLine)
    }

    private func unterminated(_ what: String, _ closer: String, _ openLine: Int) -> ReportgenError {
        error(
            "unterminated \(what) (opened on line \(openLine))", line: openLine,
            hint: "close it with '\(closer)'")
    }

    /// Booleans, numbers, and anything else unquoted (which is an error with a hint).
    private mutating func parseBareValue() throws -> TOMLValue {
        let startLine = line
        let start = position
        while let byte = current, Self.isValueTokenByte(byte) { advance() }
        let token = String(decoding: bytes[start..<position], as: UTF8.self)
        guard !token.isEmpty else {
            let word = unquotedWord()
            let hint = word.isEmpty
                ? "values are \"text\", numbers, true/false, [lists] or { tables }"
                : "put text in quotes: \(word.quoted)"
            throw error("expected a value, found \(describeCurrent())", hint: hint)
        }
        switch token {
        case "true": return TOMLValue(.boolean(true), line: startLine)
        case "false": return TOMLValue(.boolean(false), line: startLine)
        default: break
        }
        switch TOMLNumber.classify(token) {
        case .number(let kind):
            return TOMLValue(kind, line: startLine)
        case .invalid(let message, let hint):
            throw error(message, line: startLine, hint: hint)
        case .notANumber:
            let hint = token.first.map { $0.isLetter } == true
                ? "put text in quotes: \"\(token)\""
                : "write numbers like 42, 1_000, 0x1F or 1.5, and text in quotes"
            throw error("'\(token)' is not a valid value", line: startLine, hint: hint)
        }
    }

    /// The text from the read position to the next space or delimiter, for a quoting hint.
    private func unquotedWord() -> String {
        let stops: Set<UInt8> = Set(" \t\r\n#,]}=[{\"'".utf8)
        var end = position
        while end < bytes.count, !stops.contains(bytes[end]) { end += 1 }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    private static func isValueTokenByte(_ byte: UInt8) -> Bool {
        isBareKeyByte(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: ":")
    }
}
