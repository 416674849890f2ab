/// Text from a store or a file printed to a terminal: what came from elsewhere (a hostname,
/// a CPU model, an experiment's name in an import) must not drive the terminal. Control
/// characters other than newline and tab (ESC starts the sequences that recolour, move the
/// cursor, retitle the window or write to the clipboard), DEL, the C1 controls (U+0080…009F:
/// a lone U+009B is a CSI) and the bidirectional overrides and isolates (which reorder what
/// is shown) are printed as visible escapes, `\u{1B}`, and nothing else changes.
public enum TerminalText {
    public static func safe(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) {
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09: false
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: true
        default: false
        }
    }
}
