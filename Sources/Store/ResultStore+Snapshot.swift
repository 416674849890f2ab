import CSQLite
import Core
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A private, checked, migrated copy of a results file that must not change: an export to
/// import, render or compare with. `ResultStore.withSnapshot` ends it when its scope ends.
public struct StoreSnapshot {
    /// The copy, opened read-only as a store of this build's schema.
    public let store: ResultStore
    /// The file the copy was taken from, untouched.
    public let source: URL
    /// Whether the copy was a cache entry made by an earlier read of the same bytes: the
    /// file was then neither checked nor copied again.
    public let fromCache: Bool
    /// The folder an uncached copy lives in; nil for a cache entry, which stays.
    fileprivate let folder: ScratchFolder?

    /// Refuses, naming the column and the row, a file holding stored JSON this build cannot
    /// read: what a file from elsewhere is checked for before it is merged into a store.
    public func checkReadable() throws {
        try store.checkJSONColumns()
    }
}

extension ResultStore {
    /// Runs `body` with a private, checked, migrated copy of `file` (see `snapshot(of:)`), and
    /// removes an uncached copy when `body` returns or throws. The snapshot is not to be kept
    /// beyond `body`.
    public static func withSnapshot<T>(of file: URL, cache: SnapshotCache? = nil, _ body: (StoreSnapshot) throws -> T) throws -> T {
        let snapshot = try snapshot(of: file, cache: cache)
        defer { snapshot.folder?.remove() }
        return try body(snapshot)
    }

    /// A copy of `file`, a reportgen results file from elsewhere (an export or a whole store),
    /// that can be read without a byte of `file` being written and without trusting it: the
    /// file is opened `.untrusted` and passes `StoreAudit` before it is copied (an xz file is
    /// unpacked first, capped), then the copy is migrated to this build's schema. With
    /// `cache`, the copy is kept there under the file's SHA-256 and the next snapshot of the
    /// same bytes is that copy, re-checked only for its schema. Without, it lives in a
    /// private folder under the temporary folder and goes with the snapshot's store.
    /// `trusted` is for this machine's own store at an older schema: copied and migrated,
    /// not audited, never cached.
    static func snapshot(of file: URL, cache: SnapshotCache? = nil, trusted: Bool = false) throws -> StoreSnapshot {
        let path = file.path(percentEncoded: false)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else {
            throw ReportgenError(
                .badArgument, "there is no results file here", at: SourceLocation(file: DisplayPath.of(file)),
                hint: "pass a file written by 'reportgen export RUN -o FILE.sqlite'")
        }
        let key = try cache.map { try $0.key(of: file) }
        // Another reportgen sharing the cache may prune the entry between the lookup and the
        // open: then the copy is made again below.
        if let cache, let key, let entry = try cache.lookup(key), let snapshot = try pinned(entry, in: cache, of: file, fromCache: true) {
            return snapshot
        }
        let parent = try cache?.privateFolder() ?? PrivateFolder.temporary(purpose: "private copies of results files")
        let folder = try ScratchFolder(in: parent, removesEmptyParent: cache == nil, purpose: "a copy of \(DisplayPath.of(file))")
        do {
            let copy = try checkedCopy(of: file, in: folder.url, trusted: trusted)
            if let cache, let key {
                let entry = try cache.admit(copy, key: key)
                folder.remove()
                if let snapshot = try pinned(entry, in: cache, of: file, fromCache: false) { return snapshot }
                throw ReportgenError(
                    .io, "the checked copy was removed from the cache as it was made", at: SourceLocation(file: DisplayPath.of(entry)),
                    hint: "run the command again; several reportgen sharing a cache of fewer entries than files they read prune each other's")
            }
            return StoreSnapshot(store: try openCopy(copy, of: file, retaining: folder), source: file, fromCache: false, folder: folder)
        } catch {
            folder.remove()
            throw error
        }
    }

