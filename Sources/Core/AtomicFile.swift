import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A file replaced whole, never rewritten in place: the new content goes to a temporary file
/// in the same folder (created with O_EXCL under a name no one can guess), is flushed to disk
/// and renamed over the old file. A kill, a full disk or an error part-way leaves the old
/// file as it was; an error also removes the temporary. Every file reportgen writes as
/// output goes through here.
///
/// A temporary is named `.NAME.PID-RANDOM.reportgen-tmp`: a process killed mid-write leaves
/// one behind, and `removeStale(in:)` clears those whose process is gone.
public enum AtomicFile {
    /// The last part of every temporary's name.
    public static let temporarySuffix = ".reportgen-tmp"

    /// Replaces `url` with `data`.
    public static func write(_ data: Data, to url: URL) throws {
        try replace(url) { temporary in
            try data.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Glibc.write(temporary.descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw failure("write", url)
                    }
                    offset += written
                }
            }
        }
    }

    /// Replaces `url` with `text` as UTF-8.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    /// Replaces `url` with what `produce` writes, for a writer that wants a path of its own
    /// (a Cairo PDF or SVG surface): `produce` gets the temporary's path, must have closed
    /// whatever it opened there when it returns, and may also write to the open descriptor.
    @discardableResult
    public static func replace<T>(_ url: URL, _ produce: (Temporary) throws -> T) throws -> T {
        let temporary = try Temporary(beside: url)
        do {
            let result = try produce(temporary)
            try temporary.commit(to: url)
            return result
        } catch {
            temporary.discard()
            throw error
        }
    }

    /// Removes the temporaries in `folder` left by reportgen processes that no longer run
    /// (killed mid-write); a live process's temporaries are left alone.
    public static func removeStale(in folder: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path(percentEncoded: false)) else { return }
        for name in names where name.hasPrefix(".") && name.hasSuffix(temporarySuffix) {
            guard let pid = owner(of: name), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }

    /// The process id in a temporary's name.
    static func owner(of name: String) -> pid_t? {
        let stem = name.dropLast(temporarySuffix.count)
        guard let dot = stem.lastIndex(of: "."), let dash = stem[dot...].firstIndex(of: "-") else { return nil }
        return pid_t(stem[stem.index(after: dot)..<dash])
    }

    /// A temporary file beside its target, open for writing until committed or discarded.
    public final class Temporary {
        /// The temporary's path, for writers that open it themselves.
        public let url: URL
        /// Open for writing (O_WRONLY); closed by `commit` or `discard`.
        public let descriptor: Int32
        private var open = true
        private var settled = false

        init(beside target: URL) throws {
            let folder = target.deletingLastPathComponent()
            var attempts = 0
            while true {
                var random = SystemRandomNumberGenerator()
                let tag = String(format: "%016llx", random.next() as UInt64)
                let name = ".\(target.lastPathComponent).\(getpid())-\(tag)\(AtomicFile.temporarySuffix)"
                let candidate = folder.appendingPathComponent(name)
                let fd = Glibc.open(candidate.path(percentEncoded: false), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o666)
                if fd >= 0 {
                    (url, descriptor) = (candidate, fd)
                    return
                }
                attempts += 1
                guard errno == EEXIST, attempts < 16 else { throw AtomicFile.failure("create a temporary file for", target) }
            }
        }

        deinit { discard() }

        /// Flushes the temporary (whatever wrote to its path included) and renames it over
        /// `target`; then flushes the folder, so the rename itself survives a crash.
        func commit(to target: URL) throws {
            // A writer that used the path wrote through its own descriptor: open it again to
            // flush what it wrote.
            let path = url.path(percentEncoded: false)
            let reopened = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard reopened >= 0 else { throw AtomicFile.failure("reopen the temporary file for", target) }
            let synced = fsync(reopened) == 0 && fsync(descriptor) == 0
            let flushFailure = synced ? nil : AtomicFile.failure("flush", target)
            close(reopened)
            if let flushFailure { throw flushFailure }
            close(descriptor)
            open = false
            guard rename(path, target.path(percentEncoded: false)) == 0 else {
                throw AtomicFile.failure("rename the temporary file over", target)
            }
            settled = true
            let folder = Glibc.open(target.deletingLastPathComponent().path(percentEncoded: false), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if folder >= 0 {
                _ = fsync(folder)
                close(folder)
            }
        }

        /// Closes and removes the temporary; the target is untouched.
        func discard() {
            if open {
                close(descriptor)
                open = false
            }
            if !settled {
                unlink(url.path(percentEncoded: false))
                settled = true
            }
        }
    }

    static func failure(_ action: String, _ url: URL) -> ReportgenError {
        let reason = String(cString: strerror(errno))
        return ReportgenError(
            .io, "cannot \(action) \(DisplayPath.of(url)): \(reason)",
            hint: "check that the folder is writable and the disk has room; the previous file is left as it was")
    }
}
