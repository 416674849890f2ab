import Foundation
import Synchronization
@testable import Core
@testable import Store

/// The shipped reference unpacked, with all but every 25th latency row deleted and vacuumed:
/// a real export, small enough to render in a moment, for tests that alter it. Made once,
/// beside the tests' cache, and made again when the reference changes.
public enum ThinnedReference {
    private static let made = Mutex<URL?>(nil)

    public static func file() throws -> URL {
        try made.withLock { made in
            if let made { return made }
            let reference = TestPaths.projectRoot.appending(path: "experiments/aiohttp-vs-flask/baseline/reference.sqlite.xz")
            let key = String(try SHA256.hex(ofFile: reference).prefix(16))
            let folder = TestPaths.cache.appending(path: "hostile", directoryHint: .isDirectory)
            let file = folder.appending(path: "thinned-\(key).sqlite")
            if !FileManager.default.fileExists(atPath: file.path) {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                let partial = folder.appending(path: "partial-\(UUID().uuidString).sqlite")
                defer { try? FileManager.default.removeItem(at: partial) }
                try Compression.unpackXZ(reference, into: partial)
                try SQLiteDatabase.withConnection(path: partial.path) { database in
                    try database.execute("DELETE FROM latency_samples WHERE rowid % 25 != 0; VACUUM")
                }
                try FileManager.default.moveItem(at: partial, to: file)
            }
            made = file
            return file
        }
    }
}
