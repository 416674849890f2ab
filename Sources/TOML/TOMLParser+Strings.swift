import Core

extension TOMLParser {
    /// `"…"` with escapes, on one line. The read position is at the opening quote.
    mutating func parseBasicString() throws -> String {
        let openLine = line
        advance()
        var text: [UInt8] = []
        while true {
            guard let byte = current else {
                throw error(
                    "unterminated string", line: openLine,
                    hint: "close it with \" on the same line")
            }
            switch byte {
            case UInt8(ascii: "\""):
                advance()
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &text)
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                throw error(
                    "unterminated string: a \"…\" string must end on the line it starts",
                    line: openLine,
                    hint: "close it with \", or use \"\"\"…\"\"\" for text over several lines")
            default:
                try checkAllowedInString(byte)
                text.append(byte)
                advance()
            }
        }
    }

    /// `'…'` taken as written, on one line.
    mutating func parseLiteralString() throws -> String {
        let openLine = line
        advance()
        var text: [UInt8] = []
        while true {
            guard let byte = current else {
                throw error(
                    "unterminated string", line: openLine,
                    hint: "close it with ' on the same line")
            }
            switch byte {
            case UInt8(ascii: "'"):
                advance()
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                throw error(
                    "unterminated string: a '…' string must end on the line it starts",
                    line: openLine,
                    hint: "close it with ', or use '''…''' for text over several lines")
            default:
                try checkAllowedInString(byte)
                text.append(byte)
                advance()
            }
        }
    }

    /// `"""…"""` (with escapes) or `'''…'''` (without). The read position is at the first quote.
    mutating func parseMultilineString(literal: Bool) throws -> String {
        let openLine = line
        let quote = literal ? UInt8(ascii: "'") : UInt8(ascii: "\"")
        let delimiter = String(repeating: Character(Unicode.Scalar(quote)), count: 3)
        advance()
        advance()
        advance()
        // TOML drops a line break that directly follows the opening delimiter.
        if current == UInt8(ascii: "\n") || (current == UInt8(ascii: "\r") && peek(1) == UInt8(ascii: "\n")) {
            try expectNewline()
        }
        var text: [UInt8] = []
        while true {
            guard let byte = current else {
                throw error(
                    "unterminated multi-line string", line: openLine,
                    hint: "close it with \(delimiter)")
            }
            switch byte {
            case quote:
                var count = 0
                while current == quote {
                    count += 1
                    advance()
                }
                if count >= 3 {
                    guard count <= 5 else {
                        throw error(
                            "too many quotes: at most two may come right before the closing \(delimiter)")
                    }
                    text.append(contentsOf: repeatElement(quote, count: count - 3))
                    return String(decoding: text, as: UTF8.self)
                }
                text.append(contentsOf: repeatElement(quote, count: count))
            case UInt8(ascii: "\\") where !literal:
                if isLineEndingBackslash() {
                    advance()
                    while let next = current,
                        next == UInt8(ascii: " ") || next == UInt8(ascii: "\t")
                            || next == UInt8(ascii: "\n")
                            || (next == UInt8(ascii: "\r") && peek(1) == UInt8(ascii: "\n"))
                    {
                        advance()
                    }
                } else {
                    try parseEscape(into: &text)
                }
            case UInt8(ascii: "\n"):
                text.append(byte)
                advance()
            case UInt8(ascii: "\r"):
                try expectNewline()
                text.append(UInt8(ascii: "\n"))
            default:
                try checkAllowedInString(byte)
                text.append(byte)
                advance()
            }
        }
    }

    /// A backslash followed only by spaces up to the end of the line joins the lines.
    private func isLineEndingBackslash() -> Bool {
        var index = position + 1
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") {
            index += 1
        }
        guard index < bytes.count else { return false }
        if bytes[index] == UInt8(ascii: "\n") { return true }
        return bytes[index] == UInt8(ascii: "\r") && index + 1 < bytes.count
            && bytes[index + 1] == UInt8(ascii: "\n")
    }

    /// Reads one escape sequence; the read position is at the backslash.
    private mutating func parseEscape(into text: inout [UInt8]) throws {
        advance()
        // At the end of input the caller reports the unterminated string.
        guard let byte = current else { return }
        let simple: UInt8?
        switch byte {
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "e"): simple = 0x1B
        case UInt8(ascii: "\""): simple = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): simple = UInt8(ascii: "\\")
        default: simple = nil
        }
        if let simple {
            text.append(simple)
            advance()
            return
        }
        switch byte {
        case UInt8(ascii: "u"):
            advance()
            try parseUnicodeEscape(digits: 4, into: &text)
        case UInt8(ascii: "U"):
            advance()
            try parseUnicodeEscape(digits: 8, into: &text)
        default:
            let shown = (0x21...0x7E).contains(byte) ? "'\\\(Character(Unicode.Scalar(byte)))'" : "after '\\'"
            throw error(
                "invalid escape \(shown) in a string",
                hint: "escapes are \\n \\t \\\" \\\\ \\uXXXX; for backslashes use a literal string such as 'C:\\dir'")
        }
    }

    private mutating func parseUnicodeEscape(digits: Int, into text: inout [UInt8]) throws {
        let form = digits == 4 ? "\\u" : "\\U"
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let byte = current, let digit = Self.hexValue(byte) else {
                throw error(
                    "'\(form)' must be followed by \(digits) hexadecimal digits",
                    hint: digits == 4 ? "e.g. \\u00E9 for é" : "e.g. \\U0001F600")
            }
            value = value &* 16 &+ digit
            advance()
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw error("\(form) escape \(Self.codePoint(value)) is not a Unicode character")
        }
        UTF8.encode(scalar) { text.append($0) }
    }

    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// TOML strings may hold a tab but no other control character unescaped.
    private func checkAllowedInString(_ byte: UInt8) throws {
        guard (byte < 0x20 && byte != UInt8(ascii: "\t")) || byte == 0x7F else { return }
        throw error(
            "the control character \(Self.codePoint(UInt32(byte))) must be escaped in a string",
            hint: "write it as an escape such as \\u0001")
    }
}
