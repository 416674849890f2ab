import Foundation

extension SHA256 {
    /// The lowercase hex digest of the bytes of the file at `file`, read through a mapping,
    /// so a results file of tens of megabytes is hashed without a copy in memory.
    public static func hex(ofFile file: URL) throws -> String {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: file, options: .alwaysMapped)
        } catch {
            throw ReportgenError(.io, "cannot read the file to hash it", at: SourceLocation(file: DisplayPath.of(file)), underlying: error)
        }
        return hex(digest: bytes.withUnsafeBytes(digest))
    }
}
