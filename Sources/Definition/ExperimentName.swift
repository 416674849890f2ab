import Core
import Foundation

/// An experiment's name: the name of its folder under experiments/, of its output folder
/// and of its runs in a store. A name may come from a stranger's file (a store's
/// `runs.experiment`, an export), and it is used to look for folders, so it must be a plain
/// name before it is used: one path component, no `..`, no control characters.
public enum ExperimentName {
    /// The longest name accepted, in characters: far beyond any real one, well within a
    /// file name's 255 bytes.
    public static let maxLength = 100

    /// What is wrong with `name` as an experiment's name, or nil when it is a plain name.
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name.count > maxLength { return "it is longer than \(maxLength) characters" }
        if name == "." || name == ".." { return "it names a folder relative to another" }
        if name.contains("/") || name.contains("\\") { return "it holds a path separator" }
        let invisible: [Unicode.GeneralCategory] = [.control, .format, .lineSeparator, .paragraphSeparator]
        if name.unicodeScalars.contains(where: { invisible.contains($0.properties.generalCategory) }) {
            return "it holds a control character"
        }
        return nil
    }

    /// `name`, read from `source` (a file: a store, an export, a definition's folder),
    /// checked: a name that is not plain is refused with exit 65, naming where it came from.
    public static func checked(_ name: String, from source: SourceLocation) throws -> String {
        guard let problem = problem(name) else { return name }
        throw ReportgenError(
            .badDefinition, "\(name.quoted) is not an experiment name: \(problem)", at: source,
            hint: "an experiment's name is its folder's name: letters, digits, '-', '_' and '.', at most \(maxLength) characters, no '/'")
    }

    /// The name of the experiment whose definition is `file`: its folder's name.
    static func of(definitionFile file: URL) -> String {
        file.standardizedFileURL.deletingLastPathComponent().lastPathComponent
    }

    /// The name an experiment argument of the command line stands for, the one every
    /// command looks for runs of: nil is the default experiment, a plain name is itself,
    /// and a path (to the folder or to its definition file) is the folder's name, as
    /// `DefinitionLoader.load` names the definition it reads there. A name that is not
    /// plain is refused with exit 64.
    public static func of(argument: String?, projectRoot: URL) throws -> String {
        let name: String
        if let file = try? DefinitionLoader.locate(experiment: argument, projectRoot: projectRoot) {
            name = of(definitionFile: file)
        } else {
            // Not here: the name a folder at that path would have.
            let url = URL(fileURLWithPath: argument ?? DefinitionLoader.defaultExperiment, relativeTo: projectRoot).standardizedFileURL
            name = url.lastPathComponent == DefinitionLoader.fileName ? of(definitionFile: url) : url.lastPathComponent
        }
        if let problem = problem(name) {
            throw ReportgenError(
                .badArgument, "\((argument ?? name).quoted) does not name an experiment: \(problem)",
                hint: "pass an experiment's folder name under experiments/, or a path to its folder")
        }
        return name
    }
}
