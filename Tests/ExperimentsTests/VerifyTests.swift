import Foundation
import TestFixtures
import Testing
@testable import Core
import Report
@testable import Store

extension RealServers {
    /// Reproducible to the byte: a render of one run is the same files at any time, from any
    /// folder, and `verify` checks a report's folder against its data.
    @Suite("reproducible reports: the same bytes from the same data, and verify", .serialized, .timeLimit(.minutes(10)))
    struct VerifyTests {
        static let reference = ShippedExampleTests.reference
        static let experiment = ShippedExampleTests.experiment

        /// A scratch folder with the CLI started in `cwd` (the project root by default).
        struct Bench {
            let folder: URL
            func cli(in cwd: URL? = nil) -> ReportgenCLI {
                ReportgenCLI(folder: cwd ?? RealServers.projectRoot, logs: folder.appendingPathComponent("logs"))
            }
            var referencePath: String { RealServers.projectRoot.appendingPathComponent(VerifyTests.reference).path }

            /// Renders `data` (the reference unless told) into `name`/EXPERIMENT; returns that folder.
            func render(into name: String, from data: String? = nil, cwd: URL? = nil, experimentPath: Bool = false) async throws -> URL {
                let output = folder.appendingPathComponent(name)
                var arguments = ["render"]
                if experimentPath {
                    arguments.append(RealServers.projectRoot.appendingPathComponent("experiments/\(VerifyTests.experiment)").path)
                }
                arguments += ["--from", data ?? referencePath, "--output", output.path]
                let result = try await cli(in: cwd).run(arguments, timeout: .seconds(180))
                try #require(result.code == 0, "\(result)")
                return output.appendingPathComponent(VerifyTests.experiment)
            }

            func verify(_ report: URL, from data: String? = nil, cwd: URL? = nil) async throws -> CLIResult {
                try await cli(in: cwd).run(["verify", report.path, "--from", data ?? referencePath], timeout: .seconds(180))
            }
        }

        static func with(_ body: (Bench) async throws -> Void) async throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-verify-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            try await body(Bench(folder: folder))
        }

