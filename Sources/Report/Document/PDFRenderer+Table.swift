extension PDFRenderer.Layout {
    private struct TableRow {
        var cells: [TextLayout]
        var height: Double
    }

    /// A GFM table: sized from its content (smaller type, then wrapping, when too wide),
    /// header bold over a rule, zebra rows, header repeated on each page it continues to.
    func table(_ table: MarkdownTable, x: Double, width: Double) {
        guard !table.alignments.isEmpty else { return }
        let (font, widths) = fit(table, width: width)
        let header = row(table.header, font: Font.sans(font.size, bold: true), widths: widths, alignments: table.alignments)
        let body = table.rows.map { row($0, font: font, widths: widths, alignments: table.alignments) }
        let tableWidth = widths.reduce(0, +)
        let (ruleColor, zebra, textColor) = (style.strongRule, style.zebra, self.textColor)
        let padding = (x: style.cellPaddingX * font.size, y: style.cellPaddingY * font.size)
        let pageBottom = geometry.bottom

        func draw(_ row: TableRow, background: Color?, ruleAbove: Bool, ruleBelow: Bool) -> (Double) -> DrawStep {
            { top in
                { context in
                    if let background {
                        context.setColor(background)
                        context.rectangle(x, top, tableWidth, row.height)
                        context.fill()
                    }
                    context.setColor(ruleColor)
                    if ruleAbove { context.rectangle(x, top, tableWidth, 0.8) }
                    if ruleBelow { context.rectangle(x, top + row.height - 0.6, tableWidth, 0.6) }
                    context.fill()
                    // A row taller than a page has no page to move to: it is cut at the margin.
                    context.rectangle(x, top, tableWidth, max(0, min(row.height, pageBottom - top)))
                    context.clip()
                    context.setColor(textColor)
                    var cellX = x
                    for (cell, width) in zip(row.cells, widths) {
                        cell.draw(at: cellX + padding.x, top + padding.y)
                        cellX += width
                    }
                }
            }
        }
        func closeTable() {
            let bottom = composer.y
            composer.decorate { context in
                context.setColor(ruleColor)
                context.rectangle(x, bottom, tableWidth, 0.8)
                context.fill()
            }
        }

        composer.ensure(header.height + (body.first?.height ?? 0))
        composer.place(height: header.height, draw(header, background: nil, ruleAbove: true, ruleBelow: true))
        for (index, row) in body.enumerated() {
            if row.height > composer.remaining, row.height + header.height <= geometry.textHeight {
                closeTable()
                composer.newPage()
                composer.place(height: header.height, draw(header, background: nil, ruleAbove: true, ruleBelow: true))
            }
            let background = index % 2 == 1 ? zebra : nil
            composer.place(height: row.height, draw(row, background: background, ruleAbove: false, ruleBelow: false))
        }
        closeTable()
    }

    /// The largest table type size at which no word has to break, and the column widths.
    private func fit(_ table: MarkdownTable, width: Double) -> (Font, [Double]) {
        let all = [table.header] + table.rows
        var smallest: (Font, [Double]) = (Font.sans(style.tableSizes.last ?? 7), [])
        for size in style.tableSizes {
            let font = Font.sans(size)
            let bold = Font.sans(size, bold: true)
            var natural = [Double](repeating: 0, count: table.alignments.count)
            var minimum = natural
            for (rowIndex, row) in all.enumerated() {
                let rowFont = rowIndex == 0 ? bold : font
                for (column, cell) in row.enumerated() {
                    let markup = PangoMarkup(style: style, baseSize: size).markup(cell)
                    let cellWidth = text(wrap(markup, bold: rowIndex == 0), font: rowFont, markup: true).size.width
                    let longestWord = cell.plainText.split(whereSeparator: \.isWhitespace)
                        .map { text(String($0), font: rowFont).size.width }.max() ?? 0
                    // Inline code is set in another face, so words are measured with a little slack.
                    natural[column] = max(natural[column], cellWidth + 2 * style.cellPaddingX * size + 1)
                    minimum[column] = max(minimum[column], longestWord + 2 * style.cellPaddingX * size + 1)
                }
            }
            if let widths = TableColumns.widths(natural: natural, minimum: minimum, available: width) {
                return (font, widths)
            }
            smallest = (font, TableColumns.squeezed(minimum: minimum, available: width))
        }
        return smallest
    }

    private func row(_ cells: [[MarkdownInline]], font: Font, widths: [Double], alignments: [MarkdownTable.Alignment]) -> TableRow {
        let layouts = zip(cells, zip(widths, alignments)).map { cell, column in
            let markup = wrap(PangoMarkup(style: style, baseSize: font.size).markup(cell), bold: font.bold)
            return text(
                markup, font: font, width: max(1, column.0 - 2 * style.cellPaddingX * font.size), markup: true,
                alignment: textAlignment(column.1))
        }
        let height = (layouts.map(\.size.height).max() ?? 0) + 2 * style.cellPaddingY * font.size
        return TableRow(cells: layouts, height: height)
    }

    private func wrap(_ markup: String, bold: Bool) -> String {
        bold ? "<b>\(markup)</b>" : markup
    }

    private func textAlignment(_ alignment: MarkdownTable.Alignment) -> TextAlignment {
        switch alignment {
        case .none, .left: return .left
        case .center: return .center
        case .right: return .right
        }
    }
}
