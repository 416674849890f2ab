/// Turns Markdown inlines into Pango markup. Every piece of document text is escaped here,
/// because one stray "<" or "&" makes Pango reject the whole paragraph.
struct PangoMarkup {
    var style: PDFStyle
    /// Size of the surrounding text, so inline code can be set a little smaller.
    var baseSize: Double

    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    func markup(_ inlines: [MarkdownInline]) -> String {
        inlines.map(markup).joined()
    }

    func markup(_ inline: MarkdownInline) -> String {
        switch inline {
        case .text(let text), .html(let text):
            return Self.escape(text)
        case .emphasis(let children):
            return "<i>\(markup(children))</i>"
        case .strong(let children):
            return "<b>\(markup(children))</b>"
        case .strikethrough(let children):
            return "<s>\(markup(children))</s>"
        case .code(let code):
            let size = Int((baseSize * 0.9 * 1024).rounded())
            return "<span font_family=\"\(style.code.family)\" size=\"\(size)\" background=\"\(hex(style.codeBackground))\">"
                + "\(Self.escape(code))</span>"
        case .link(_, _, let children):
            return "<span foreground=\"\(hex(style.link))\" underline=\"single\">\(markup(children))</span>"
        case .image(_, let alt):
            // Images inside text (a badge in a link, a table cell) show their description.
            return "<i>[\(Self.escape(alt))]</i>"
        case .softBreak:
            return " "
        case .lineBreak:
            return "\n"
        }
    }

    private func hex(_ color: Color) -> String {
        let byte = { (value: Double) in String(Int((value * 255).rounded()), radix: 16) }
        return "#" + [color.red, color.green, color.blue].map { component in
            let digits = byte(component)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
