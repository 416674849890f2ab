/// Command-line changes to a definition for one run (`--quick`, `--trials`, `--duration`,
/// `--warmup`, `--connections`, `--variants`, `--generator`, `--rate`); nil leaves the
/// definition's value.
public struct RunOverrides: Sendable, Equatable, Codable {
    /// A smoke run: 1 trial, windows of at most 3 s and a warm-up of at most 1 s, unless given.
    public var quick: Bool = false
    /// `--trials`: trials per variant.
    public var trials: Int?
    /// `--duration`: the measured window.
    public var duration: Duration?
    /// `--warmup`: the discarded warm-up; zero for none.
    public var warmup: Duration?
    /// `--connections`: open connections of the load generator.
    public var connections: Int?
    /// Names of the variants to run; nil runs them all.
    public var variants: [String]?
    /// `--generator`: "wrk" or "builtin".
    public var generator: String?
    /// `--rate`: requests per second for an open loop (built-in generator only).
    public var rate: Double?

    /// The load generators a run can use.
    public static let generators = ["wrk", "builtin"]

    /// Overrides with every value given; the defaults change nothing.
    public init(
        quick: Bool = false, trials: Int? = nil, duration: Duration? = nil, warmup: Duration? = nil,
        connections: Int? = nil, variants: [String]? = nil, generator: String? = nil, rate: Double? = nil
    ) {
        self.generator = generator
        self.rate = rate
        self.quick = quick
        self.trials = trials
        self.duration = duration
        self.warmup = warmup
        self.connections = connections
        self.variants = variants
    }

    /// Reads a command-line duration such as "5s", "500ms" or "1m30s"; nil when it is not one.
    public static func parseDuration(_ s: String) -> Duration? {
        DurationSyntax.parse(s)
    }

    private enum CodingKeys: String, CodingKey {
        case quick, trials, connections, variants, generator, rate
        case durationMicroseconds = "duration_us"
        case warmupMicroseconds = "warmup_us"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        quick = try container.decodeIfPresent(Bool.self, forKey: .quick) ?? false
        trials = try container.decodeIfPresent(Int.self, forKey: .trials)
        connections = try container.decodeIfPresent(Int.self, forKey: .connections)
        variants = try container.decodeIfPresent([String].self, forKey: .variants)
        generator = try container.decodeIfPresent(String.self, forKey: .generator)
        rate = try container.decodeIfPresent(Double.self, forKey: .rate)
        duration = try container.decodeIfPresent(Int64.self, forKey: .durationMicroseconds)
            .map { .microseconds($0) }
        warmup = try container.decodeIfPresent(Int64.self, forKey: .warmupMicroseconds)
            .map { .microseconds($0) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(quick, forKey: .quick)
        try container.encodeIfPresent(trials, forKey: .trials)
        try container.encodeIfPresent(connections, forKey: .connections)
        try container.encodeIfPresent(variants, forKey: .variants)
        try container.encodeIfPresent(generator, forKey: .generator)
        try container.encodeIfPresent(rate, forKey: .rate)
        try container.encodeIfPresent(duration?.microseconds, forKey: .durationMicroseconds)
        try container.encodeIfPresent(warmup?.microseconds, forKey: .warmupMicroseconds)
    }

    /// Compact JSON with sorted keys, absent values left out and variant names sorted, so equal
    /// overrides always give the same text (it feeds the definition hash).
    public var canonicalJSON: String {
        var fields: [(String, String)] = [("quick", quick ? "true" : "false")]
        if let trials { fields.append(("trials", String(trials))) }
        if let connections { fields.append(("connections", String(connections))) }
        if let duration { fields.append(("duration_us", String(duration.microseconds))) }
        if let warmup { fields.append(("warmup_us", String(warmup.microseconds))) }
        if let generator { fields.append(("generator", generator.quoted)) }
        if let rate { fields.append(("rate", String(rate))) }
        if let variants {
            let names = Set(variants).sorted().map(\.quoted)
            fields.append(("variants", "[" + names.joined(separator: ",") + "]"))
        }
        let members = fields.sorted { $0.0 < $1.0 }.map { "\($0.0.quoted):\($0.1)" }
        return "{" + members.joined(separator: ",") + "}"
    }
}

extension ExperimentDefinition {
    /// The definition as this run will use it. Overrides are checked like command-line values
    /// (`.badArgument`). Fewer connections than load threads lowers the threads to match, since
    /// every load thread needs a connection. Filtered variants keep their original positions.
    public func applying(_ o: RunOverrides) throws -> ExperimentDefinition {
        var result = self
        if let trials = o.trials {
            guard (1...1000).contains(trials) else {
                throw ReportgenError(.badArgument, "--trials must be between 1 and 1000, found \(trials)")
            }
            result.trials = trials
        } else if o.quick {
            result.trials = 1
        }
        if let duration = o.duration {
            guard duration > .zero else {
                throw ReportgenError(.badArgument, "--duration must be longer than zero", hint: "e.g. --duration 5s")
            }
            result.load.duration = duration
        } else if o.quick {
            result.load.duration = min(load.duration, .seconds(3))
        }
        if let warmup = o.warmup {
            guard warmup >= .zero else {
                throw ReportgenError(.badArgument, "--warmup cannot be negative", hint: "e.g. --warmup 1s, or 0s for none")
            }
            result.load.warmup = warmup
        } else if o.quick {
            result.load.warmup = min(load.warmup, .seconds(1))
        }
        if let connections = o.connections {
            guard (1...100_000).contains(connections) else {
                throw ReportgenError(
                    .badArgument, "--connections must be between 1 and 100000, found \(connections)")
            }
            result.load.connections = connections
            result.load.threads = min(load.threads, connections)
        }
        if let names = o.variants {
            result.variants = try selectVariants(names)
        }
        if let generator = o.generator {
            guard RunOverrides.generators.contains(generator) else {
                let near = KeySuggestion.nearest(to: generator, in: RunOverrides.generators)
                    .map { "did you mean '\($0)'? " } ?? ""
                throw ReportgenError(
                    .badArgument, "unknown load generator '\(generator)' in --generator",
                    hint: "\(near)use --generator wrk or --generator builtin")
            }
            result.load.generator = generator
        }
        if let rate = o.rate {
            guard rate > 0, rate.isFinite else {
                throw ReportgenError(.badArgument, "--rate must be a positive number of requests per second, found \(rate)")
            }
            result.load.rate = rate
        }
        if result.load.rate != nil && result.load.generator != "builtin" {
            let source = o.rate != nil ? "--rate" : "load.rate in the definition"
            throw ReportgenError(
                .badArgument, "\(source) asks for an open loop, which only the built-in generator runs",
                hint: o.rate != nil ? "add --generator builtin" : "drop --generator wrk, or use a definition without rate")
        }
        return result
    }

    private func selectVariants(_ names: [String]) throws -> [VariantDefinition] {
        let valid = variants.map(\.name)
        let list = valid.joined(separator: ", ")
        guard !names.isEmpty else {
            throw ReportgenError(.badArgument, "--variants names no variant", hint: "variants: \(list)")
        }
        for name in names where !valid.contains(name) {
            let near = KeySuggestion.nearest(to: name, in: valid).map { "did you mean '\($0)'? " } ?? ""
            throw ReportgenError(
                .badArgument, "unknown variant '\(name)' in --variants", hint: "\(near)variants: \(list)")
        }
        let wanted = Set(names)
        return variants.filter { wanted.contains($0.name) }
    }
}
