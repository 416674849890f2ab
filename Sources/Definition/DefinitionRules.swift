import Core

/// Every rule a definition's values must keep, in one place, checked once the file is read
/// and again once command-line overrides are applied. An error names what the person wrote:
/// the file, key path and line for a value from the definition (exit 65), the flag for a
/// value from the command line (exit 64).
enum DefinitionRules {
    static let trials = 1...1000
    static let connections = 1...100_000
    static let threads = 1...1000

    static func check(_ definition: ExperimentDefinition) throws {
        let rules = Located(definition: definition)
        let load = definition.load
        try rules.inRange(.trials, definition.trials, trials)
        if let precision = definition.precision {
            if !(precision.target > 0 && precision.target < 1) {
                throw rules.failure(
                    .precision, { "\($0) must be above 0% and below 100%" }, fileHint: "e.g. precision = \"5%\"",
                    flagHint: { "e.g. \($0) 5%" })
            }
            try rules.inRange(.maxTrials, precision.maxTrials, trials)
            if precision.maxTrials < definition.trials {
                throw rules.failure(
                    .maxTrials, { "\($0) must be at least the \(definition.trials) trials every variant gets first, found \(precision.maxTrials)" },
                    fileHint: "raise max_trials", flagHint: { "raise \($0)" })
            }
            if let budget = precision.timeBudget, budget <= .zero {
                throw rules.failure(.timeBudget, { "\($0) must be longer than zero" }, fileHint: "e.g. time_budget = \"30m\"", flagHint: { "e.g. \($0) 30m" })
            }
        }
        try rules.inRange(.connections, load.connections, connections)
        try rules.inRange(.threads, load.threads, threads)
        if load.threads > load.connections {
            throw rules.failure(
                .threads, { _ in "threads (\(load.threads)) must not exceed connections (\(load.connections))" },
                fileHint: "each load thread needs at least one connection",
                flagHint: { _ in "each load thread needs at least one connection" })
        }
        for setting in [Setting.duration, .timeout] where load[duration: setting] <= .zero {
            throw rules.failure(
                setting, { "\($0) must be longer than zero, found \(DurationSyntax.format(load[duration: setting]).quoted)" },
                fileHint: "e.g. \(setting.keyPath.dropFirst("load.".count)) = \"20s\"", flagHint: { "e.g. \($0) 5s" })
        }
        if load.warmup < .zero {
            throw rules.failure(
                .warmup, { "\($0) cannot be negative" }, fileHint: "e.g. warmup = \"2s\", or \"0s\" for none",
                flagHint: { "e.g. \($0) 1s, or 0s for none" })
        }
        if let rate = load.rate {
            guard rate > 0, rate.isFinite else {
                throw rules.failure(
                    .rate, { "\($0) must be a positive number of requests per second, found \(rate)" },
                    fileHint: "e.g. rate = 5000", flagHint: { "e.g. \($0) 5000" })
            }
            if !load.generator.runsOpenLoop { try rules.openLoopNeedsItsGenerator(load.generator) }
        }
        if load.capacity != nil {
            if !load.generator.runsOpenLoop {
                throw rules.failure(
                    .capacity, { "\($0) searches for the highest rate a server sustains, which needs the built-in generator's open loop; \(load.generator.rawValue) only runs a closed loop" },
                    fileHint: "add generator = \"builtin\" to [load]", flagHint: { _ in "add --generator builtin" })
            }
            if definition.sweeps.contains(where: { $0.setting == .rate }) {
                throw rules.failure(
                    .capacity, { "\($0) searches each variant's rate itself, so it cannot run with a sweep of load.rate" },
                    fileHint: "sweep connections, delay or workers instead, or drop capacity", flagHint: { _ in "give --rate one value, or leave out --capacity" })
            }
            if load.probe <= .zero {
                throw rules.failure(.probe, { "\($0) must be longer than zero" }, fileHint: "e.g. probe = \"5s\"", flagHint: { _ in nil })
            }
            if !(load.resolution >= 0.005 && load.resolution <= 0.5) {
                throw rules.failure(
                    .resolution, { "\($0) must be from 0.5% to 50%" }, fileHint: "e.g. resolution = \"5%\"", flagHint: { _ in nil })
            }
        }
        if let problem = load.generator.problem(with: load) {
            throw rules.failure(
                problem.setting, problem.message, fileHint: problem.fileHint, flagHint: problem.flagHint)
        }
    }

    /// Errors worded for where each setting's value came from.
    private struct Located {
        let definition: ExperimentDefinition

        func source(_ setting: Setting) -> SettingSource {
            definition.sources[setting] ?? .file(line: nil)
        }

        /// `message` receives how the setting is named: its key path, or the flag that gave it.
        /// A value from the file is located by key path and line, so the message may leave the
        /// name out of a plain rule (`name` is then dropped when the message starts with it).
        func failure(
            _ setting: Setting, _ message: (String) -> String, fileHint: String?, flagHint: (String) -> String?
        ) -> ReportgenError {
            switch source(setting) {
            case .flag(let flag):
                return ReportgenError(.badArgument, message(flag), hint: flagHint(flag))
            case .file(let line):
                var text = message(setting.keyPath)
                if text.hasPrefix(setting.keyPath + " ") { text.removeFirst(setting.keyPath.count + 1) }
                return ReportgenError(
                    .badDefinition, text,
                    at: SourceLocation(file: DisplayPath.of(definition.file), keyPath: setting.keyPath, line: line),
                    hint: fileHint)
            }
        }

        func inRange(_ setting: Setting, _ value: Int, _ range: ClosedRange<Int>) throws {
            guard !range.contains(value) else { return }
            throw failure(
                setting, { "\($0) must be between \(range.lowerBound) and \(range.upperBound), found \(value)" },
                fileHint: nil, flagHint: { _ in nil })
        }

        /// A rate asks for an open loop; blame the flag that made the pair impossible, or the
        /// file's rate when both come from the file.
        func openLoopNeedsItsGenerator(_ generator: LoadGeneratorKind) throws {
            let open = LoadGeneratorKind.allCases.filter(\.runsOpenLoop).map(\.rawValue)
            let needed = open.first ?? LoadGeneratorKind.builtin.rawValue
            switch (source(.rate), source(.generator)) {
            case (.flag(let flag), _):
                throw ReportgenError(
                    .badArgument, "\(flag) asks for an open loop, which only the built-in generator runs",
                    hint: "add --generator \(needed)")
            case (.file, .flag(let flag)):
                throw ReportgenError(
                    .badArgument, "load.rate in the definition asks for an open loop, which only the built-in generator runs",
                    hint: "drop \(flag) \(generator.rawValue), or use a definition without rate")
            case (.file, .file):
                throw failure(
                    .rate, { _ in "an open-loop rate needs the built-in generator; \(generator.rawValue) only runs a closed loop" },
                    fileHint: "add generator = \"\(needed)\" to [load], or remove rate for \(generator.rawValue)'s closed loop",
                    flagHint: { _ in nil })
            }
        }
    }
}
