import Core
import Foundation
import Supervision

/// The keys that say how a variant's server starts, beside the list-expandable fields:
/// `server`, `command`, `ready_path` and `ready_timeout`. `[app]` gives the defaults and a
/// `[[variants]]` entry overrides them; each value keeps the section it was written in, so
/// an error points at it.
struct ServerSettings {
    var kind: AppServerKind = .gunicorn
    var kindSection: DefinitionSection?
    var command: [String]?
    var commandSection: DefinitionSection?
    var readyPath: String?
    var readyTimeout: Duration?

    static let commandExample = #"["node", "{dir}/server.js", "--port", "{port}"]"#

    /// These settings with what `section` writes on top.
    func reading(_ section: DefinitionSection) throws -> ServerSettings {
        var result = self
        if section.value("server") != nil {
            result.kind = try section.choice("server", default: AppServerKind.gunicorn)
            result.kindSection = section
        }
        if let command = try section.stringList("command", example: Self.commandExample) {
            result.command = command
            result.commandSection = section
        }
        if let path = try section.string("ready_path") {
            guard path.hasPrefix("/") else {
                throw section.failure(
                    "ready_path", "the path must start with '/', found \(path.quoted)", hint: "write ready_path = \(("/" + path).quoted)")
            }
            result.readyPath = path
        }
        if let timeout = try section.duration("ready_timeout") {
            guard timeout > .zero else {
                throw section.failure("ready_timeout", "must be longer than zero", hint: "e.g. ready_timeout = \"30s\"")
            }
            result.readyTimeout = timeout
        }
        return result
    }

    /// The server of one expanded variant, checked against what it needs: a gunicorn module
    /// whose file is in the experiment folder, or a command that names a program that exists,
    /// uses `{port}` and only placeholders it can fill. `entry` is the variant's own section.
    func server(
        fields: [VariantField: VariantField.Value], environment: [String: String], entry: DefinitionSection,
        app: DefinitionSection, directory: URL, hasLock: Bool, template: String
    ) throws -> AppServerSpec {
        switch kind {
        case .gunicorn:
            if entry.value("command") != nil {
                throw entry.failure(
                    "command", "command is for server = \"command\"; this variant runs gunicorn",
                    hint: "add server = \"command\" to this entry, or remove command")
            }
            guard case .text(let module)? = fields[.module] else {
                throw entry.failure(
                    nil, "variant \(template.quoted) has no module", line: entry.line,
                    hint: "set module in this [[variants]] entry or in [app], e.g. module = \"apps.flask_app:app\"")
            }
            try Self.checkModuleFile(module, directory: directory, in: entry.value("module") != nil ? entry : app)
            return .gunicorn(module: module, workerClass: fields[.workerClass]?.text ?? VariantField.defaultWorkerClass)
        case .command:
            for key in [VariantField.module.rawValue, VariantField.workerClass.rawValue] where entry.value(key) != nil {
                throw entry.failure(
                    key, "\(key) is for gunicorn; this variant runs a command",
                    hint: "remove \(key), or write server = \"gunicorn\"")
            }
            guard let command, let section = commandSection else {
                throw entry.failure(
                    nil, "variant \(template.quoted) runs a command but has no command", line: entry.line,
                    hint: "set command in this [[variants]] entry or in [app], e.g. command = \(Self.commandExample)")
            }
            let commandTemplate = CommandTemplate(arguments: command)
            try Self.checkPlaceholders(
                commandTemplate, environment: environment, hasThreads: fields[.threads] != nil, hasLock: hasLock,
                in: section)
            try Self.checkProgram(command[0], directory: directory, in: section)
            return .command(commandTemplate)
        }
    }

    /// "apps.flask_app:app" must be apps/flask_app.py or apps/flask_app/__init__.py here:
    /// gunicorn imports it with the experiment folder as working directory.
    static func checkModuleFile(_ module: String, directory: URL, in section: DefinitionSection) throws {
        guard DefinitionLoader.checksFiles else { return }
        let parts = module.split(separator: ":").first.map { $0.split(separator: ".").map(String.init) } ?? []
        guard !parts.isEmpty else { return }
        let base = parts.reduce(directory) { $0.appendingPathComponent($1) }
        let candidates = [base.appendingPathExtension("py"), base.appendingPathComponent("__init__.py")]
        guard !candidates.contains(where: { FileManager.default.fileExists(atPath: $0.path) }) else { return }
        throw section.failure(
            "module", "module \(module.quoted) has no file in the experiment folder: looked for \(DisplayPath.of(candidates[0]))",
            hint: "gunicorn imports it with \(DisplayPath.of(directory))/ as working directory; check the module path")
    }

    static func checkPlaceholders(
        _ template: CommandTemplate, environment: [String: String], hasThreads: Bool, hasLock: Bool,
        in section: DefinitionSection
    ) throws {
        let used = template.placeholders(environment: environment)
        for name in used.sorted() {
            guard let placeholder = Placeholder(rawValue: name) else {
                let near = KeySuggestion.nearest(to: name, in: Placeholder.allCases.map(\.rawValue))
                    .map { "did you mean {\($0)}? " } ?? ""
                throw section.failure("command", "unknown placeholder {\(name)}", hint: "\(near)placeholders: \(Placeholder.list)")
            }
            if placeholder == .threads && !hasThreads {
                throw section.failure(
                    "command", "the command uses {threads}, but this variant has no threads",
                    hint: "set threads in the variant or in [app]")
            }
            if placeholder == .python && !hasLock {
                throw section.failure(
                    "command", "the command uses {python}, but the experiment has no Python environment",
                    hint: "add requirements = \"requirements.lock\" under [app]")
            }
        }
        guard used.contains(Placeholder.port.rawValue) else {
            throw section.failure(
                "command", "the command never uses {port}, so the server cannot be told where to listen",
                hint: "pass it, e.g. \"--port\", \"{port}\", or set env = { PORT = \"{port}\" }")
        }
    }

    /// The program must exist: by path (relative to the experiment folder), or on PATH.
    static func checkProgram(_ program: String, directory: URL, in section: DefinitionSection) throws {
        guard DefinitionLoader.checksFiles else { return }
        guard !program.hasPrefix("{\(Placeholder.python.rawValue)}") else { return }
        let path = CommandTemplate.fill(program, [.dir: directory.path])
        if path.contains("/") {
            let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory.appendingPathComponent(path)
            guard FileManager.default.isExecutableFile(atPath: url.path) else {
                throw section.failure(
                    "command", "the program \(program.quoted) is not an executable file: looked for \(DisplayPath.of(url))",
                    hint: "a relative path is read from \(DisplayPath.of(directory))/")
            }
        } else if ToolCheck.find(path) == nil {
            throw section.failure(
                "command", "the program \(program.quoted) is not on PATH",
                hint: "install it (reportgen doctor lists what the shipped experiments need), or give its path")
        }
    }
}
