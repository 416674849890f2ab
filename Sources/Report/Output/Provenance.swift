import CCairo
import Core
import Definition
import Foundation

/// `provenance.json` beside a report: which data and which build made it, and the SHA-256 of
/// every file it wrote, so that anyone holding the data can check the report with
/// `reportgen verify`. It holds no time, no path and nothing of the machine that rendered:
/// the same run rendered by the same build writes the same bytes here too.
public struct Provenance: Codable, Sendable, Equatable {
    public static let fileName = "provenance.json"
    /// This layout's version; a reader refuses others.
    public static let layoutVersion = 1

    public struct Tool: Codable, Sendable, Equatable {
        public var name = "reportgen"
        public var version: String
        /// See `ToolBuild.commit`.
        public var commit: String?
        /// The libraries that draw every chart and page (their versions change the pixels
        /// and the outlines of the text): Cairo and Pango, as linked.
        public var cairo: String
        public var pango: String

        /// This reportgen, as it runs.
        public static var current: Tool {
            Tool(
                version: ToolBuild.version, commit: ToolBuild.commit,
                cairo: String(cString: cairo_version_string()), pango: String(cString: pango_version_string()))
        }

        /// One line for a person: "reportgen 0.1.0 (commit …), Cairo 1.16.0, Pango 1.50.12".
        public var summary: String {
            "reportgen \(version)" + (commit.map { " (commit \($0))" } ?? "") + ", Cairo \(cairo), Pango \(pango)"
        }
    }

    public struct Run: Codable, Sendable, Equatable {
        /// `runs.uid`: the run in any store that holds it.
        public var uid: String
        /// The run's content digest (`RunDigest`: what import compares), hex SHA-256.
        public var contentSHA256: String
        /// When it ended (or began, unfinished), ISO 8601: the date its PDFs carry.
        public var date: String

        enum CodingKeys: String, CodingKey {
            case uid, date
            case contentSHA256 = "content_sha256"
        }
    }

    /// How the render was asked to count what the data holds, where that changes the files:
    /// absent when it rendered as the run's own definition says.
    public struct Options: Codable, Sendable, Equatable {
        /// `render --include-unsteady`: trials that did not hold steady were counted.
        public var includeUnsteady: Bool

        public init(includeUnsteady: Bool) {
            self.includeUnsteady = includeUnsteady
        }

        enum CodingKeys: String, CodingKey {
            case includeUnsteady = "include_unsteady"
        }
    }

    public var provenance = Provenance.layoutVersion
    public var tool: Tool
    public var experiment: String
    /// The report's format (`render --format`).
    public var format: String
    /// `runs.definition_hash`: SHA-256 of the definition's text and the run's overrides.
    public var definitionHash: String
    public var run: Run
    /// Each file written, by its name in the report's folder, with its hex SHA-256.
    public var files: [String: String]
    /// Nil (no key in the file) for a render as the run's definition says.
    public var options: Options? = nil
    /// The SHA-256 of the write-up the report was rendered from, as its author wrote it (the
    /// experiment folder's report.md, the one stored with the run, or the default one), so
    /// `verify` can tell a changed write-up from changed data. Nil in files written before.
    public var writeupSHA256: String? = nil

    enum CodingKeys: String, CodingKey {
        case provenance, tool, experiment, format, run, files, options
        case definitionHash = "definition_hash"
        case writeupSHA256 = "writeup_sha256"
    }

    /// The JSON text: sorted keys, two-space indents, a final newline.
    public func text() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// The SHA-256 of each of `names` in `folder`.
    public static func hashes(of names: [String], in folder: URL) throws -> [String: String] {
        var hashes: [String: String] = [:]
        for name in names {
            hashes[name] = try SHA256.hex(ofFile: folder.appendingPathComponent(name))
        }
        return hashes
    }
}

extension Provenance {
    /// The largest provenance.json read: a report has a few dozen files.
    static let maximumBytes = 1 << 20

