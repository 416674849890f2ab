import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A folder only this user can enter, for what another local user must neither read nor
/// plant: copies of files that may come from someone else, ssh's control socket (whoever
/// can connect to it runs commands on the host as us) and the logs of commands sent there.
/// It is created with mode 0700, or, when it exists, accepted only as a real folder (not a
/// symlink) owned by this user that no one else can read, write or enter. A folder another
/// user planted under a shared /tmp is refused, never followed.
public struct PrivateFolder: Sendable {
    public let url: URL

    /// Creates or accepts `url` (its parents as usual); `purpose` says what for, in an error.
    public init(_ url: URL, purpose: String) throws {
        self.url = url
        let path = url.path(percentEncoded: false)
        let location = SourceLocation(file: DisplayPath.of(url))
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw ReportgenError(.io, "cannot create the folder for \(purpose)", at: location, underlying: error)
        }
        // Another process's last scratch folder may take an emptied folder away between the
        // mkdir and the check (`ScratchFolder.remove`): then it is made again.
        for attempt in 1...5 {
            if mkdir(path, 0o700) != 0 && errno != EEXIST {
                throw ReportgenError(.io, "cannot create the private folder for \(purpose): \(String(cString: strerror(errno)))", at: location)
            }
            var info = stat()
            if attempt < 5, lstat(path, &info) != 0, errno == ENOENT { continue }
            break
        }
        try Self.verify(url, purpose: purpose)
    }

    /// A new private folder in `parent`, named `prefix` and six random characters (mkdtemp:
    /// made 0700, and never one that was there before).
    public static func unique(prefix: String, in parent: String = "/tmp", purpose: String) throws -> PrivateFolder {
        var template = Array("\(parent)/\(prefix)XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw ReportgenError(
                .io, "cannot create a private folder for \(purpose): \(String(cString: strerror(errno)))",
                at: SourceLocation(file: parent))
        }
        return try PrivateFolder(URL(fileURLWithPath: String(cString: template), isDirectory: true), purpose: purpose)
    }

    /// Throws unless `url` is a folder, not a symlink, owned by this user and closed to others.
    public static func verify(_ url: URL, purpose: String) throws {
        let location = SourceLocation(file: DisplayPath.of(url))
        var info = stat()
        guard lstat(url.path(percentEncoded: false), &info) == 0 else {
            throw ReportgenError(.io, "cannot inspect the private folder for \(purpose): \(String(cString: strerror(errno)))", at: location)
        }
        let problem =
            info.st_mode & S_IFMT != S_IFDIR ? "not a folder (a symlink?)"
            : info.st_uid != geteuid() ? "another user's" : info.st_mode & 0o077 != 0 ? "open to other users" : nil
        if let problem {
            throw ReportgenError(
                .io, "the folder for \(purpose) is not a private folder of this user: it is \(problem)",
                at: location, hint: "remove it and run again, or point TMPDIR or REPORTGEN_CACHE elsewhere")
        }
    }

    /// Creates `name` in this folder as a new, empty file only this user may read: never one
    /// that exists, never through a symlink (O_EXCL | O_NOFOLLOW).
    @discardableResult
    public func createFile(_ name: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        let fd = open(file.path(percentEncoded: false), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ReportgenError(
                .io, "cannot create \(name) as a new file: \(String(cString: strerror(errno)))",
                at: SourceLocation(file: DisplayPath.of(file)), hint: "remove what is in the way and run again")
        }
        close(fd)
        return file
    }

    /// This user's private folder under the system's temporary folder: `$TMPDIR/reportgen-UID`.
    public static func temporary(purpose: String) throws -> PrivateFolder {
        try PrivateFolder(FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-\(getuid())", isDirectory: true), purpose: purpose)
    }

    /// Removes this folder if it is empty (another process may still be using it).
    public func removeIfEmpty() {
        rmdir(url.path(percentEncoded: false))
    }
}

/// A folder of one process's work inside a private folder, named `work-PID-UUID`: removed by
/// `remove()`, with this object, or when the process exits (an interrupt's second signal
/// ends the process through `exit`, which runs no `defer`); one left by a process that
/// crashed is swept by the next process that makes one in the same place.
public final class ScratchFolder: Sendable {
    public let url: URL
    private let parent: PrivateFolder
    /// Whether the parent goes too once it is empty (the one under /tmp, not a cache).
    private let removesEmptyParent: Bool

    /// Every scratch folder not yet removed, for the exit handler.
    private static let live = Mutex<[String: URL]>([:])
    private static let exitHandler: Void = {
        atexit { ScratchFolder.removeAllLive() }
    }()

    /// Creates a folder in `parent`, first sweeping folders there of processes that are gone.
    public init(in parent: PrivateFolder, removesEmptyParent: Bool = false, purpose: String) throws {
        _ = Self.exitHandler
        Self.sweep(parent)
        let name = "work-\(getpid())-\(UUID().uuidString)"
        url = parent.url.appendingPathComponent(name, isDirectory: true)
        self.parent = parent
        self.removesEmptyParent = removesEmptyParent
        var made = mkdir(url.path(percentEncoded: false), 0o700) == 0
        if !made && errno == ENOENT {
            // Another scratch folder's removal took the emptied parent away meanwhile.
            _ = try PrivateFolder(parent.url, purpose: purpose)
            made = mkdir(url.path(percentEncoded: false), 0o700) == 0
        }
        guard made else {
            throw ReportgenError(
                .io, "cannot create a private folder for \(purpose): \(String(cString: strerror(errno)))",
                at: SourceLocation(file: DisplayPath.of(url)))
        }
        Self.live.withLock { $0[url.path(percentEncoded: false)] = url }
    }

    deinit {
        remove()
    }

    /// Removes the folder and what is in it; a second call does nothing.
    public func remove() {
        let path = url.path(percentEncoded: false)
        guard Self.live.withLock({ $0.removeValue(forKey: path) }) != nil else { return }
        try? FileManager.default.removeItem(at: url)
        if removesEmptyParent { parent.removeIfEmpty() }
    }

    private static func removeAllLive() {
        for url in live.withLock({ $0.values }) { try? FileManager.default.removeItem(at: url) }
    }

    /// Removes the work folders in `parent` whose process no longer exists (killed, crashed).
    public static func sweep(_ parent: PrivateFolder) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent.url.path(percentEncoded: false)) else { return }
        for name in names where name.hasPrefix("work-") {
            let fields = name.split(separator: "-", maxSplits: 2)
            guard fields.count == 3, let pid = pid_t(fields[1]), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(at: parent.url.appendingPathComponent(name))
            }
        }
    }
}
