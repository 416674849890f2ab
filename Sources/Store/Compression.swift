import Core
import Foundation
import Supervision

/// xz compression of exported results files, through the `xz` program (Debian's xz-utils):
/// an export named `*.xz` is written compressed, and every command that reads an export
/// (import, compare, render --from) unpacks one into its private copy first.
public enum Compression {
    /// Whether `file` is named as an xz file.
    public static func isXZ(_ file: URL) -> Bool {
        file.pathExtension == "xz"
    }

    /// Unpacks the xz file `file` to `destination` (which must not exist); `file` is only read.
    @discardableResult
    public static func unpackXZ(_ file: URL, into destination: URL) throws -> URL {
        let packed = destination.appendingPathExtension("xz")
        do {
            try FileManager.default.copyItem(at: file, to: packed)
        } catch {
            throw ReportgenError(.io, "cannot copy the compressed file to unpack it", at: SourceLocation(file: DisplayPath.of(file)), underlying: error)
        }
        defer { try? FileManager.default.removeItem(at: packed) }
        let result = try runXZ(["--decompress", "--quiet", packed.path(percentEncoded: false)], on: file, limit: .seconds(300))
        guard result.status == .exited(0), FileManager.default.fileExists(atPath: destination.path(percentEncoded: false)) else {
            throw ReportgenError(
                .badStore, "not an xz file, or a damaged one: \(firstLine(result.text))",
                at: SourceLocation(file: DisplayPath.of(file)),
                hint: "pass a file written by 'reportgen export RUN -o FILE.sqlite.xz', or the .sqlite itself")
        }
        return destination
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
        guard let xz = ToolCheck.find("xz") else {
            throw ReportgenError(
                .missingDependency, "xz is needed to read or write compressed results files",
                at: SourceLocation(file: DisplayPath.of(file)), hint: "install with: " + ToolCheck.installCommand(["xz-utils"]))
        }
        return try CommandOutput.run(xz, arguments, limit: limit)
    }

    private static func firstLine(_ text: String) -> String {
        let line = text.split(separator: "\n").first.map(String.init) ?? ""
        return line.isEmpty ? "xz exited with an error" : line
    }
}
