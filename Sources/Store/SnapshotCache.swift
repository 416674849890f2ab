import Core
import Foundation

/// Checked, migrated copies of results files from elsewhere, kept so that reading the same
/// file again (the second render of an export) costs a hash and an open, not an unpack, an
/// audit, a copy and a migration. An entry is named by the SHA-256 of the file's bytes, the
/// schema it was migrated to and the audit's revision, so a changed file, a newer build or a
/// stricter check each make a new one. Entries are written whole (a temporary file renamed
/// into place) and only after the file passed its check; the folder is private (0700) and
/// an entry is opened read-only and has its schema checked again at every use, so a
/// tampered entry is refused and rebuilt. The newest `keep` entries stay.
public struct SnapshotCache: Sendable {
    /// Where the entries live: `<reportgen cache>/snapshots`.
    public let folder: URL
    /// How many entries to keep, newest used first.
    public var keep: Int

    /// The cache under reportgen's cache folder (`--cache`, `$REPORTGEN_CACHE`, …).
    public init(cacheFolder: URL, keep: Int = 4) {
        folder = cacheFolder.appendingPathComponent("snapshots", isDirectory: true)
        self.keep = keep
    }

    func privateFolder() throws -> PrivateFolder {
        try PrivateFolder(folder, purpose: "the cache of checked results files")
    }

    func entry(_ key: String) -> URL {
        folder.appendingPathComponent("\(key)-schema\(StoreSchema.currentVersion)-audit\(StoreAudit.revision).sqlite")
    }

    /// The entry for `key` if there is one and its schema is still reportgen's own; an entry
    /// that fails is removed, so the caller builds it again.
    func lookup(_ key: String) throws -> URL? {
        let file = entry(key)
        guard FileManager.default.fileExists(atPath: file.path(percentEncoded: false)) else { return nil }
        // A hit makes no work folder, so it sweeps what a killed reportgen left itself.
        ScratchFolder.sweep(try privateFolder())
        do {
            try SQLiteDatabase.withConnection(path: file.path(percentEncoded: false), mode: .untrusted) { copy in
                try StoreAudit(database: copy, location: SourceLocation(file: DisplayPath.of(file)))
                    .checkSchemaOnly(version: StoreSchema.currentVersion)
            }
        } catch {
            try? FileManager.default.removeItem(at: file)
            return nil
        }
        // Its time is when it was last used: pruning keeps what is read.
        try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: file.path(percentEncoded: false))
        return file
    }

    /// Moves the checked copy `copy` (inside this cache's folder) into place as the entry
    /// for `key`, read-only, and prunes the oldest entries.
    func admit(_ copy: URL, key: String) throws -> URL {
        let file = entry(key)
        do {
            try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: copy.path(percentEncoded: false))
            if rename(copy.path(percentEncoded: false), file.path(percentEncoded: false)) != 0 {
                throw ReportgenError(.io, "cannot move a checked copy into the cache: \(String(cString: strerror(errno)))", at: SourceLocation(file: DisplayPath.of(file)))
            }
        } catch let error as ReportgenError {
            throw error
        } catch {
            throw ReportgenError(.io, "cannot keep a checked copy in the cache", at: SourceLocation(file: DisplayPath.of(file)), underlying: error)
        }
        prune()
        return file
    }

    /// The SHA-256 of `file`'s bytes, the key its entry is named by. Hashing a large store
    /// is the first thing every read of it would do (40 ms for the reference run's 36 MB), so
    /// the key is remembered under the file's identity as the file system gives it: path,
    /// device, inode, size and the times of its last change of content and of metadata.
    /// Changing the bytes changes the content time and the metadata time (which no one but
    /// root can set back), and a file moved into place is another inode, so a remembered key
    /// is the key of the bytes there now. A file changed within 2 s of being hashed could
    /// still share its times with what was hashed on a coarse clock: its key is not kept.
    func key(of file: URL) throws -> String {
        let path = file.path(percentEncoded: false)
        var info = stat()
        guard stat(path, &info) == 0 else { return try SHA256.hex(ofFile: file) }
        let identity = [
            path, String(info.st_dev), String(info.st_ino), String(info.st_size),
            "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)", "\(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)",
        ].joined(separator: "\u{0}")
        let memo = folder.appendingPathComponent("keys", isDirectory: true).appendingPathComponent(SHA256.hex(identity))
        if let remembered = try? String(contentsOf: memo, encoding: .utf8),
            remembered.count == 64, remembered.allSatisfy({ $0.isHexDigit && !$0.isUppercase })
        {
            return remembered
        }
        let key = try SHA256.hex(ofFile: file)
        let changed = max(Double(info.st_mtim.tv_sec), Double(info.st_ctim.tv_sec))
        if Date().timeIntervalSince1970 - changed > 2, (try? privateFolder()) != nil {
            try? FileManager.default.createDirectory(at: memo.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? AtomicFile.write(key, to: memo)
            pruneKeys()
        }
        return key
    }

    /// Keeps the 256 most recently written remembered keys.
    private func pruneKeys() {
        let keys: [URLResourceKey] = [.contentModificationDateKey]
        let memos = folder.appendingPathComponent("keys", isDirectory: true)
        guard let files = try? FileManager.default.contentsOfDirectory(at: memos, includingPropertiesForKeys: keys), files.count > 256 else { return }
        let sorted = files.map { ($0, (try? $0.resourceValues(forKeys: Set(keys)).contentModificationDate) ?? .distantPast) }.sorted { $0.1 > $1.1 }
        for (file, _) in sorted.dropFirst(256) { try? FileManager.default.removeItem(at: file) }
    }

    /// Removes all but the `keep` most recently used entries. An entry another reportgen
    /// is reading stays readable to it until it closes it.
    func prune() {
        let keys: [URLResourceKey] = [.contentModificationDateKey]
        guard let files = try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: keys) else { return }
        let entries = files.filter { $0.pathExtension == "sqlite" }.map { file in
            (file, (try? file.resourceValues(forKeys: Set(keys)).contentModificationDate) ?? .distantPast)
        }.sorted { $0.1 > $1.1 }
        for (file, _) in entries.dropFirst(max(keep, 1)) { try? FileManager.default.removeItem(at: file) }
    }
}
