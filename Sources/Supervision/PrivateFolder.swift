import Core
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A folder only this user can enter, for what another local user must neither read nor
/// plant: ssh's control socket (whoever can connect to it runs commands on the host as us)
/// and the logs of the commands sent there. It is made with mode 0700; one that already
/// exists is used only when it is a real folder (not a symlink) owned by this user that no
/// one else may enter. Files reportgen creates in it are new files, never followed links.
package enum PrivateFolder {
    /// Makes `folder` (its parents as usual) private, or checks that it already is.
    package static func make(_ folder: URL) throws {
        try FileManager.default.createDirectory(at: folder.deletingLastPathComponent(), withIntermediateDirectories: true)
        if mkdir(folder.path, 0o700) != 0 && errno != EEXIST { throw failure(folder, "cannot be made", errno) }
        try verify(folder)
    }

    /// A new private folder under the temporary folder, named `prefix` and six random
    /// characters (mkdtemp: made 0700, and never one that was there before).
    package static func unique(prefix: String, in parent: String = "/tmp") throws -> URL {
        var template = Array("\(parent)/\(prefix)XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else { throw failure(URL(fileURLWithPath: parent), "has no room for a private folder", errno) }
        let folder = URL(fileURLWithPath: String(cString: template))
        try verify(folder)
        return folder
    }

    /// Throws unless `folder` is a folder, not a symlink, owned by this user, closed to others.
    package static func verify(_ folder: URL) throws {
        var info = stat()
        guard lstat(folder.path, &info) == 0 else { throw failure(folder, "cannot be read", errno) }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw failure(folder, "is not a folder (a symlink?)") }
        guard info.st_uid == geteuid() else { throw failure(folder, "belongs to another user") }
        guard info.st_mode & 0o077 == 0 else { throw failure(folder, "is open to other users") }
    }

    /// Creates `file` as a new, empty file only this user may read: never one that exists,
    /// never through a symlink (O_EXCL | O_NOFOLLOW).
    package static func createFile(_ file: URL) throws {
        let fd = open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure(file, "cannot be created", errno) }
        close(fd)
    }

    private static func failure(_ path: URL, _ what: String, _ error: Int32? = nil) -> ReportgenError {
        let reason = error.map { ": " + String(cString: strerror($0)) } ?? ""
        return ReportgenError(
            .io, "\(path.path) \(what)\(reason)",
            hint: "reportgen keeps ssh's control socket and the commands' logs in a folder only you can enter (mode 0700); remove what is in the way")
    }
}
