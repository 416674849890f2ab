import ArgumentParser
import Core
import Definition
import Foundation
import Report
import Store

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a rendered report against its data: render the run its provenance.json names again and compare every file.",
        discussion: """
            Reads DIR/provenance.json, finds its run (by uid) in --db or in the file given with \
            --from, renders it into a private temporary folder as DIR was rendered, and compares \
            the SHA-256 of every file. Exit 0 when every file matches; 1 when a file differs, is \
            missing or is extra, or the data holds another run (each is listed, with whether the \
            data or the build differs); 65 when provenance.json or the data file is refused. \
            Nothing in DIR or the data is written.
            """)

    @Argument(help: ArgumentHelp("The report's folder (output/EXPERIMENT), with its provenance.json.", valueName: "dir"))
    var folder: String

    @Option(help: ArgumentHelp(
        "The data: a file written by 'reportgen export' (.sqlite or .sqlite.xz) instead of --db; it is only read.",
        valueName: "file"))
    var from: String?

    @OptionGroup var store: StoreOptions

    func run() throws {
        try reportingErrors {
            let report = ProjectFolder.resolve(folder)
            let claimed = try Provenance.read(in: report)
            let outcome: ReportCheck
            if let from {
                outcome = try ResultStore.withSnapshot(of: ProjectFolder.resolve(from), cache: .standard) { snapshot in
                    try check(report, claimed: claimed, against: snapshot.store, shown: from)
                }
            } else {
                let results = try store.openForReading(hint: "pass --db the store that holds the run, or --from the exported file")
                outcome = try check(report, claimed: claimed, against: results, shown: store.db)
            }
            for line in outcome.lines { printSafely(line) }
            guard outcome.matches else { throw exiting(.verificationFailed) }
        }
    }

    /// Renders the claimed run from `results` into a private folder and compares.
    private func check(_ report: URL, claimed: Provenance, against results: ResultStore, shown: String) throws -> ReportCheck {
        guard let run = try results.run(uid: claimed.run.uid) else {
            return try ReportCheck.runMissing(claimed: claimed, in: results, shown: shown)
        }
        var experiment = ExperimentArgument()
        experiment.experiment = claimed.experiment
        var definition = try RenderCommand.definition(for: experiment, runID: run.id, in: results, shown: shown)
        // Counted as the report was rendered (`render --include-unsteady`).
        if claimed.options?.includeUnsteady == true { definition.includeUnsteady = true }
        let scratch = try ScratchFolder(
            in: try PrivateFolder.temporary(purpose: "reports rendered again to check them"), removesEmptyParent: true,
            purpose: "a report rendered again to check it")
        defer { scratch.remove() }
        let format = ReportFormat(rawValue: claimed.format) ?? .standard
        let fresh = try ReportBuilder.render(store: results, runID: run.id, experiment: definition, outputRoot: scratch.url, format: format)
        guard let rendered = fresh.provenance else {
            throw ReportgenError(.io, "the render wrote no provenance", at: SourceLocation(file: DisplayPath.of(report)))
        }
        return try ReportCheck.compare(report, claimed: claimed, rendered: rendered)
    }
}

/// What `verify` found: one line per finding, and whether everything matched.
struct ReportCheck {
    var lines: [String] = []
    var matches = true

    /// The data holds no run with the report's uid: say what it holds instead.
    static func runMissing(claimed: Provenance, in results: ResultStore, shown: String) throws -> ReportCheck {
        var check = ReportCheck(matches: false)
        check.lines.append("data differs: \(shown) holds no run \(claimed.run.uid) (data SHA-256 \(claimed.run.contentSHA256)), the run the report names")
        let others = try results.listRuns().map(\.run).filter { $0.kind == .measured && $0.experiment == claimed.experiment }
        for other in others {
            let digest = try results.digest(ofRun: other.id)
            check.lines.append("  it holds run \(other.uid) of \(claimed.experiment) (data SHA-256 \(digest.hex))")
        }
        check.lines.append("the report was not checked: pass the file or store its run is in")
        return check
    }

    /// Compares the report's folder with a fresh render's provenance.
    static func compare(_ report: URL, claimed: Provenance, rendered: Provenance) throws -> ReportCheck {
        var check = ReportCheck()
        if claimed.run.contentSHA256 != rendered.run.contentSHA256 {
            check.matches = false
            check.lines.append("data differs: the report names data SHA-256 \(claimed.run.contentSHA256); run \(rendered.run.uid) here has \(rendered.run.contentSHA256)")
        }
        if let written = claimed.writeupSHA256, let found = rendered.writeupSHA256, written != found {
            // Not a mismatch by itself: report.md says whether the files differ.
            check.lines.append(
                "write-up differs: the report was rendered from a write-up with SHA-256 \(written.prefix(16))…, this render found \(found.prefix(16))… "
                    + "(experiments/\(claimed.experiment)/report.md where it exists, else the one stored with the run)")
        }
        let here = rendered.tool
        let sameBuild = claimed.tool == here
        var present = Set<String>()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: report.path(percentEncoded: false))) ?? []
        for name in names where name != Provenance.fileName && !name.hasPrefix(".") { present.insert(name) }
        var matched = 0
        for (name, hash) in rendered.files.sorted(by: { $0.key < $1.key }) {
            guard present.contains(name) else {
                check.note("missing: \(name)")
                continue
            }
            let file = report.appendingPathComponent(name)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file.path(percentEncoded: false), isDirectory: &isFolder), !isFolder.boolValue else {
                check.note("differs: \(name) (not a file)")
                continue
            }
            if try SHA256.hex(ofFile: file) == hash {
                matched += 1
            } else {
                check.note("differs: \(name)")
            }
        }
        for name in present.subtracting(rendered.files.keys).sorted() {
            check.note("extra:   \(name)")
        }
        if claimed.files != rendered.files, check.matches {
            check.note("differs: \(Provenance.fileName) lists other hashes than the files have")
        }
        check.lines.append("\(matched) of \(rendered.files.count) files match the run rendered again")
        if !check.matches {
            check.lines.append(
                sameBuild
                    ? "the build is the same as the report's (\(here.summary)): the files were changed after rendering, or rendered from other data or write-up"
                    : "the build differs: the report says \(claimed.tool.summary), this is \(here.summary)")
        }
        return check
    }

    private mutating func note(_ line: String) {
        lines.append(line)
        matches = false
    }
}
