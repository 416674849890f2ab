import Core
import Foundation
import TOML

/// Finds, reads and validates an experiment's `experiment.toml` into an `ExperimentDefinition`.
public enum DefinitionLoader {
    /// The experiment used when none is named: the seed blog post's.
    public static let defaultExperiment = "aiohttp-vs-flask"
    /// The definition file every experiment folder holds.
    public static let fileName = "experiment.toml"

    /// Whether parsing checks that the files a definition names exist (folders, the lock,
    /// app modules, programs). Off only to read a stored run's definition away from its
    /// experiment folder, where none of them need to exist to render it.
    @TaskLocal static var checksFiles = true

    /// A stored run's definition `text`, read as if it were experiments/`name`/ under
    /// `projectRoot`, without checking that the files it names exist there. `name` comes
    /// from a store (`source` says where): it must be a plain name.
    public static func stored(
        text: String, name: String, projectRoot: URL, source: SourceLocation = SourceLocation(file: "the store", keyPath: "runs.experiment")
    ) throws -> ExperimentDefinition {
        let name = try ExperimentName.checked(name, from: source)
        return try stored(
            text: text,
            file: projectRoot.appendingPathComponent("experiments").appendingPathComponent(name).appendingPathComponent(fileName))
    }

    /// A stored run's definition `text` as if read from `file`, without checking that the
    /// files it names exist: a report describes what was measured, wherever it is rendered.
    public static func stored(text: String, file: URL) throws -> ExperimentDefinition {
        try $checksFiles.withValue(false) { try parse(text: text, file: file) }
    }