    /// Reads `folder`'s provenance.json, which may come from anyone: its size, layout, every
    /// hash and every file name are checked before anything is done with them. A bad file is
    /// `.refusedFile` (65), naming the key; a missing one says how a report gets one.
    public static func read(in folder: URL) throws -> Provenance {
        let file = folder.appendingPathComponent(fileName)
        let location = SourceLocation(file: DisplayPath.of(file))
        guard let handle = FileHandle(forReadingAtPath: file.path(percentEncoded: false)) else {
            throw ReportgenError(
                .badArgument, "there is no \(fileName) here", at: location,
                hint: "pass the folder of a report rendered by reportgen (output/EXPERIMENT); a render writes \(fileName) beside report.md")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: maximumBytes + 1) ?? Data()
        } catch {
            throw ReportgenError(.io, "cannot read \(fileName)", at: location, underlying: error)
        }
        func refuse(_ message: String, key: String? = nil) -> ReportgenError {
            ReportgenError(
                .refusedFile, message, at: SourceLocation(file: DisplayPath.of(file), keyPath: key),
                hint: "the file was changed outside reportgen or is not a report's provenance; render the report again to write a new one")
        }
        guard data.count <= maximumBytes else { throw refuse("the file is larger than \(maximumBytes) bytes") }
        let provenance: Provenance
        do {
            provenance = try JSONDecoder().decode(Provenance.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw refuse("the key '\(key.stringValue)' is missing", key: path(context.codingPath))
        } catch let DecodingError.typeMismatch(_, context) {
            throw refuse("a value has the wrong type", key: path(context.codingPath))
        } catch let DecodingError.valueNotFound(_, context) {
            throw refuse("a value is null where a value is needed", key: path(context.codingPath))
        } catch {
            throw refuse("not a JSON object reportgen writes: \(error.localizedDescription)")
        }
        guard provenance.provenance == layoutVersion else {
            throw refuse("layout \(provenance.provenance), where this reportgen reads layout \(layoutVersion)", key: "provenance")
        }
        var hashes = [("run.content_sha256", provenance.run.contentSHA256), ("definition_hash", provenance.definitionHash)]
        if let writeup = provenance.writeupSHA256 { hashes.append(("writeup_sha256", writeup)) }
        for (key, value) in hashes {
            guard isHex(value) else { throw refuse("'\(value.prefix(80))' is not a hex SHA-256", key: key) }
        }
        guard !provenance.files.isEmpty, provenance.files.count <= 1000 else {
            throw refuse("it lists \(provenance.files.count) files, where a report has 1 to 1,000", key: "files")
        }
        for (name, hash) in provenance.files.sorted(by: { $0.key < $1.key }) {
            guard isPlainFileName(name) else { throw refuse("'\(name.prefix(80))' is not a plain file name of the report's folder", key: "files") }
            guard isHex(hash) else { throw refuse("'\(hash.prefix(80))' is not a hex SHA-256", key: "files.\(name)") }
        }
        guard isPlainUID(provenance.run.uid) else { throw refuse("'\(provenance.run.uid.prefix(80))' is not a run's uid", key: "run.uid") }
        if let problem = ExperimentName.problem(provenance.experiment) {
            throw refuse("'\(provenance.experiment.prefix(80))' is not an experiment's name: \(problem)", key: "experiment")
        }
        guard ReportFormat(rawValue: provenance.format) != nil else {
            throw refuse("'\(provenance.format.prefix(80))' is not a report format (\(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")))", key: "format")
        }
        return provenance
    }

    /// What reportgen writes as a uid: letters, digits and `-`, at most 100 of them.
    static func isPlainUID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 100
            && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) || (0x41...0x5A).contains($0) || $0 == 0x2D }
    }

    static func isHex(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// A name in one folder: no separator, no `..`, not hidden, no control character.
    static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 255 && !name.hasPrefix(".") && name != fileName
            && !name.unicodeScalars.contains { $0 == "/" || $0 == "\\" || $0.properties.generalCategory == .control }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map(\.stringValue).joined(separator: ".")
    }
}
