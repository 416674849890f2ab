import Foundation
import Testing
import TestFixtures
@testable import Core
@testable import Supervision

extension RealServers {
/// Outputs are replaced, never rewritten: a render killed with SIGKILL while it writes
/// leaves the previous report.pdf and report.html whole, and the next render clears the
/// temporary it left.
@Suite("outputs are replaced whole", .serialized, .timeLimit(.minutes(10)))
struct AtomicRenderTests {
    static let reference = "experiments/aiohttp-vs-flask/baseline/reference.sqlite.xz"

    /// A PDF without the creation time Cairo stamps on it, which is all two renders of the
    /// same run differ in.
    static func timeless(_ pdf: Data) -> Data {
        var bytes = pdf
        if let stamp = bytes.range(of: Data("/CreationDate (D:".utf8)),
            let close = bytes[stamp.upperBound...].firstIndex(of: UInt8(ascii: ")"))
        {
            bytes.removeSubrange(stamp.upperBound..<close)
        }
        return bytes
    }

    static func temporaries(in folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(AtomicFile.temporarySuffix) }.sorted()
    }

    @Test("AtomicFile keeps the old content and leaves no temporary when the writer throws, and replaces it whole when it returns")
    func keepsOldContentOnError() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("report.pdf")
        try AtomicFile.write("old, whole", to: file)
        struct Interrupted: Error {}
        #expect(throws: Interrupted.self) {
            try AtomicFile.replace(file) { temporary in
                #expect(temporary.url.deletingLastPathComponent().standardizedFileURL.path == folder.standardizedFileURL.path, "the temporary is beside the file")
                _ = "new, half".withCString { Glibc.write(temporary.descriptor, $0, 4) }
                throw Interrupted()
            }
        }
        #expect(try String(contentsOf: file, encoding: .utf8) == "old, whole")
        #expect(try Self.temporaries(in: folder).isEmpty)
        try AtomicFile.write(Data("new, whole".utf8), to: file)
        #expect(try String(contentsOf: file, encoding: .utf8) == "new, whole")
        #expect(try Self.temporaries(in: folder).isEmpty)
        let mask = umask(0o022)
        umask(mask)
        let permissions = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(permissions == 0o666 & ~Int(mask), "permissions as any file written under the umask, not a temporary's 0600")
    }

    @Test("removeStale clears the temporaries of processes that are gone and keeps a running one's")
    func removesStaleTemporaries() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-stale-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let ended = try CommandOutput.run("/bin/sh", ["-c", "echo $$"])
        let gone = try #require(pid_t(ended.text.trimmingCharacters(in: .whitespacesAndNewlines)))
        let stale = ".report.pdf.\(gone)-0123456789abcdef\(AtomicFile.temporarySuffix)"
        let live = ".report.html.\(getpid())-fedcba9876543210\(AtomicFile.temporarySuffix)"
        for name in [stale, live, "report.pdf"] {
            #expect(FileManager.default.createFile(atPath: folder.appendingPathComponent(name).path, contents: Data("x".utf8)))
        }
        AtomicFile.removeStale(in: folder)
        #expect(try Self.temporaries(in: folder) == [live])
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("report.pdf").path))
    }

    @Test("kill -9 of render while it writes leaves report.pdf and report.html whole and identical to the last complete render; the next render removes the temporary")
    func killMidWrite() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-kill-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cli = ReportgenCLI(folder: RealServers.projectRoot, logs: folder.appendingPathComponent("logs"))
        let arguments = ["render", "--from", Self.reference, "--output", folder.appendingPathComponent("out").path]
        let first = try await cli.run(arguments, timeout: .seconds(180))
        try #require(first.code == 0, "\(first)")
        let report = folder.appendingPathComponent("out/aiohttp-vs-flask")
        let pdf = try Data(contentsOf: report.appendingPathComponent("report.pdf"))
        let html = try Data(contentsOf: report.appendingPathComponent("report.html"))
        #expect(String(decoding: pdf.suffix(8), as: UTF8.self).contains("%%EOF"))

        // Kill each attempt the moment a temporary of the named file appears (a render writes
        // report.pdf beside the charts, report.html last); a kill that lands while one is
        // being written is what this is about.
        var landed: [String] = []
        for target in ["report.pdf", "requests.svg", "report.html", "report.pdf"] {
            let started = try cli.start(arguments)
            let deadline = ContinuousClock.now + .seconds(120)
            var seen = false
            while ContinuousClock.now < deadline, started.process.exitStatus == nil {
                let names = (try? Self.temporaries(in: report)) ?? []
                if names.contains(where: { $0.hasPrefix(".\(target).\(started.process.pid)-") }) {
                    kill(started.process.pid, SIGKILL)
                    seen = true
                    break
                }
                try await Task.sleep(for: .milliseconds(2))
            }
            let result = await started.finish(within: .seconds(60))
            if seen, case .signalled(SIGKILL) = result.status { landed.append(target) }
            // Whole: the last complete render's, or (killed after its rename) this render's.
            #expect(Self.timeless(try Data(contentsOf: report.appendingPathComponent("report.pdf"))) == Self.timeless(pdf), "report.pdf after killing at \(target)")
            #expect(try Data(contentsOf: report.appendingPathComponent("report.html")) == html, "report.html after killing at \(target)")
            let left = try Self.temporaries(in: report)
            #expect(left.allSatisfy { $0.contains(".\(started.process.pid)-") }, "only the killed render's temporaries are left: \(left); the render at \(target): \(result)")
        }
        print("render killed while writing: \(landed) of 4 attempts")
        #expect(landed.contains("report.pdf"), "at least one kill landed while report.pdf was being written: \(landed)")

        let last = try await cli.run(arguments, timeout: .seconds(180))
        try #require(last.code == 0, "\(last)")
        #expect(try Self.temporaries(in: report).isEmpty, "the next render removed the killed one's temporaries")
        #expect(Self.timeless(try Data(contentsOf: report.appendingPathComponent("report.pdf"))) == Self.timeless(pdf))
        #expect(try Data(contentsOf: report.appendingPathComponent("report.html")) == html)
    }
}
}