    /// Loads `experiment`: a folder name under `<projectRoot>/experiments/`, a path to a folder,
    /// or a path to its definition file; nil means `defaultExperiment`.
    public static func load(experiment: String?, projectRoot: URL) throws -> ExperimentDefinition {
        let file = try locate(experiment: experiment, projectRoot: projectRoot)
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw ReportgenError(.io, "cannot read \(DisplayPath.of(file))", underlying: error)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ReportgenError(
                .badDefinition, "the file is not UTF-8 text",
                at: SourceLocation(file: DisplayPath.of(file)), hint: "save it as UTF-8")
        }
        return try parse(text: text, file: file)
    }

    /// Parses and validates definition text; paths in it are resolved against `file`'s folder,
    /// which names the experiment.
    public static func parse(text: String, file: URL) throws -> ExperimentDefinition {
        let file = file.standardizedFileURL
        let directory = file.deletingLastPathComponent()
        let display = DisplayPath.of(file)
        let name = try ExperimentName.checked(ExperimentName.of(definitionFile: file), from: SourceLocation(file: DisplayPath.of(directory)))
        let top = DefinitionSection(
            table: try TOMLParser.parse(text, file: display), path: "", file: display, line: nil,
            header: "the top level")
        try top.rejectUnknownKeys(allowed: DefinitionSchema.topLevel)

        let title = try top.requiredString("title", example: "\"Aiohttp vs Flask\"")
        guard !title.trimmingSpaces.isEmpty else {
            throw top.failure("title", "the title must not be empty")
        }
        var sources: [Setting: SettingSource] = [:]
        let (trials, precision) = try readTrials(top)
        for setting in [Setting.trials, .precision, .maxTrials, .timeBudget] {
            sources[setting] = top.source(setting.keyPath)
        }
        var sweeps: [Sweep] = []
        let upstream = try readUpstream(top, directory: directory, sweeps: &sweeps)
        let (app, defaults) = try readApp(top, directory: directory, sweeps: &sweeps)
        let load = try readLoad(top, sources: &sources, sweeps: &sweeps)
        // The list written first varies slowest.
        sweeps.sort { ($0.line ?? 0) < ($1.line ?? 0) }
        try SweepReader.check(sweeps, file: display)
        let variants = try VariantExpansion.expand(top, defaults: defaults)
        try rejectVariantWorkers(top, sweeps: sweeps, file: display)
        if app.requirements == nil, let python = variants.first(where: \.needsPython) {
            throw defaults.app.failure(
                "requirements", "missing required key: variant '\(python.name)' runs Python (gunicorn or {python})",
                hint: "add requirements = \"requirements.lock\" under [app], a lock of every package pinned")
        }
        let placement = try PlacementReader.read(top, generator: load.generator)
        var definition = ExperimentDefinition(
            name: name, directory: directory, file: file, text: text,
            title: title, trials: trials, precision: precision, upstream: upstream, app: app, load: load,
            variants: variants, sweeps: sweeps, sources: sources, placement: placement)
        definition.includeUnsteady = try top.bool("include_unsteady") ?? false
        try DefinitionRules.check(definition)
        return definition
    }

    /// Names of the experiments under `<projectRoot>/experiments/` (folders holding
    /// `experiment.toml`), sorted.
    public static func availableExperiments(projectRoot: URL) -> [String] {
        let folder = projectRoot.appendingPathComponent("experiments")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { name in
            isFile(folder.appendingPathComponent(name).appendingPathComponent(fileName))
        }.sorted()
    }

    /// The definition file `experiment` names: experiments/`experiment`/ under `projectRoot`,
    /// or a path to a folder or to its definition file; nil is `defaultExperiment`.
    static func locate(experiment: String?, projectRoot: URL) throws -> URL {
        let name = experiment ?? defaultExperiment
        var candidates: [URL] = []
        if !name.isEmpty, !name.contains("/"), name != ".", name != ".." {
            candidates.append(projectRoot.appendingPathComponent("experiments").appendingPathComponent(name))
        }
        if !name.isEmpty { candidates.append(URL(fileURLWithPath: name)) }
        for candidate in candidates {
            if isDirectory(candidate) {
                let file = candidate.appendingPathComponent(fileName)
                guard isFile(file) else {
                    throw ReportgenError(
                        .badArgument, "\(DisplayPath.of(candidate))/ has no \(fileName)",
                        hint: "an experiment is a folder holding \(fileName)")
                }
                return file.standardizedFileURL
            }
            if isFile(candidate) { return candidate.standardizedFileURL }
        }
        let available = availableExperiments(projectRoot: projectRoot)
        let folder = DisplayPath.of(projectRoot.appendingPathComponent("experiments"))
        let hint: String
        if available.isEmpty {
            hint = "no experiments found in \(folder)/"
        } else {
            let near = KeySuggestion.nearest(to: name, in: available).map { "did you mean '\($0)'? " } ?? ""
            hint = "\(near)available experiments: " + available.joined(separator: ", ")
        }
        throw ReportgenError(.badArgument, "no experiment '\(name)'", hint: hint)
    }

    /// `trials = N`, or `trials = "auto"` with the optional `precision`, `max_trials` and
    /// `time_budget` (a `precision` alone also asks for it).
    private static func readTrials(_ top: DefinitionSection) throws -> (Int, PrecisionTarget?) {
        var auto = false
        var trials = 3
        if let value = top.value("trials"), case .string(let text) = value.kind {
            guard text == "auto" else {
                throw top.failure("trials", "\(text.quoted) is not a number of trials", hint: "write trials = 3, or trials = \"auto\" to add trials until the answer is clear")
            }
            auto = true
        } else if let fixed = try top.integer("trials") {
            trials = fixed
        }
        let target = try top.percentage("precision", example: "\"5%\"")
        let maxTrials = try top.integer("max_trials")
        let budget = try top.duration("time_budget")
        guard auto || target != nil else {
            for key in ["max_trials", "time_budget"] where top.value(key) != nil {
                throw top.failure(key, "\(key) applies only when trials are added until the answer is clear", hint: "add trials = \"auto\" (or precision = \"5%\"), or remove \(key)")
            }
            return (trials, nil)
        }
        if auto { trials = PrecisionTarget.minimumTrials }
        return (trials, PrecisionTarget(
            target: target ?? PrecisionTarget.defaultTarget, maxTrials: maxTrials ?? PrecisionTarget.defaultMaxTrials,
            timeBudget: budget))
    }

    private static func readUpstream(
        _ top: DefinitionSection, directory: URL, sweeps: inout [Sweep]
    ) throws -> UpstreamSettings {
        let section = try top.requiredSection(
            "upstream", header: "[upstream]", example: "[upstream]\nroot = \"upstream\"")
        try section.rejectUnknownKeys(allowed: DefinitionSchema.upstream)
        try SweepReader.rejectOtherLists(in: section, sweepable: ["delay"])
        var delay = Duration.zero
        if let sweep = try SweepReader.read("delay", .delay, in: section) {
            sweeps.append(sweep)
            delay = sweep.levels[0].duration
        } else if let fixed = try section.duration("delay") {
            try SweepReader.checkDelay(fixed, key: "delay", line: section.value("delay")?.line, in: section)
            delay = fixed
        }
        return UpstreamSettings(
            server: try section.choice("server", allowed: ["nginx"], default: "nginx"),
            root: try section.existingPath("root", relativeTo: directory, folder: true, example: "\"upstream\""),
            workers: try section.integer("workers", in: 1...64) ?? 1, delay: delay)
    }

    private static func readApp(
        _ top: DefinitionSection, directory: URL, sweeps: inout [Sweep]
    ) throws -> (AppSettings, VariantExpansion.Defaults) {
        let section = try top.requiredSection(
            "app", header: "[app]",
            example: "[app]\nmodule = \"apps.flask_app:app\"\nrequirements = \"requirements.lock\"")
        try section.rejectUnknownKeys(allowed: DefinitionSchema.app)
        try SweepReader.rejectOtherLists(
            in: section, sweepable: ["command"] + VariantField.allCases.map(\.rawValue))
        let server = try ServerSettings().reading(section)
        let requirements = try section.optionalExistingPath(
            "requirements", relativeTo: directory, folder: false, example: "\"requirements.lock\"")
        var fields = VariantField.defaults
        if let sweep = try SweepReader.read(VariantField.workers.rawValue, .workers, in: section) {
            sweeps.append(sweep)
            fields[.workers] = .number(Int(sweep.levels[0].value))
        }
        for field in VariantField.allCases where !(field == .workers && sweeps.contains { $0.setting == .workers }) {
            guard let value = section.value(field.rawValue) else { continue }
            if case .array = value.kind {
                throw section.failure(
                    field.rawValue, "app.\(field.rawValue) cannot be swept; a list of it expands into variants only inside [[variants]]",
                    hint: "move \(field.rawValue) = [...] into a [[variants]] entry; settings that take a list of levels: \(SweptSetting.list)")
            }
            fields[field] = try field.read(value, key: field.rawValue, in: section)
        }
        let defaults = VariantExpansion.Defaults(
            fields: fields, environment: try section.stringTable("env") ?? [:], server: server, app: section,
            directory: directory, hasLock: requirements != nil)
        return (AppSettings(server: server.kind, requirements: requirements), defaults)
    }

    private static func readLoad(
        _ top: DefinitionSection, sources: inout [Setting: SettingSource], sweeps: inout [Sweep]
    ) throws -> LoadSettings {
        let section = try top.requiredSection(
            "load", header: "[load]",
            example: "[load]\npath = \"/\"\nconnections = 100\nthreads = 4\nduration = \"20s\"\ntimeout = \"10s\"")
        try section.rejectUnknownKeys(allowed: DefinitionSchema.load)
        let path = try section.requiredString("path", example: "\"/\"")
        guard path.hasPrefix("/") else {
            throw section.failure(
                "path", "the path must start with '/', found \(path.quoted)", hint: "write path = \(("/" + path).quoted)")
        }
        try SweepReader.rejectOtherLists(in: section, sweepable: ["connections", "rate"])
        // A swept setting's rules are checked at its most demanding level.
        let connectionSweep = try SweepReader.read("connections", .connections, in: section)
        let rateSweep = try SweepReader.read("rate", .rate, in: section)
        sweeps += [connectionSweep, rateSweep].compactMap { $0 }
        var load = LoadSettings(
            generator: try section.choice("generator", default: LoadGeneratorKind.wrk),
            path: path,
            connections: try connectionSweep.map { Int($0.levels.map(\.value).max() ?? 1) }
                ?? section.requiredInteger("connections", example: "100"),
            threads: try section.requiredInteger("threads", example: "4"),
            duration: try section.requiredDuration("duration", example: "\"20s\""),
            timeout: try section.requiredDuration("timeout", example: "\"10s\""),
            warmup: try section.duration("warmup") ?? .zero,
            interval: try interval(in: section),
            rate: try rateSweep.map { $0.levels.map(\.value).max() ?? 1 } ?? section.number("rate", example: "5000"),
            maxErrorRate: try section.percentage("max_error_rate", example: "\"1%\"") ?? LoadSettings.defaultMaxErrorRate)
        load.capacity = try capacity(in: section)
        load.probe = try section.duration("probe") ?? LoadSettings.defaultProbe
        load.resolution = try section.percentage("resolution", example: "\"5%\"") ?? LoadSettings.defaultResolution
        for setting in Setting.allCases where setting.keyPath.hasPrefix("load.") {
            sources[setting] = section.source(String(setting.keyPath.dropFirst("load.".count)))
        }
        return load
    }

    /// `[load] capacity`: the target of a capacity search, located when it cannot be read.
    private static func capacity(in section: DefinitionSection) throws -> CapacityTarget? {
        guard let text = try section.string("capacity") else { return nil }
        switch CapacityTarget.parse(text) {
        case .success(let target): return target
        case .failure(let error):
            throw section.failure("capacity", "cannot read the capacity target \(text.quoted): \(error.message)", hint: CapacityTarget.grammar)
        }
    }

    /// `[load] interval`: the timeline's step, which must divide the window into whole
    /// intervals (the warm-up need not be a whole number of them).
    private static func interval(in section: DefinitionSection) throws -> Duration {
        guard let interval = try section.duration("interval") else { return LoadSettings.defaultInterval }
        guard interval >= .milliseconds(10) else {
            throw section.failure("interval", "a timeline's interval must be at least 10ms, found \(interval)", hint: "e.g. interval = \"250ms\", or leave it out for 1s")
        }
        if let duration = try section.duration("duration"), duration.microseconds % interval.microseconds != 0 {
            throw section.failure(
                "interval", "the window (duration = \(duration)) is not a whole number of \(interval) intervals",
                hint: "pick an interval that divides the window, e.g. interval = \"1s\" or \"500ms\"")
        }
        return interval
    }

    /// A variant's own workers would be overruled at every level of a workers sweep.
    private static func rejectVariantWorkers(_ top: DefinitionSection, sweeps: [Sweep], file: String) throws {
        guard sweeps.contains(where: { $0.setting == .workers }), case .array(let entries)? = top.value("variants")?.kind
        else { return }
        for (index, entry) in entries.enumerated() {
            guard case .table(let table) = entry.kind, let workers = table["workers"] else { continue }
            throw ReportgenError(
                .badDefinition, "this variant sets workers, but app.workers is swept",
                at: SourceLocation(file: file, keyPath: "variants[\(index)].workers", line: workers.line),
                hint: "remove workers here: every variant runs at each level of app.workers")
        }
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private static func isFile(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }
}
