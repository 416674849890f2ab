import Core

/// Command-line changes to a definition for one run (`--quick`, `--trials`, `--duration`,
/// `--warmup`, `--connections`, `--threads`, `--variants`, `--generator`, `--rate`); nil
/// leaves the definition's value. Stored with the run as JSON, and part of its definition
/// hash.
public struct RunOverrides: Sendable, Equatable, Codable {
    /// A smoke run: 1 trial, windows of at most 3 s and a warm-up of at most 1 s, unless given.
    public var quick: Bool = false
    public var trials: Int?
    /// The measured window.
    public var duration: Duration?
    /// The discarded warm-up; zero for none.
    public var warmup: Duration?
    /// Open connections of the load generator.
    public var connections: Int?
    /// Load generator threads (event loops).
    public var threads: Int?
    /// Names of the variants to run; nil runs them all.
    public var variants: [String]?
    public var generator: LoadGeneratorKind?
    /// Requests per second for an open loop.
    public var rate: Double?
    /// Trials until each variant's 95% interval of requests/s is within this share of its mean.
    public var precision: Double?
    /// The most trials a variant gets when trials are added until the answer is clear.
    public var maxTrials: Int?
    /// No new round starts after this much of the run.
    public var timeBudget: Duration?
    /// The target of a capacity search for this run (`--capacity`).
    public var capacity: CapacityTarget?

    /// Overrides with every value given; the defaults change nothing.
    public init(
        quick: Bool = false, trials: Int? = nil, duration: Duration? = nil, warmup: Duration? = nil,
        connections: Int? = nil, threads: Int? = nil, variants: [String]? = nil,
        generator: LoadGeneratorKind? = nil, rate: Double? = nil, precision: Double? = nil, maxTrials: Int? = nil,
        timeBudget: Duration? = nil, capacity: CapacityTarget? = nil
    ) {
        self.capacity = capacity
        self.precision = precision
        self.maxTrials = maxTrials
        self.timeBudget = timeBudget
        self.quick = quick
        self.trials = trials
        self.duration = duration
        self.warmup = warmup
        self.connections = connections
        self.threads = threads
        self.variants = variants
        self.generator = generator
        self.rate = rate
    }

    private enum CodingKeys: String, CodingKey {
        case quick, trials, connections, threads, variants, generator, rate, precision, capacity
        case maxTrials = "max_trials"
        case timeBudgetMicroseconds = "time_budget_us"
        case durationMicroseconds = "duration_us"
        case warmupMicroseconds = "warmup_us"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        quick = try container.decodeIfPresent(Bool.self, forKey: .quick) ?? false
        trials = try container.decodeIfPresent(Int.self, forKey: .trials)
        connections = try container.decodeIfPresent(Int.self, forKey: .connections)
        threads = try container.decodeIfPresent(Int.self, forKey: .threads)
        variants = try container.decodeIfPresent([String].self, forKey: .variants)
        generator = try container.decodeIfPresent(LoadGeneratorKind.self, forKey: .generator)
        rate = try container.decodeIfPresent(Double.self, forKey: .rate)
        precision = try container.decodeIfPresent(Double.self, forKey: .precision)
        if let text = try container.decodeIfPresent(String.self, forKey: .capacity) {
            switch CapacityTarget.parse(text) {
            case .success(let target): capacity = target
            case .failure(let error):
                throw DecodingError.dataCorruptedError(forKey: .capacity, in: container, debugDescription: error.message)
            }
        }
        maxTrials = try container.decodeIfPresent(Int.self, forKey: .maxTrials)
        timeBudget = try container.decodeIfPresent(Int64.self, forKey: .timeBudgetMicroseconds).map { .microseconds($0) }
        duration = try container.decodeIfPresent(Int64.self, forKey: .durationMicroseconds)
            .map { .microseconds($0) }
        warmup = try container.decodeIfPresent(Int64.self, forKey: .warmupMicroseconds)
            .map { .microseconds($0) }
    }

