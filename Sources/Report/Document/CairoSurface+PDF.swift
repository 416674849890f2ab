import CCairo
import Foundation

extension CairoSurface {
    /// Sets the PDF's document title, which viewers show instead of the file name, and its
    /// dates. The dates are `created` (the run's end, say), never
    /// the clock: Cairo writes the time of writing otherwise, and no two renders of the same
    /// data would then be the same bytes.
    func setPDFMetadata(title: String, created: Date) {
        cairo_pdf_surface_set_metadata(pointer, CAIRO_PDF_METADATA_TITLE, title)
        let date = PDFDate.text(created)
        cairo_pdf_surface_set_metadata(pointer, CAIRO_PDF_METADATA_CREATE_DATE, date)
        cairo_pdf_surface_set_metadata(pointer, CAIRO_PDF_METADATA_MOD_DATE, date)
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

/// A date as Cairo's PDF metadata takes it: ISO 8601 in UTC, to the second.
enum PDFDate {
    static func text(_ date: Date) -> String {
        let seconds = Int64((date.timeIntervalSince1970).rounded(.down))
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }
}
