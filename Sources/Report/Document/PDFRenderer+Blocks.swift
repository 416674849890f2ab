import Foundation

extension PDFRenderer.Layout {
    /// Lays out `blocks` in the column from `x`, `width` wide.
    func blocks(_ blocks: [MarkdownBlock], x: Double, width: Double, tight: Bool = false) {
        for block in blocks {
            self.block(block, x: x, width: width)
            if case .heading = block {
                composer.space(style.spaceAfterHeading)
            } else {
                composer.space(tight ? style.tightSpacing : style.paragraphSpacing)
            }
        }
    }

    private func block(_ block: MarkdownBlock, x: Double, width: Double) {
        switch block {
        case .heading(let level, let inlines):
            heading(level: level, inlines, x: x, width: width)
        case .paragraph(let inlines):
            paragraph(inlines, x: x, width: width)
        case .list(let list):
            self.list(list, x: x, width: width)
        case .codeBlock(_, let code):
            let layout = text(trimmed(code), font: style.code, width: width - 2 * style.codePadding)
            placeText(layout, x: x, width: width, padding: style.codePadding, background: style.codeBackground)
        case .html(let html):
            let layout = text(trimmed(html), font: style.code, width: width)
            placeText(layout, x: x, width: width, color: style.muted)
        case .blockQuote(let children):
            composer.beginRule(x: x)
            let color = textColor
            textColor = style.muted
            blocks(children, x: x + style.quoteIndent, width: width - style.quoteIndent)
            textColor = color
            composer.endRule()
        case .thematicBreak:
            let color = style.rule
            composer.place(height: 1) { top in
                { context in
                    context.setColor(color)
                    context.rectangle(x, top, width, 1)
                    context.fill()
                }
            }
        case .table(let table):
            self.table(table, x: x, width: width)
        }
    }

    private func heading(level: Int, _ inlines: [MarkdownInline], x: Double, width: Double) {
        let font = style.heading(level)
        let markup = PangoMarkup(style: style, baseSize: font.size).markup(inlines)
        let layout = text(markup, font: font, width: width, markup: true)
        let textHeight = layout.size.height
        // GitHub rules off the two top levels; the PDF follows so both outputs read alike.
        let ruled = level <= 2
        let (color, ruleColor) = (textColor, style.rule)
        composer.space(style.spaceBefore(heading: level))
        let top = composer.place(height: textHeight + (ruled ? 5 : 0), keep: style.headingKeep) { top in
            { context in
                context.setColor(color)
                layout.draw(at: x, top)
                if ruled {
                    context.setColor(ruleColor)
                    context.rectangle(x, top + textHeight + 3, width, 0.75)
                    context.fill()
                }
            }
        }
        recordHeading(level: level, title: inlines.plainText, y: top)
    }

    /// A paragraph's images become blocks of their own between its runs of text.
    private func paragraph(_ inlines: [MarkdownInline], x: Double, width: Double) {
        var run: [MarkdownInline] = []
        var placedSomething = false
        func flush() {
            defer { run = [] }
            while let first = run.first, first == .softBreak || first == .lineBreak { run.removeFirst() }
            guard !run.plainText.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return }
            let markup = PangoMarkup(style: style, baseSize: style.body.size).markup(run)
            let layout = text(markup, font: style.body, width: width, markup: true)
            layout.setLineSpacing(style.bodyLineSpacing)
            if placedSomething { composer.space(style.paragraphSpacing) }
            placeText(layout, x: x, width: width)
            placedSomething = true
        }
        for inline in inlines {
            if case .image(let src, _) = inline {
                flush()
                if placedSomething { composer.space(style.paragraphSpacing) }
                image(src, x: x, width: width)
                placedSomething = true
            } else {
                run.append(inline)
            }
        }
        flush()
    }

    private func list(_ list: MarkdownList, x: Double, width: Double) {
        listDepth += 1
        defer { listDepth -= 1 }
        let contentX = x + style.listIndent
        let bullets = ["•", "◦", "▪"]
        for (index, item) in list.items.enumerated() {
            let marker: String
            switch list.kind {
            case .bullet: marker = bullets[(listDepth - 1) % bullets.count]
            case .ordered(let start, let delimiter): marker = "\(start + index)\(delimiter)"
            }
            let layout = text(marker, font: style.body)
            layout.setLineSpacing(style.bodyLineSpacing)
            let markerX = contentX - 6 - layout.size.width
            let color = textColor
            composer.markNext { top in
                { context in
                    context.setColor(color)
                    layout.draw(at: markerX, top)
                }
            }
            if item.isEmpty {
                composer.place(height: layout.size.height) { _ in { _ in } }
            } else {
                blocks(item, x: contentX, width: width - style.listIndent, tight: list.isTight)
            }
            composer.space(list.isTight ? style.tightSpacing : style.paragraphSpacing)
        }
    }

    /// An image or chart at the column's width, keeping its aspect; never taller than a page.
    private func image(_ src: String, x: Double, width: Double) {
        guard let image = images[src] else { return }
        let fit = min(width / image.width, geometry.textHeight / image.height)
        let scale = image.stretches ? fit : min(1, fit)
        let (drawnWidth, drawnHeight) = (image.width * scale, image.height * scale)
        let left = x + (width - drawnWidth) / 2
        composer.place(height: drawnHeight) { top in
            { context in
                context.translate(left, top)
                context.scale(scale, scale)
                context.rectangle(0, 0, image.width, image.height)
                context.clip()
                context.newPath()
                context.setColor(.black)
                try image.draw(context)
            }
        }
    }

    /// Places laid-out text, cutting it between lines where a page ends: never one line
    /// alone at the bottom of a page, nor one carried alone to the next.
    func placeText(
        _ layout: TextLayout, x: Double, width: Double, padding: Double = 0,
        background: Color? = nil, color: Color? = nil
    ) {
        let lines = layout.lineExtents
        let color = color ?? textColor
        let pageWidth = geometry.width
        var index = 0
        while index < lines.count {
            let first = lines[index].top
            var end = index
            while end < lines.count, lines[end].bottom - first <= composer.remaining - 2 * padding { end += 1 }
            if end < lines.count {
                if end - index < 2, !composer.atPageTop {
                    composer.newPage()
                    continue
                }
                if lines.count - end == 1, end - index > 2 { end -= 1 }
            }
            end = max(end, index + 1)
            let sliceHeight = lines[end - 1].bottom - first
            let whole = index == 0 && end == lines.count
            composer.place(height: sliceHeight + 2 * padding) { top in
                { context in
                    if let background {
                        context.setColor(background)
                        context.rectangle(x, top, width, sliceHeight + 2 * padding)
                        context.fill()
                    }
                    if !whole {
                        context.rectangle(0, top + padding, pageWidth, sliceHeight)
                        context.clip()
                    }
                    context.setColor(color)
                    layout.draw(at: x + padding, top + padding - first)
                }
            }
            index = end
            if index < lines.count { composer.newPage() }
        }
    }

    private func trimmed(_ text: String) -> String {
        var text = text
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }
}
