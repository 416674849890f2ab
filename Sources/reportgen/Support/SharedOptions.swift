import ArgumentParser
import Core
import Definition
import Foundation
import Store

/// The experiment a command works on.
struct ExperimentArgument: ParsableArguments {
    @Argument(help: "An experiment folder name under experiments/, or a path. Default: aiohttp-vs-flask.")
    var experiment: String?

    /// Loads and checks the experiment's definition.
    func load() throws -> ExperimentDefinition {
        try DefinitionLoader.load(experiment: experiment, projectRoot: ProjectFolder.root)
    }

    /// The experiment's name, as its runs are stored: a path stands for its folder's name,
    /// whether or not the folder is here (every command looks for runs by this name).
    var name: String {
        get throws { try ExperimentName.of(argument: experiment, projectRoot: ProjectFolder.root) }
    }
}

/// `--db`: the results store a command reads or writes.
struct StoreOptions: ParsableArguments {
    @Option(help: "The results store.")
    var db: String = "output/results.sqlite"

    var url: URL { ProjectFolder.resolve(db) }

    /// The store, created or migrated as needed (commands that write).
    func open() throws -> ResultStore {
        try ResultStore(path: url)
    }

    /// The store, which must already exist (commands that only read runs never create one).
    func openExisting(hint: String) throws -> ResultStore {
        try requireExisting(hint: hint)
        return try ResultStore(path: url)
    }

    /// The existing store, opened read-only: for commands that never write (render). An
    /// unpacked export is read through its checked copy in the cache, as `--from` reads it.
    func openForReading(hint: String) throws -> ResultStore {
        try requireExisting(hint: hint)
        return try ResultStore.openForReading(path: url, cache: .standard)
    }

    private func requireExisting(hint: String) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ReportgenError(.badArgument, "there is no results store at \(db)", hint: hint)
        }
    }
}

/// `--output`: where reports are written.
struct OutputOptions: ParsableArguments {
    @Option(help: "Where reports are written (one folder per experiment).")
    var output: String = "output"

    var url: URL { ProjectFolder.resolve(output) }
}

/// `--summary FILE` of build and compare: writes the Markdown whole and says where.
func writeSummary(_ markdown: String, to path: String) throws {
    let file = ProjectFolder.resolve(path)
    try AtomicFile.write(markdown, to: file)
    printSafely("summary: \(DisplayPath.of(file))")
}

/// The working directory, where experiments/ and output/ are looked for.
enum ProjectFolder {
    static var root: URL { URL(fileURLWithPath: FileManager.default.currentDirectoryPath) }

    static func resolve(_ path: String) -> URL {
        URL(fileURLWithPath: path, relativeTo: root).standardizedFileURL
    }

    /// This reportgen executable, which runs the built-in generator as `reportgen load`.
    static var executable: URL? { Bundle.main.executableURL }
}
