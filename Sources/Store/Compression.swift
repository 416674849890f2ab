import Core
import Foundation
import Supervision

#if canImport(Glibc)
import Glibc
#endif

/// xz compression of exported results files, through the `xz` program (Debian's xz-utils):
/// an export named `*.xz` is written compressed, and every command that reads an export
/// (import, compare, render --from) unpacks one into its private copy first.
public enum Compression {
    /// Whether `file` is named as an xz file.
    public static func isXZ(_ file: URL) -> Bool {
        file.pathExtension == "xz"
    }

    /// The most an xz file may unpack to: 4 GiB, a hundred times the largest export
    /// reportgen has written (the shipped reference is 37 MB), and never more than half the
    /// free space of the folder it unpacks into, so a few kilobytes of xz cannot fill the
    /// disk. `REPORTGEN_UNPACK_LIMIT` (bytes) sets another, for a larger export or a test.
    public static func unpackLimit(in folder: URL) -> Int64 {
        var limit: Int64 = 4 << 30
        if let text = ProcessInfo.processInfo.environment["REPORTGEN_UNPACK_LIMIT"], let set = Int64(text), set > 0 {
            limit = set
        }
        if let free = (try? FileManager.default.attributesOfFileSystem(forPath: folder.path(percentEncoded: false)))?[.systemFreeSize] as? Int64 {
            limit = min(limit, free / 2)
        }
        return limit
    }

    /// Unpacks the xz file `file` to `destination` (which must not exist); `file` is only read.
    /// The output is watched while xz writes it: past `limit` bytes xz is stopped, the
    /// partial output removed, and the file refused (`.refusedFile`).
    @discardableResult
    public static func unpackXZ(_ file: URL, into destination: URL, limit: Int64? = nil) throws -> URL {
        let location = SourceLocation(file: DisplayPath.of(file))
        let limit = limit ?? unpackLimit(in: destination.deletingLastPathComponent())
        let packed = destination.appendingPathExtension("xz")
        do {
            try FileManager.default.copyItem(at: file, to: packed)
        } catch {
            throw ReportgenError(.io, "cannot copy the compressed file to unpack it", at: location, underlying: error)
        }
        let log = destination.appendingPathExtension("log")
        defer {
            try? FileManager.default.removeItem(at: packed)
            try? FileManager.default.removeItem(at: log)
        }
        let xz = try xzPath(for: file)
        let process = try ChildProcess(
            executable: xz, arguments: ["--decompress", "--quiet", packed.path(percentEncoded: false)],
            environment: ProcessEnvironment.base(path: ProcessEnvironment.inheritedPath), logFile: log)
        let deadline = ContinuousClock.now + .seconds(300)
        var status: ExitStatus?
        while status == nil {
            status = process.waitBlocking(timeout: .milliseconds(20))
            // xz writes `destination` itself, beside the copy it unpacks.
            let written = size(of: destination)
            if written > limit || (status == nil && ContinuousClock.now > deadline) {
                process.stopBlocking(grace: .zero)
                try? FileManager.default.removeItem(at: destination)
                guard written > limit else {
                    throw ReportgenError(.io, "xz took more than 5 minutes to unpack the file", at: location)
                }
                throw ReportgenError(
                    .refusedFile, "unpacks to more than \(limit) bytes, more than any export reportgen writes: refused before it fills the disk",
                    at: location,
                    hint: "pass the .sqlite itself if it is genuine, or set REPORTGEN_UNPACK_LIMIT to a larger number of bytes; the partial copy was removed")
            }
        }
        guard status == .exited(0), FileManager.default.fileExists(atPath: destination.path(percentEncoded: false)) else {
            try? FileManager.default.removeItem(at: destination)
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw ReportgenError(
                .refusedFile, "not an xz file, or a damaged one: \(firstLine(text))",
                at: location,
                hint: "pass a file written by 'reportgen export RUN -o FILE.sqlite.xz', or the .sqlite itself")
        }
        return destination
    }

    private static func size(of file: URL) -> Int64 {
        var info = stat()
        return stat(file.path(percentEncoded: false), &info) == 0 ? Int64(info.st_size) : 0
    }

    /// Compresses `file` in place into `file.xz` (removing `file`) at xz's strongest preset,
    /// on one thread so the output is the same on every machine.
    public static func packXZ(_ file: URL) throws -> URL {
        let result = try runXZ(["--compress", "-9e", "--threads=1", "--quiet", file.path(percentEncoded: false)], on: file, limit: .seconds(600))
        let packed = file.appendingPathExtension("xz")
        guard result.status == .exited(0), FileManager.default.fileExists(atPath: packed.path(percentEncoded: false)) else {
            throw ReportgenError(.io, "xz could not compress the export: \(firstLine(result.text))", at: SourceLocation(file: DisplayPath.of(file)))
        }
        return packed
    }

    private static func runXZ(_ arguments: [String], on file: URL, limit: Duration) throws -> CommandOutput {
        try CommandOutput.run(try xzPath(for: file), arguments, limit: limit)
    }

    private static func xzPath(for file: URL) throws -> String {
        guard let xz = ToolCheck.find("xz") else {
            throw ReportgenError(
                .missingDependency, "xz is needed to read or write compressed results files",
                at: SourceLocation(file: DisplayPath.of(file)), hint: "install with: " + ToolCheck.installCommand(["xz-utils"]))
        }
        return xz
    }

    private static func firstLine(_ text: String) -> String {
        let line = text.split(separator: "\n").first.map(String.init) ?? ""
        return line.isEmpty ? "xz exited with an error" : line
    }
}
