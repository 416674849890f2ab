/// Turns Markdown inlines into Pango markup. Every piece of document text is escaped here
/// (`MarkupText`), because one stray "<" or "&" makes Pango reject the whole paragraph.
struct PangoMarkup {
    var style: PDFStyle
    /// Size of the surrounding text, so inline code can be set a little smaller.
    var baseSize: Double

    func markup(_ inlines: [MarkdownInline]) -> String {
        inlines.map(markup).joined()
    }

    func markup(_ inline: MarkdownInline) -> String {
        switch inline {
        case .text(let text), .html(let text):
            return MarkupText.escaped(text)
        case .emphasis(let children):
            return "<i>\(markup(children))</i>"
        case .strong(let children):
            return "<b>\(markup(children))</b>"
        case .strikethrough(let children):
            return "<s>\(markup(children))</s>"
        case .code(let code):
            let size = Int((baseSize * 0.9 * 1024).rounded())
            return "<span font_family=\"\(style.code.family)\" size=\"\(size)\" background=\"\(hex(style.codeBackground))\">"
                + "\(MarkupText.escaped(code))</span>"
        case .link(_, _, let children):
            return "<span foreground=\"\(hex(style.link))\" underline=\"single\">\(markup(children))</span>"
        case .image(_, let alt):
            // Images inside text (a badge in a link, a table cell) show their description.
            return "<i>[\(MarkupText.escaped(alt))]</i>"
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
