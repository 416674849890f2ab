import Foundation
import TestFixtures
import Testing
@testable import Core
@testable import Definition
@testable import Store
@testable import Supervision

/// An experiment is known by its folder's name everywhere, however it is named on the
/// command line; a name read from a file is a plain name before it is used to look for a
/// folder.
@Suite("experiment names", .serialized, .timeLimit(.minutes(5)))
struct ExperimentNameTests {
    static let experiment = "aiohttp-vs-flask"
    static var reference: URL {
        TestPaths.projectRoot.appendingPathComponent("experiments/\(experiment)/baseline/reference.sqlite.xz")
    }

    @Test("a path to the folder, to its definition file, or to a folder that is not here names the experiment by its folder's name")
    func argumentNames() throws {
        let root = TestPaths.projectRoot
        #expect(try ExperimentName.of(argument: nil, projectRoot: root) == DefinitionLoader.defaultExperiment)
        #expect(try ExperimentName.of(argument: Self.experiment, projectRoot: root) == Self.experiment)
        #expect(try ExperimentName.of(argument: root.appendingPathComponent("experiments/\(Self.experiment)").path, projectRoot: root) == Self.experiment)
        #expect(try ExperimentName.of(argument: "experiments/\(Self.experiment)/experiment.toml", projectRoot: root) == Self.experiment)
        #expect(try ExperimentName.of(argument: "/nowhere/at/all/\(Self.experiment)/", projectRoot: root) == Self.experiment)
        let error = try #require(throws: ReportgenError.self) { try ExperimentName.of(argument: "/", projectRoot: root) }
        #expect(error.code == .badArgument)
    }

    @Test("a plain name: not empty, one path component, no control characters, at most 100 characters")
    func plainNames() {
        for bad in ["", ".", "..", "../../etc", "a/b", "a\\b", "a\nb", "a\u{0}b", "a\u{202E}b", String(repeating: "x", count: 101)] {
            #expect(ExperimentName.problem(bad) != nil, "\(bad.quoted)")
        }
        for good in ["aiohttp-vs-flask", "a.b_c", "ünï code", "x..y", String(repeating: "x", count: 100)] {
            #expect(ExperimentName.problem(good) == nil, "\(good.quoted)")
        }
    }

    @Test("render PATH --from FILE renders the runs of the folder's name, whether the folder is a path here, its definition file, or not here at all")
    func renderFromWithPath() async throws {
        let project = try TinyProject()
        defer { project.remove() }
        let elsewhere = project.url("elsewhere/\(Self.experiment)")
        try FileManager.default.createDirectory(at: elsewhere.deletingLastPathComponent(), withIntermediateDirectories: true)
        let source = TestPaths.projectRoot.appendingPathComponent("experiments/\(Self.experiment)")
        try FileManager.default.copyItem(at: source, to: elsewhere)
        for (index, argument) in [elsewhere.path, elsewhere.appendingPathComponent("experiment.toml").path, "/nowhere/\(Self.experiment)"].enumerated() {
            let output = "out\(index)"
            let result = try await project.cli.run(
                ["render", argument, "--from", Self.reference.path, "--output", output, "--format", "hugo"], timeout: .seconds(180))
            #expect(result.code == 0, "\(argument): \(result)")
            #expect(!result.stderr.contains("no complete measured run"), "\(result)")
            #expect(FileManager.default.fileExists(atPath: project.url("\(output)/\(Self.experiment)/index.md").path), "\(argument): \(result)")
        }
    }

    /// The shipped reference (thinned: the name is checked, not the samples), with its
    /// measured run's experiment set to `name`.
    static func hostile(_ name: String, in project: TinyProject) throws -> (file: URL, runID: Int64) {
        let file = project.url("hostile-\(UUID().uuidString.prefix(6)).sqlite")
        try FileManager.default.copyItem(at: try ThinnedReference.file(), to: file)
        let ids = try SQLiteDatabase.withConnection(path: file.path) { database in
            try database.run("UPDATE runs SET experiment = ? WHERE kind = 'measured'", name)
            return try database.rows("SELECT id FROM runs WHERE kind = 'measured'") { $0.int64(at: 0) }
        }
        return (file, try #require(ids.first))
    }

    @Test("a store whose measured run's experiment is not a plain name is refused when rendered (exit 65, naming the file and column), whichever way the run is found", arguments: [
        "../../etc", "/etc", "aiohttp\nvs-flask", "", String(repeating: "x", count: 300),
    ])
    func hostileStoredName(name: String) async throws {
        let project = try TinyProject()
        defer { project.remove() }
        let (file, runID) = try Self.hostile(name, in: project)
        for extra in [[], ["--run", "\(runID)"]] {
            let result = try await project.cli.run(["render", "--from", file.path, "--output", "out"] + extra, timeout: .seconds(120))
            #expect(result.code == 65, "\(extra): \(result)")
            #expect(!result.crashed, "\(result)")
            #expect(result.stderr.contains("is not an experiment name"), "\(result)")
            #expect(result.stderr.contains("runs.experiment") && result.stderr.contains(file.lastPathComponent), "\(result)")
            let written = (try? FileManager.default.contentsOfDirectory(atPath: project.url("out").path)) ?? []
            #expect(written.isEmpty, "nothing rendered: \(written)")
        }
    }

    @Test("a definition whose folder's name is not a plain name is refused by validate (exit 65, naming the folder)", arguments: [
        "bad\nname", String(repeating: "y", count: 120), "tab\there",
    ])
    func invalidDefinitionName(name: String) async throws {
        let project = try TinyProject()
        defer { project.remove() }
        try project.write(name, definition: TinyProject.definition)
        let result = try await project.cli.run(["validate", project.url("experiments/\(name)").path])
        #expect(result.code == 65, "\(result)")
        #expect(!result.crashed, "\(result)")
        #expect(result.stderr.contains("is not an experiment name"), "\(result)")
        let valid = try await project.cli.run(["validate", "tiny"])
        #expect(valid.code == 0, "\(valid)")
    }
}