    /// Absent values are left out and variant names sorted without repeats, so equal
    /// overrides always encode to the same text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(quick, forKey: .quick)
        try container.encodeIfPresent(trials, forKey: .trials)
        try container.encodeIfPresent(connections, forKey: .connections)
        try container.encodeIfPresent(threads, forKey: .threads)
        try container.encodeIfPresent(variants.map { Set($0).sorted() }, forKey: .variants)
        try container.encodeIfPresent(generator, forKey: .generator)
        try container.encodeIfPresent(rate, forKey: .rate)
        try container.encodeIfPresent(precision, forKey: .precision)
        try container.encodeIfPresent(capacity?.written, forKey: .capacity)
        try container.encodeIfPresent(maxTrials, forKey: .maxTrials)
        try container.encodeIfPresent(timeBudget?.microseconds, forKey: .timeBudgetMicroseconds)
        try container.encodeIfPresent(duration?.microseconds, forKey: .durationMicroseconds)
        try container.encodeIfPresent(warmup?.microseconds, forKey: .warmupMicroseconds)
    }

    /// The stored form (`runs.overrides_json`), which feeds the definition hash.
    public func canonicalJSON() throws -> String {
        try StoreJSON.encode(self)
    }

    /// The `members` keys that decide how many trials a variant gets, not what a trial
    /// measures (`--trials`, `--precision`, `--max-trials`, `--time-budget`).
    public static let trialCountMembers: Set<String> = [
        CodingKeys.trials.rawValue, CodingKeys.precision.rawValue, CodingKeys.maxTrials.rawValue,
        CodingKeys.timeBudgetMicroseconds.rawValue,
    ]

    /// Each given value as its stored key and its value as text ("duration_us": "5000000"),
    /// for listing what differs between two runs.
    public var members: [String: String] {
        var members = [CodingKeys.quick.rawValue: String(quick)]
        members[CodingKeys.trials.rawValue] = trials.map { String($0) }
        members[CodingKeys.connections.rawValue] = connections.map { String($0) }
        members[CodingKeys.threads.rawValue] = threads.map { String($0) }
        members[CodingKeys.variants.rawValue] = variants.map { Set($0).sorted().joined(separator: ",") }
        members[CodingKeys.generator.rawValue] = generator?.rawValue
        members[CodingKeys.rate.rawValue] = rate.map { String($0) }
        members[CodingKeys.precision.rawValue] = precision.map { String($0) }
        members[CodingKeys.capacity.rawValue] = capacity?.written
        members[CodingKeys.maxTrials.rawValue] = maxTrials.map { String($0) }
        members[CodingKeys.timeBudgetMicroseconds.rawValue] = timeBudget.map { String($0.microseconds) }
        members[CodingKeys.durationMicroseconds.rawValue] = duration.map { String($0.microseconds) }
        members[CodingKeys.warmupMicroseconds.rawValue] = warmup.map { String($0.microseconds) }
        return members
    }
}

extension ExperimentDefinition {
    /// The definition as this run will use it, checked by the same rules as the file, with
    /// errors naming the flag that gave a bad value. Fewer connections than load threads
    /// lowers the threads to match, since every load thread needs a connection. Filtered
    /// variants keep their original positions.
    public func applying(_ o: RunOverrides) throws -> ExperimentDefinition {
        var result = self
        func set<Value: Equatable>(
            _ setting: Setting, _ path: WritableKeyPath<ExperimentDefinition, Value>, _ value: Value?,
            quick: Value? = nil
        ) {
            if let value, let flag = setting.flag {
                result[keyPath: path] = value
                result.sources[setting] = .flag(flag)
            } else if o.quick, let quick, quick != result[keyPath: path] {
                result[keyPath: path] = quick
                result.sources[setting] = .flag("--quick")
            }
        }
        set(.trials, \.trials, o.trials, quick: 1)
        set(.duration, \.load.duration, o.duration, quick: min(load.duration, .seconds(3)))
        set(.warmup, \.load.warmup, o.warmup, quick: min(load.warmup, .seconds(1)))
        set(.connections, \.load.connections, o.connections)
        if o.connections != nil { result.load.threads = min(result.load.threads, result.load.connections) }
        // A flag fixes a setting the definition sweeps: every variant runs at that one level.
        if o.connections != nil { result.sweeps.removeAll { $0.setting == .connections } }
        if o.rate != nil { result.sweeps.removeAll { $0.setting == .rate } }
        set(.threads, \.load.threads, o.threads)
        set(.generator, \.load.generator, o.generator)
        set(.rate, \.load.rate, o.rate.map { Optional($0) })
        if let target = o.capacity {
            result.load.capacity = target
            result.sources[.capacity] = .flag("--capacity")
        }
        // A capacity search alone takes a time budget too; with trials added for precision,
        // the one budget bounds both.
        let searchBudgetOnly = o.timeBudget != nil && o.precision == nil && o.maxTrials == nil
            && result.precision == nil && result.load.capacity != nil
        if searchBudgetOnly {
            result.searchBudget = o.timeBudget
            result.sources[.timeBudget] = .flag("--time-budget")
        }
        let precisionFlags = !searchBudgetOnly && (o.precision != nil || o.maxTrials != nil || o.timeBudget != nil)
        if (o.quick || o.trials != nil) && !precisionFlags {
            // A smoke run measures once; --trials alone asks for a fixed number.
            result.precision = nil
        } else if precisionFlags {
            guard result.precision != nil || o.precision != nil else {
                let flag = o.maxTrials != nil ? "--max-trials" : "--time-budget"
                throw ReportgenError(
                    .badArgument, "\(flag) applies only when trials are added until the answer is clear",
                    hint: "add --precision 5% (or trials = \"auto\" in the definition)")
            }
            if result.precision == nil {
                result.precision = PrecisionTarget()
                if o.trials == nil { result.trials = max(result.trials, PrecisionTarget.minimumTrials) }
            }
            if let target = o.precision {
                result.precision?.target = target
                result.sources[.precision] = .flag("--precision")
            }
            if let maxTrials = o.maxTrials {
                result.precision?.maxTrials = maxTrials
                result.sources[.maxTrials] = .flag("--max-trials")
            }
            if let budget = o.timeBudget {
                result.precision?.timeBudget = budget
                result.sources[.timeBudget] = .flag("--time-budget")
            }
        }
        if let names = o.variants {
            result.variants = try selectVariants(names)
        }
        try DefinitionRules.check(result)
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
