/// Fonts, colours and spacing of the PDF report, in points.
struct PDFStyle {
    var body = Font("DejaVu Serif", size: 10.5)
    /// Pango's line height is tight for running text; this opens it up for reading.
    var bodyLineSpacing = 1.25
    var code = Font.mono(8.5)
    var codePadding = 6.0
    /// Table text sizes to try, largest first, before cells start to wrap.
    var tableSizes = [9.0, 8.5, 8.0, 7.5, 7.0]
    /// Cell padding in ems of the table's type, so a shrunken table also gives up padding.
    var cellPaddingX = 0.5
    var cellPaddingY = 0.35
    var pageFurniture = Font.sans(8)

    var paragraphSpacing = 8.0
    var tightSpacing = 3.0
    var listIndent = 20.0
    var quoteIndent = 14.0
    var quoteRuleWidth = 3.0

    var text = Color(hex: 0x1f2328)
    var muted = Color(hex: 0x59636e)
    var link = Color(hex: 0x0969da)
    var rule = Color(hex: 0xd1d9e0)
    var strongRule = Color(hex: 0x59636e)
    var codeBackground = Color(hex: 0xf3f4f6)
    var zebra = Color(hex: 0xf6f8fa)

    func heading(_ level: Int) -> Font {
        let sizes = [20.0, 16, 13.5, 12, 11, 10.5]
        return Font("DejaVu Sans", size: sizes[min(max(level, 1), sizes.count) - 1], bold: true)
    }

    /// Space above a heading grows with its rank, so sections read as sections.
    func spaceBefore(heading level: Int) -> Double {
        heading(level).size * (level <= 2 ? 1.1 : 0.9)
    }

    var spaceAfterHeading: Double { 6 }

    /// A heading keeps at least this much of what follows on its page.
    var headingKeep: Double { body.size * 3.2 }
}
