/// Checks that depend on the chosen load generator rather than on the TOML schema.
enum LoadCheck {
    static func validate(_ definition: ExperimentDefinition) throws {
        guard definition.load.generator == "wrk" else {
            throw ReportgenError(
                .badDefinition, "load generator '\(definition.load.generator)' is not available in this version",
                at: SourceLocation(file: definition.file.path, keyPath: "load.generator"),
                hint: "use generator = \"wrk\"")
        }
        // wrk's -d and --timeout take whole seconds.
        let timed: [(String, Duration)] = [
            ("load.duration", definition.load.duration), ("load.warmup", definition.load.warmup),
            ("load.timeout", definition.load.timeout),
        ]
        for (key, value) in timed where value.microseconds % 1_000_000 != 0 {
            throw ReportgenError(
                .badDefinition, "wrk takes whole seconds, but \(key) is \(value)",
                at: SourceLocation(file: definition.file.path, keyPath: key),
                hint: "round it to whole seconds, e.g. \"\(max(1, Int(value.seconds.rounded())))s\"")
        }
    }
}
