import Core

extension TOMLParser {
    /// The byte at the read position, nil at the end of the input.
    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    func peek(_ offset: Int) -> UInt8? {
        let index = position + offset
        return index >= 0 && index < bytes.count ? bytes[index] : nil
    }

    /// Moves one byte on; every byte is consumed here, so `line` is always right.
    mutating func advance() {
        guard position < bytes.count else { return }
        if bytes[position] == UInt8(ascii: "\n") { line += 1 }
        position += 1
    }

    mutating func skipSpaces() {
        while current == UInt8(ascii: " ") || current == UInt8(ascii: "\t") { advance() }
    }

    mutating func skipComment() {
        guard current == UInt8(ascii: "#") else { return }
        while let byte = current, byte != UInt8(ascii: "\n") { advance() }
    }

    /// Consumes "\n" or "\r\n"; a carriage return on its own is not a line break in TOML.
    mutating func expectNewline() throws {
        if current == UInt8(ascii: "\r") {
            guard peek(1) == UInt8(ascii: "\n") else {
                throw error("a carriage return must be followed by a line feed")
            }
            advance()
        }
        if current == UInt8(ascii: "\n") { advance() }
    }

    /// Spaces, line breaks and comments, as allowed between list elements.
    mutating func skipBlank() throws {
        while true {
            skipSpaces()
            switch current {
            case UInt8(ascii: "#"):
                skipComment()
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                try expectNewline()
            default:
                return
            }
        }
    }

    /// A definition error at the current line (or `line`), naming the key being read.
    func error(_ message: String, line: Int? = nil, hint: String? = nil) -> ReportgenError {
        ReportgenError(
            .badDefinition, message,
            at: SourceLocation(file: file, keyPath: keyPath, line: line ?? self.line),
            hint: hint)
    }

    /// What is at the read position, as a person would name it in a message.
    func describeCurrent() -> String {
        guard let byte = current else { return "the end of the file" }
        switch byte {
        case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
            return "the end of the line"
        case UInt8(ascii: " "):
            return "a space"
        case UInt8(ascii: "\t"):
            return "a tab"
        case 0x21...0x7E:
            return "'\(Character(Unicode.Scalar(byte)))'"
        case 0x80...:
            var iterator = bytes[position...].makeIterator()
            var decoder = UTF8()
            if case .scalarValue(let scalar) = decoder.decode(&iterator) {
                return "'\(Character(scalar))' (\(Self.codePoint(scalar.value)))"
            }
            return "the byte 0x\(String(byte, radix: 16, uppercase: true))"
        default:
            return "the control character \(Self.codePoint(UInt32(byte)))"
        }
    }

    static func codePoint(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
