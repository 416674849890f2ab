import CCairo

extension CairoSurface {
    /// Sets the PDF's document title, which viewers show instead of the file name.
    func setPDFTitle(_ title: String) {
        cairo_pdf_surface_set_metadata(pointer, CAIRO_PDF_METADATA_TITLE, title)
    }

    /// Adds a bookmark to the PDF's outline pointing at `y` on `page` (from 1);
    /// returns its id, the parent of the bookmarks below it.
    func addOutline(parent: Int32, _ name: String, page: Int, y: Double) -> Int32 {
        cairo_pdf_surface_add_outline(
            pointer, parent, name, "page=\(page) pos=[0 \(y)]", cairo_pdf_outline_flags_t(rawValue: 0))
    }
}

extension CairoContext {
    /// Paints an image surface with its top-left corner at (x, y), scaled by `scale`.
    func paint(_ image: CairoSurface, x: Double, y: Double, scale: Double) {
        save()
        translate(x, y)
        self.scale(scale, scale)
        cairo_set_source_surface(pointer, image.pointer, 0, 0)
        cairo_paint(pointer)
        restore()
    }
}
