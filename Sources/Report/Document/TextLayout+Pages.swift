import CCairo

extension TextLayout {
    /// Top and bottom of each line, from the layout's top: the places a page may cut the text.
    var lineExtents: [(top: Double, bottom: Double)] {
        guard let iterator = pango_layout_get_iter(pointer) else { return [] }
        defer { pango_layout_iter_free(iterator) }
        var result: [(top: Double, bottom: Double)] = []
        repeat {
            var top: Int32 = 0
            var bottom: Int32 = 0
            pango_layout_iter_get_line_yrange(iterator, &top, &bottom)
            result.append((Double(top) / Double(PANGO_SCALE), Double(bottom) / Double(PANGO_SCALE)))
        } while pango_layout_iter_next_line(iterator) != 0
        return result
    }

    /// Breaks an over-long word (a URL, a number in a narrow cell, a code line) without the
    /// hyphen Pango would add, which would read as part of the text.
    func withoutHyphens() {
        let attributes = pango_layout_get_attributes(pointer).flatMap { pango_attr_list_copy($0) } ?? pango_attr_list_new()
        guard let attributes else { return }
        pango_attr_list_insert(attributes, pango_attr_insert_hyphens_new(0))
        pango_layout_set_attributes(pointer, attributes)
        pango_attr_list_unref(attributes)
    }

    /// Spaces lines at `factor` times the font's height.
    func setLineSpacing(_ factor: Double) {
        pango_layout_set_line_spacing(pointer, Float(factor))
    }

    /// Cuts a line that is too long for the layout's width with "…" instead of wrapping it.
    func ellipsize() {
        pango_layout_set_ellipsize(pointer, PANGO_ELLIPSIZE_END)
    }
}