        static func files(in folder: URL) throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        }

        @Test("two renders of the shipped reference, seconds apart and from two working folders, are the same bytes in every file, PDFs and PNGs included; provenance.json lists them all")
        func sameBytes() async throws {
            try await Self.with { bench in
                let first = try await bench.render(into: "first")
                // The PDFs' dates are to the second: a clock would show.
                try await Task.sleep(for: .milliseconds(1_100))
                let elsewhere = bench.folder.appendingPathComponent("elsewhere")
                try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
                let second = try await bench.render(into: "second", cwd: elsewhere, experimentPath: true)

                let names = try Self.files(in: first)
                #expect(names == (try Self.files(in: second)))
                #expect(names.filter { $0.hasSuffix(".pdf") }.count >= 6 && names.filter { $0.hasSuffix(".png") }.count >= 5, "\(names)")
                for name in names {
                    let same = try Data(contentsOf: first.appendingPathComponent(name)) == Data(contentsOf: second.appendingPathComponent(name))
                    #expect(same, "\(name) differs between two renders of the same run")
                }
                let provenance = try Provenance.read(in: first)
                #expect(Set(provenance.files.keys) == Set(names).subtracting([Provenance.fileName]))
                #expect(provenance.run.date == "2026-12-04T19:00:04Z", "the run's end, not the clock: \(provenance.run.date)")
                let footer = try String(contentsOf: first.appendingPathComponent("report.md"), encoding: .utf8)
                #expect(footer.contains("run `\(provenance.run.uid)` (data SHA-256 `\(provenance.run.contentSHA256)`)"))
            }
        }

        @Test("verify passes the committed example against the shipped reference, every file, from the project and from a folder without it; the reference is only read")
        func committedExample() async throws {
            try await Self.with { bench in
                let file = RealServers.projectRoot.appendingPathComponent(Self.reference)
                let before = try Data(contentsOf: file)
                let committed = ShippedExampleTests.committed
                let count = try Self.files(in: committed).filter { $0 != Provenance.fileName }.count
                let here = try await bench.verify(committed)
                #expect(here.code == 0, "examples/\(Self.experiment) does not match \(Self.reference): render it again with 'reportgen render --from \(Self.reference) --output examples'\n\(here)")
                #expect(here.stdout.contains("\(count) of \(count) files match"), "\(here)")
                let away = bench.folder.appendingPathComponent("away")
                try FileManager.default.createDirectory(at: away, withIntermediateDirectories: true)
                let elsewhere = try await bench.verify(committed, cwd: away)
                #expect(elsewhere.code == 0, "\(elsewhere)")
                // The export unpacked and read in place: no sample index, no packed latency, the
                // rows read directly; the same data hash and the same files.
                let unpacked = bench.folder.appendingPathComponent("reference.sqlite")
                try Compression.unpackXZ(file, into: unpacked)
                let inPlace = try await bench.cli().run(["verify", committed.path, "--db", unpacked.path], timeout: .seconds(180))
                #expect(inPlace.code == 0 && inPlace.stdout.contains("\(count) of \(count) files match"), "\(inPlace)")
                #expect(try Data(contentsOf: file) == before, "the shipped file is only read")
            }
        }

        @Test("every committed example carries provenance.json and verifies against the export shipped in its experiment's baseline/", arguments: [
            "aiohttp-vs-flask", "aiohttp-vs-flask-open-loop", "any-server", "io-wait",
        ])
        func everyExample(name: String) async throws {
            try await Self.with { bench in
                let example = RealServers.projectRoot.appendingPathComponent("examples/\(name)")
                let data = RealServers.projectRoot.appendingPathComponent("experiments/\(name)/baseline/reference.sqlite.xz")
                try #require(FileManager.default.fileExists(atPath: data.path), "experiments/\(name)/baseline/reference.sqlite.xz is shipped")
                let provenance = try Provenance.read(in: example)
                #expect(provenance.experiment == name)
                let count = try Self.files(in: example).filter { $0 != Provenance.fileName }.count
                #expect(provenance.files.count == count, "provenance.json lists every file of examples/\(name)")
                let result = try await bench.verify(example, from: data.path)
                #expect(result.code == 0, "examples/\(name) does not match its data: render it again with 'reportgen render --from experiments/\(name)/baseline/reference.sqlite.xz --output examples'\n\(result)")
                #expect(result.stdout.contains("\(count) of \(count) files match"), "\(result)")
            }
        }

        @Test("a report rendered from another write-up than verify finds: report.md differs and verify says the write-up does, not the data")
        func otherWriteup() async throws {
            try await Self.with { bench in
                // A project of its own whose write-up has one more sentence.
                let project = bench.folder.appendingPathComponent("project")
                let folder = project.appendingPathComponent("experiments/\(Self.experiment)")
                try FileManager.default.createDirectory(at: folder.deletingLastPathComponent(), withIntermediateDirectories: true)
                try FileManager.default.copyItem(
                    at: RealServers.projectRoot.appendingPathComponent("experiments/\(Self.experiment)"), to: folder)
                let writeup = folder.appendingPathComponent("report.md")
                try (try String(contentsOf: writeup, encoding: .utf8) + "\nOne more sentence.\n").write(to: writeup, atomically: true, encoding: .utf8)
                let report = try await bench.render(into: "edited", cwd: project)
                let edited = try Provenance.read(in: report)
                let committed = try Provenance.read(in: ShippedExampleTests.committed)
                #expect(edited.writeupSHA256 != nil && edited.writeupSHA256 != committed.writeupSHA256)
                #expect(edited.run.contentSHA256 == committed.run.contentSHA256, "the same data")
                let result = try await bench.verify(report)
                #expect(result.code == 1, "\(result)")
                #expect(result.stdout.contains("write-up differs: the report was rendered from a write-up with SHA-256 \(edited.writeupSHA256?.prefix(16) ?? "?")…"), "\(result)")
                #expect(result.stdout.contains("differs: report.md") && !result.stdout.contains("data differs"), "\(result)")
            }
        }

        @Test("a report rendered with --include-unsteady says so in provenance.json, and verify renders it again the same way")
        func includeUnsteady() async throws {
            try await Self.with { bench in
                let output = bench.folder.appendingPathComponent("counted")
                let result = try await bench.cli().run(
                    ["render", "--from", bench.referencePath, "--include-unsteady", "--output", output.path], timeout: .seconds(180))
                try #require(result.code == 0, "\(result)")
                let counted = output.appendingPathComponent(Self.experiment)
                let provenance = try Provenance.read(in: counted)
                #expect(provenance.options == Provenance.Options(includeUnsteady: true))
                #expect(try Provenance.read(in: ShippedExampleTests.committed).options == nil, "a plain render records no option")
                // The reference holds unsteady trials: counting them changes the report.
                let plain = try String(contentsOf: ShippedExampleTests.committed.appendingPathComponent("report.md"), encoding: .utf8)
                let withThem = try String(contentsOf: counted.appendingPathComponent("report.md"), encoding: .utf8)
                #expect(plain.contains("(+") && plain != withThem, "the reference's unsteady trials are left out of the plain render")
                let checked = try await bench.verify(counted)
                #expect(checked.code == 0, "\(checked)")
            }
        }

        @Test("verify names a changed byte of report.md, a changed pixel of a PNG, a removed and an added file (exit 1); and another run, or the same run with other data, by its data hash")
        func mismatches() async throws {
            try await Self.with { bench in
                let report = try await bench.render(into: "out")
                let clean = try await bench.verify(report)
                #expect(clean.code == 0, "\(clean)")

                let markdown = report.appendingPathComponent("report.md")
                var bytes = try Data(contentsOf: markdown)
                bytes[bytes.count / 2] ^= 0x01
                try bytes.write(to: markdown)
                let png = report.appendingPathComponent("requests.png")
                let image = try CairoSurface.png(png)
                let context = try CairoContext(image)
                context.setColor(Color(1, 0, 0))
                context.rectangle(10, 10, 1, 1)
                context.fill()
                try image.writePNG(png)
                try FileManager.default.removeItem(at: report.appendingPathComponent("memory.svg"))
                try Data("mine".utf8).write(to: report.appendingPathComponent("notes.txt"))

                let changed = try await bench.verify(report)
                #expect(changed.code == 1, "\(changed)")
                for line in ["differs: report.md", "differs: requests.png", "missing: memory.svg", "extra:   notes.txt"] {
                    #expect(changed.stdout.contains(line), "\(line)\n\(changed)")
                }
                #expect(!changed.stdout.contains("differs: report.html"), "\(changed)")
                #expect(changed.stdout.contains("the build is the same as the report's"), "\(changed)")

                // The same run (uid) with fewer samples: the data hash differs.
                let thinned = try ThinnedReference.file()
                let fresh = try await bench.render(into: "fresh")
                let claimed = try Provenance.read(in: fresh)
                let other = try await bench.verify(fresh, from: thinned.path)
                #expect(other.code == 1, "\(other)")
                #expect(other.stdout.contains("data differs: the report names data SHA-256 \(claimed.run.contentSHA256)"), "\(other)")

                // Another run of the experiment: named with its own data hash.
                let renamed = bench.folder.appendingPathComponent("renamed.sqlite")
                try FileManager.default.copyItem(at: thinned, to: renamed)
                try SQLiteDatabase.withConnection(path: renamed.path) {
                    try $0.execute("UPDATE runs SET uid = 'another-run-0001' WHERE kind = 'measured'")
                }
                let another = try await bench.verify(fresh, from: renamed.path)
                #expect(another.code == 1, "\(another)")
                #expect(another.stdout.contains("holds no run \(claimed.run.uid) (data SHA-256 \(claimed.run.contentSHA256))"), "\(another)")
                #expect(another.stdout.contains("it holds run another-run-0001 of \(Self.experiment) (data SHA-256 "), "\(another)")
            }
        }

        @Test("a hostile provenance.json is refused with 65 naming the key; a folder without one says how a report gets one", arguments: [
            ("not JSON", "{", nil),
            ("a path out of the folder", #"{"files":{"../../etc/passwd":"#, "files"),
            ("a hash that is not hex", #""report.md":"zz"#, "files.report.md"),
            ("a huge file", String(repeating: " ", count: 2 << 20), nil),
        ] as [(String, String, String?)])
        func hostileProvenance(name: String, payload: String, key: String?) async throws {
            try await Self.with { bench in
                let report = try await bench.render(into: "out", from: try ThinnedReference.file().path)
                let file = report.appendingPathComponent(Provenance.fileName)
                var text = try String(contentsOf: file, encoding: .utf8)
                switch name {
                case "a path out of the folder":
                    text = text.replacingOccurrences(of: #""files" : {"#, with: #""files" : {"../../etc/passwd" : "\#(String(repeating: "a", count: 64))","#)
                case "a hash that is not hex":
                    let hash = try #require(Provenance.read(in: report).files["report.md"])
                    text = text.replacingOccurrences(of: hash, with: "zz")
                case "a huge file":
                    text += payload
                default:
                    text = payload
                }
                try text.write(to: file, atomically: true, encoding: .utf8)
                let result = try await bench.verify(report, from: try ThinnedReference.file().path)
                #expect(result.code == 65, "\(name): \(result)")
                #expect(result.stderr.contains("provenance.json"), "\(name): \(result)")
                if let key { #expect(result.stderr.contains(key), "\(name): \(result)") }
                #expect(!result.crashed, "\(result)")

                try FileManager.default.removeItem(at: file)
                let missing = try await bench.verify(report, from: try ThinnedReference.file().path)
                #expect(missing.code == 64 && missing.stderr.contains("a render writes provenance.json"), "\(missing)")
            }
        }
    }
}
