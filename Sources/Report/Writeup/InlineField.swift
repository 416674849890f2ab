import Foundation

/// A value a write-up names by field, `{{ run.trials }}`, `{{ machine.cpu }}`: what it means,
/// where the report gets it and how it writes it. `all` is the one list of them, read by the
/// evaluator, by the hint for an unknown field and by the README's table of fields.
struct InlineField: Sendable {
    /// How a field's value is written.
    enum Format: Sendable {
        /// Digits: "3".
        case integer
        /// Seconds, at most one decimal: "20 s", "1.5 s".
        case seconds
        /// The day in UTC: "2027-01-15".
        case date
        /// Gibibytes with one decimal: "7.7 GiB".
        case gibibytes
        /// Words, as they are.
        case text
        /// As the program printed it; "unknown" when the run did not record it.
        case version

        /// How the README describes it.
        var description: String {
            switch self {
            case .integer: return "a whole number: `3`"
            case .seconds: return "seconds: `20 s`, `1.5 s`"
            case .date: return "the day in UTC: `2027-01-15`"
            case .gibibytes: return "GiB with one decimal: `7.7 GiB`"
            case .text: return "text"
            case .version: return "as the program printed it, `unknown` when not recorded"
            }
        }
    }

    /// "run.trials": the scope, a dot, the field.
    let name: String
    /// What the value is, for the README.
    let meaning: String
    let format: Format
    /// The value as the report writes it.
    let value: @Sendable (ReportContext) -> String

    /// The scope before the dot: "run".
    var scope: Substring { name.prefix { $0 != "." } }
    /// The field after the dot: "trials".
    var field: Substring { name.drop { $0 != "." }.dropFirst() }

    private init(_ name: String, _ meaning: String, _ format: Format, _ value: @escaping @Sendable (ReportContext) -> String) {
        self.name = name
        self.meaning = meaning
        self.format = format
        self.value = value
    }

    private static func integer(_ name: String, _ meaning: String, _ read: @escaping @Sendable (ReportContext) -> Int64) -> InlineField {
        InlineField(name, meaning, .integer) { "\(read($0))" }
    }

    private static func seconds(_ name: String, _ meaning: String, _ read: @escaping @Sendable (ReportContext) -> Duration) -> InlineField {
        InlineField(name, meaning, .seconds) { InlineValue.seconds(read($0)) }
    }

    private static func text(_ name: String, _ meaning: String, _ read: @escaping @Sendable (ReportContext) -> String) -> InlineField {
        InlineField(name, meaning, .text, read)
    }

    private static func version(_ name: String, _ meaning: String, _ read: @escaping @Sendable (ReportContext) -> String?) -> InlineField {
        InlineField(name, meaning, .version) { read($0) ?? "unknown" }
    }

    /// Every field, in the order the hint and the README list them.
    static let all: [InlineField] = [
        .integer("run.trials", "trials per variant (per cell of a sweep); with `trials = \"auto\"`, the rounds before more are added") {
            Int64($0.definition.trials)
        },
        .seconds("run.duration", "the measured window of each trial") { $0.definition.load.duration },
        .seconds("run.warmup", "the warm-up before each window, not measured") { $0.definition.load.warmup },
        .seconds("run.timeout", "how long the load generator waits for an answer") { $0.definition.load.timeout },
        .integer("run.connections", "the load generator's open connections") { Int64($0.definition.load.connections) },
        .integer("run.threads", "the load generator's threads") { Int64($0.definition.load.threads) },
        .integer("run.variants", "variants the run measured (a sweep's variants, not its cells)") { Int64($0.definition.variants.count) },
        .integer("run.id", "the run's id in the store") { $0.data.run.id },
        InlineField("run.date", "the day the run started", .date) {
            ISO8601DateFormatter.string(
                from: $0.data.run.startedAt, timeZone: TimeZone(identifier: "UTC") ?? .current, formatOptions: [.withFullDate])
        },
        .text("run.generator", "the load generator: `wrk` or `reportgen's built-in generator`") { $0.generatorName },
        .text("run.loop", "`closed loop`, or `open loop at R requests/s`") { $0.loopModel },
        .text("machine.cpu", "the CPU model") { $0.data.machine.cpuModel },
        .integer("machine.cores", "the CPU cores") { Int64($0.data.machine.cpuCores) },
        InlineField("machine.memory", "the memory", .gibibytes) { ReportNumber.gibibytes($0.data.machine.memoryBytes) },
        .text("machine.kernel", "the kernel release and architecture") { $0.data.machine.kernel },
        .text("machine.os", "the operating system") { $0.data.machine.os },
        .version("software.python", "the version of Python that ran the apps") { $0.software.python },
        .version("software.nginx", "the version of nginx, the upstream") { $0.software.nginx },
        .version("software.wrk", "the version of wrk") { $0.software.wrk },
        .version("software.gunicorn", "the version of gunicorn") { $0.software.gunicorn },
    ]

    /// The field named `name`, if there is one.
    static func named(_ name: String) -> InlineField? {
        all.first { $0.name == name }
    }

    /// "run.trials/duration/…, machine.cpu/…": every field by scope, for a hint.
    static var list: String {
        var scopes: [Substring] = []
        for field in all where !scopes.contains(field.scope) { scopes.append(field.scope) }
        return scopes.map { scope in
            "\(scope)." + all.filter { $0.scope == scope }.map(\.field).joined(separator: "/")
        }.joined(separator: ", ")
    }

    /// The README's table of fields, written from `all`.
    static var readmeTable: String {
        let rows = all.map { "| `{{ \($0.name) }}` | \($0.meaning) | \($0.format.description) |" }
        return (["| value | what it is | written as |", "|---|---|---|"] + rows).joined(separator: "\n")
    }
}