    /// Unpacks (when xz), checks (unless `trusted`) and copies `file` into `folder`, and
    /// migrates the copy; returns the copy.
    private static func checkedCopy(of file: URL, in folder: URL, trusted: Bool) throws -> URL {
        let location = SourceLocation(file: DisplayPath.of(file))
        let copy = folder.appendingPathComponent("snapshot.sqlite")
        let unpacked = folder.appendingPathComponent("unpacked.sqlite")
        defer { try? FileManager.default.removeItem(at: unpacked) }
        do {
            let readable = Compression.isXZ(file)
                ? try Compression.unpackXZ(file, into: unpacked).path(percentEncoded: false)
                : file.path(percentEncoded: false)
            // Whose file and which schema, before a single page is copied: VACUUM INTO would
            // carry a planted trigger or view into the copy that the migrations then run on.
            let version = try SQLiteDatabase.withConnection(path: readable, mode: trusted ? .readOnly : .untrusted) { source in
                let facts = try StoreFileFacts(source)
                guard !trusted else {
                    try facts.refuseNewer(at: location, hint: "upgrade reportgen to read it; the file was left untouched")
                    return Int(facts.version)
                }
                return try StoreAudit(database: source, location: location).checkShape()
            }
            // Its pages and values are scanned on a connection of their own while the copy is
            // taken and migrated: the two take about as long, and the copy is not read, nor
            // kept, before the scan passed.
            let audit = { @Sendable in
                guard !trusted else { return }
                try SQLiteDatabase.withConnection(path: readable, mode: .untrusted) { source in
                    try StoreAudit(database: source, location: location).checkContents(version: version)
                }
            }
            let copying = { @Sendable in
                // Read-only all the way: VACUUM INTO writes a consistent copy (WAL included)
                // without a single write to the source.
                try SQLiteDatabase.withConnection(path: readable, mode: trusted ? .readOnly : .untrusted) { source in
                    try source.run("VACUUM INTO ?", copy.path(percentEncoded: false))
                }
                try SQLiteDatabase.withConnection(path: copy.path(percentEncoded: false)) { writable in
                    try StoreSchema.migrate(writable)
                    for index in StoreSchema.sampleIndexes { try writable.execute(index) }
                    // A file's own packed latency is not read: the copy's is written from its
                    // rows, which the audit checks (migrating from before it writes them too).
                    if !trusted, version >= StoreSchema.packedLatencyVersion {
                        try writable.transaction { try PackedLatency.rebuild(writable) }
                    }
                }
            }
            // The audit first: its refusal is the error worth reporting.
            _ = try [audit, copying].concurrentMap { try $0() }
        } catch let error as SQLiteError where error.code == SQLITE_NOTADB {
            throw ReportgenError(
                trusted ? .badStore : .refusedFile, "not a reportgen results file: the file is not a database", at: location,
                hint: "pass a file written by 'reportgen export'. \(StoreAudit.untouched)",
                underlying: error)
        } catch let error as SQLiteError where error.code == SQLITE_CORRUPT && !trusted {
            throw ReportgenError(
                .refusedFile, "not a readable reportgen results file: SQLite finds it damaged", at: location,
                hint: "copy the file again from where it came from, or export it again. \(StoreAudit.untouched)",
                underlying: error)
        } catch let error as SQLiteError {
            throw ReportgenError(.io, "cannot read the results file", at: location, underlying: error)
        }
        return copy
    }

    /// The cache entry `entry` as this snapshot's own: a hard link to it in a scratch folder of
    /// this process, opened. Another reportgen pruning the cache then removes the entry's name,
    /// not the file this snapshot reads, which its other connections (the digest, a write-up's
    /// queries) open again by path. nil when the entry is gone already.
    private static func pinned(_ entry: URL, in cache: SnapshotCache, of file: URL, fromCache: Bool) throws -> StoreSnapshot? {
        let folder = try ScratchFolder(in: try cache.privateFolder(), purpose: "a snapshot of \(DisplayPath.of(file))")
        let link = folder.url.appendingPathComponent("snapshot.sqlite")
        guard Glibc.link(entry.path(percentEncoded: false), link.path(percentEncoded: false)) == 0 else {
            folder.remove()
            guard errno == ENOENT else {
                throw ReportgenError(
                    .io, "cannot link the cached copy of the results file: \(String(cString: strerror(errno)))",
                    at: SourceLocation(file: DisplayPath.of(entry)))
            }
            return nil
        }
        do {
            return StoreSnapshot(
                store: try openCopy(link, of: file, retaining: folder, named: entry), source: file, fromCache: fromCache, folder: folder)
        } catch {
            folder.remove()
            throw error
        }
    }

    /// Opens a checked, migrated copy read-only; `retaining` lives as long as its store, whose
    /// `path` is `named` (the cache entry a pinned link stands for) or the copy.
    private static func openCopy(_ copy: URL, of file: URL, retaining folder: ScratchFolder?, named: URL? = nil) throws -> ResultStore {
        let database: SQLiteDatabase
        do {
            database = try SQLiteDatabase(path: copy.path(percentEncoded: false), mode: .readOnly)
        } catch let error as SQLiteError {
            throw ReportgenError(.io, "cannot open the private copy of the results file", at: SourceLocation(file: DisplayPath.of(file)), underlying: error)
        }
        let store = ResultStore(path: named ?? copy, database: database, retained: folder)
        store.shownAs = DisplayPath.of(file)
        store.isFromElsewhere = true
        return store
    }
}
