/// Checks that depend on the chosen load generator rather than on the TOML schema.
public enum LoadCheck {
    /// `overrides` tells a value given on the command line from one in the file, so the error
    /// points at the flag rather than at a line that does not hold it.
    public static func validate(_ definition: ExperimentDefinition, overrides: RunOverrides = RunOverrides()) throws {
        let load = definition.load
        func located(_ key: String) -> SourceLocation {
            SourceLocation(file: definition.file.path, keyPath: key)
        }
        switch load.generator {
        case "wrk":
            if load.rate != nil {
                throw ReportgenError(
                    .badDefinition, "wrk runs only a closed loop, so it cannot keep load.rate", at: located("load.rate"),
                    hint: "use generator = \"builtin\" (or --generator builtin) for an open loop, or remove rate")
            }
            // wrk's -d and --timeout take whole seconds.
            let timed: [(String, Duration)] = [
                ("load.duration", load.duration), ("load.warmup", load.warmup), ("load.timeout", load.timeout),
            ]
            let flags = ["load.duration": overrides.duration, "load.warmup": overrides.warmup]
            for (key, value) in timed where value.microseconds % 1_000_000 != 0 {
                if let flag = flags[key], flag != nil {
                    let name = "--" + key.dropFirst("load.".count)
                    throw ReportgenError(
                        .badArgument, "wrk takes whole seconds, but \(name) is \(value)",
                        hint: "round it, e.g. \(name) \(max(1, Int(value.seconds.rounded())))s, or add --generator builtin")
                }
                throw ReportgenError(
                    .badDefinition, "wrk takes whole seconds, but \(key) is \(value)", at: located(key),
                    hint: "round it to whole seconds, e.g. \"\(max(1, Int(value.seconds.rounded())))s\", or use generator = \"builtin\"")
            }
        case "builtin":
            // The built-in generator stores a request's connection in 16 bits and its start
            // in 32-bit microseconds.
            if load.connections > 65_535 {
                throw ReportgenError(
                    .badDefinition, "the built-in generator holds at most 65535 connections, found \(load.connections)",
                    at: located("load.connections"), hint: "lower connections, or use generator = \"wrk\"")
            }
            if load.duration > .seconds(4_000) || load.warmup > .seconds(4_000) {
                throw ReportgenError(
                    .badDefinition, "the built-in generator measures windows of at most 4000 s",
                    at: located(load.duration > .seconds(4_000) ? "load.duration" : "load.warmup"),
                    hint: "split the window into trials, e.g. more trials of 20s")
            }
            if load.path.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" }) {
                throw ReportgenError(
                    .badDefinition, "the request path \(load.path.quoted) holds a space or line break",
                    at: located("load.path"), hint: "percent-encode it, e.g. %20 for a space")
            }
        default:
            throw ReportgenError(
                .badDefinition, "load generator '\(load.generator)' is not available in this version",
                at: located("load.generator"), hint: "use generator = \"wrk\" or \"builtin\"")
        }
    }
}
