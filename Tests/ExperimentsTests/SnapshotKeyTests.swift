import Foundation
import Testing
@testable import Core
@testable import Store

/// The cache remembers a file's SHA-256 under its identity on the file system, so a large
/// store is hashed once: a remembered key must always be the key of the bytes there now.
@Suite("remembered snapshot keys")
struct SnapshotKeyTests {
    @Test("a key is remembered only for a file unchanged for 2 s, and a change of the bytes (same size) or of the remembered text gives the true key")
    func rememberedKeys() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cache = SnapshotCache(cacheFolder: folder.appendingPathComponent("cache"))
        let file = folder.appendingPathComponent("store.sqlite")
        let memos = cache.folder.appendingPathComponent("keys")
        func remembered() -> [URL] { (try? FileManager.default.contentsOfDirectory(at: memos, includingPropertiesForKeys: nil)) ?? [] }

        try Data("first bytes".utf8).write(to: file)
        #expect(try cache.key(of: file) == SHA256.hex(ofFile: file))
        #expect(remembered().isEmpty, "a file changed a moment ago is hashed every time")

        Thread.sleep(forTimeInterval: 2.2)
        let first = try cache.key(of: file)
        #expect(first == (try SHA256.hex(ofFile: file)))
        #expect(remembered().count == 1)
        #expect(try cache.key(of: file) == first)

        // The same size, other bytes: the times change, and so does the key.
        try Data("other bytes".utf8).write(to: file)
        #expect(try cache.key(of: file) == (try SHA256.hex(ofFile: file)))
        #expect(try cache.key(of: file) != first)

        // A remembered key that is not a key is not believed.
        Thread.sleep(forTimeInterval: 2.2)
        _ = try cache.key(of: file)
        for memo in remembered() { try "not a key".write(to: memo, atomically: true, encoding: .utf8) }
        #expect(try cache.key(of: file) == (try SHA256.hex(ofFile: file)))
    }
}
