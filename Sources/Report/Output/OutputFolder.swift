import Core
import Foundation

/// The folder a report or comparison is written into.
enum OutputFolder {
    /// Creates `folder` and its parents; a path that cannot be created is an I/O error that
    /// names it. Temporaries a killed render left in it are removed (`AtomicFile`).
    static func create(_ folder: URL) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ReportgenError(
                .io, "cannot create \(DisplayPath.of(folder))", hint: "choose another --output, or make its parent writable",
                underlying: error)
        }
        AtomicFile.removeStale(in: folder)
    }
}
