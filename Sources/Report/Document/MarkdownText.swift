/// Text from a store or a stranger's file made safe inside Markdown: the one place where it
/// is escaped, so a hostname, a CPU model, a variant name or a failure message is always
/// shown as the characters it holds and can never become a link, raw HTML, a heading, a
/// second table cell or the end of a code block.
enum MarkdownText {
    /// Inline text: every character that could open markup is backslash-escaped, and line
    /// breaks and control characters become spaces (a value is one line).
    static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count + 8)
        let characters = Array(oneLine(text))
        for (index, character) in characters.enumerated() {
            // Between two letters or digits "_" can neither open nor close emphasis
            // ("x86_64"): left as it is, so names read as written.
            if character == "_", index > 0, index + 1 < characters.count,
                characters[index - 1].isLetterOrDigit, characters[index + 1].isLetterOrDigit
            {
                result.append(character)
                continue
            }
            switch character {
            case "\\", "`", "*", "_", "[", "]", "<", ">", "&", "|", "~", "#", "!":
                result.append("\\")
                result.append(character)
            default:
                result.append(character)
            }
        }
        // At the start of a line, "- ", "+ ", "1. " and "2) " open a list item and "==" or
        // "--" underlines a heading or draws a rule: their marker is escaped.
        let digits = result.prefix { $0.isASCII && $0.isNumber }
        let marker = digits.isEmpty ? result.startIndex : result.index(result.startIndex, offsetBy: digits.count)
        if marker < result.endIndex, digits.isEmpty ? "-+=".contains(result[marker]) : digits.count < 10 && ".)".contains(result[marker]) {
            let next = result.index(after: marker)
            if next == result.endIndex || result[next] == " " || (digits.isEmpty && result[next] == result[marker]) {
                result.insert("\\", at: marker)
            }
        }
        return result
    }

    /// One cell of a GFM table row, already Markdown: on one line, and every "|" preceded by
    /// a backslash, so none can end the cell (GFM drops that backslash before it reads the
    /// cell's inlines, so a pipe in a code span shows as one).
    static func tableCell(_ markdown: String) -> String {
        var result = ""
        for character in oneLine(markdown) {
            if character == "|", result.last != "\\" { result.append("\\") }
            result.append(character)
        }
        return result
    }

    /// A code span showing `text` verbatim: delimited by a run of backticks longer than any
    /// inside it, padded when it starts or ends with a backtick.
    static func codeSpan(_ text: String) -> String {
        let code = oneLine(text)
        let ticks = String(repeating: "`", count: longestRun(of: "`", in: code) + 1)
        let pad = code.first == "`" || code.last == "`" || code.first == " " && code.last == " " ? " " : ""
        return ticks + pad + code + pad + ticks
    }

    /// A fenced code block showing `code` verbatim, its fence longer than any run of
    /// backticks in the code, so no line of it can close the block.
    static func codeBlock(_ code: String, info: String = "") -> String {
        let fence = String(repeating: "`", count: max(3, longestRun(of: "`", in: code) + 1))
        let body = code.hasSuffix("\n") || code.isEmpty ? code : code + "\n"
        return fence + info.filter { $0 != "`" && !$0.isNewline } + "\n" + body + fence
    }

    /// `text` on one line: line breaks and other control characters become spaces.
    static func oneLine(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            isControl(scalar) ? " " : scalar
        }))
    }

    /// C0 and C1 controls (tab included), DEL, and the Unicode line and paragraph separators.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}"
    }

    private static func longestRun(of mark: Character, in text: String) -> Int {
        var longest = 0
        var current = 0
        for character in text {
            current = character == mark ? current + 1 : 0
            longest = max(longest, current)
        }
        return longest
    }
}

extension Character {
    fileprivate var isLetterOrDigit: Bool { isLetter || isNumber }
}

/// Which link targets a report keeps: http, https and mailto, and relative or fragment
/// targets. Anything else (javascript:, data:, vbscript:, file:, in any case, behind spaces
/// or control characters a browser would skip) is shown as the link's text instead.
enum LinkTarget {
    static let allowedSchemes: Set<String> = ["http", "https", "mailto"]

    static func isSafe(_ url: String) -> Bool {
        // Browsers drop tabs and line breaks anywhere in a URL and C0 controls and spaces at
        // its ends before they read the scheme: so does this.
        let cleaned = String(String.UnicodeScalarView(url.unicodeScalars.filter { $0 != "\t" && $0 != "\n" && $0 != "\r" }))
        let trimmed = cleaned.unicodeScalars.drop { $0.value <= 0x20 }
        guard let colon = trimmed.firstIndex(of: ":") else { return true }
        if trimmed[..<colon].contains(where: { "/?#".unicodeScalars.contains($0) }) { return true }
        return allowedSchemes.contains(String(String.UnicodeScalarView(trimmed[..<colon])).lowercased())
    }
}
