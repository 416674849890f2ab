import Foundation
import TestFixtures
import Testing
@testable import Core
@testable import Definition
@testable import Hosts
@testable import Records
@testable import Runner


/// A temporary project folder holding one experiment; `remove()` deletes it.
struct DefinitionFixture {
    /// The example from DESIGN.md's "Experiment definition (contract)" section.
    static let designExample = """
        title = "Aiohttp vs multithreaded Flask for high I/O applications"
        trials = 3                      # repeated trials per variant

        [upstream]                      # shared server that every variant's route calls
        server = "nginx"
        root = "upstream"               # folder it serves, relative to this file

        [app]                           # defaults for every variant
        server = "gunicorn"
        module = "apps.flask_app:app"   # imported with this folder as working directory
        workers = 2
        requirements = "requirements.lock"   # every package pinned; installed with --no-deps

        [load]
        generator = "wrk"
        path = "/remote"
        connections = 400
        threads = 10
        duration = "20s"
        timeout = "10s"
        warmup = "5s"

        [[variants]]
        name = "aiohttp"
        module = "apps.aiohttp_app:app"
        worker_class = "aiohttp.GunicornWebWorker"

        [[variants]]
        name = "flask:gevent"
        worker_class = "gevent"

        [[variants]]
        name = "flask:meinheld"
        worker_class = "meinheld.gmeinheld.MeinheldWorker"

        [[variants]]
        name = "flask:{threads}"        # a list value expands into one variant per element
        worker_class = "gthread"
        threads = [10, 20, 50, 100, 200, 400, 800, 1000]

        """

    let root: URL
    let name: String
    var folder: URL { root.appendingPathComponent("experiments").appendingPathComponent(name) }

    init(
        _ toml: String = designExample, name: String = "aiohttp-vs-flask", upstream: Bool = true,
        requirements: Bool = true
    ) throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("reportgen-definition-\(UUID().uuidString)")
        self.name = name
        let folder = root.appendingPathComponent("experiments").appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try toml.write(to: folder.appendingPathComponent("experiment.toml"), atomically: true, encoding: .utf8)
        if upstream {
            try FileManager.default.createDirectory(
                at: folder.appendingPathComponent("upstream"), withIntermediateDirectories: true)
        }
        if requirements {
            try "flask==3.0.0\n".write(
                to: folder.appendingPathComponent("requirements.lock"), atomically: true, encoding: .utf8)
        }
        try AppStandIns.write(into: folder)
    }

    func remove() {
        try? FileManager.default.removeItem(at: root)
    }
}

/// Runs `body` with a fresh fixture and removes it afterwards.
private func withFixture<T>(
    _ toml: String = DefinitionFixture.designExample, upstream: Bool = true, requirements: Bool = true,
    _ body: (DefinitionFixture) throws -> T
) throws -> T {
    let fixture = try DefinitionFixture(toml, upstream: upstream, requirements: requirements)
    defer { fixture.remove() }
    return try body(fixture)
}

private func load(_ toml: String) throws -> ExperimentDefinition {
    try withFixture(toml) { try DefinitionLoader.load(experiment: nil, projectRoot: $0.root) }
}

/// The error loading `toml` raises, or nil when it loads.
private func loadError(
    _ toml: String, upstream: Bool = true, requirements: Bool = true
) throws -> ReportgenError? {
    try withFixture(toml, upstream: upstream, requirements: requirements) { fixture in
        do {
            _ = try DefinitionLoader.load(experiment: nil, projectRoot: fixture.root)
            return nil
        } catch let error as ReportgenError {
            return error
        }
    }
}

/// The design example with `old` replaced by `new`.
private func example(replacing old: String, with new: String) -> String {
    let text = DefinitionFixture.designExample
    precondition(text.contains(old), "the example has no '\(old)'")
    return text.replacingOccurrences(of: old, with: new)
}

/// 1-based number of the first line containing `needle`.
private func line(of needle: String, in text: String) -> Int? {
    text.split(separator: "\n", omittingEmptySubsequences: false)
        .firstIndex { $0.contains(needle) }
        .map { $0 + 1 }
}

/// The design example with a different `[[variants]]` list.
private func example(variants: String) -> String {
    let text = DefinitionFixture.designExample
    let start = text.range(of: "[[variants]]").map(\.lowerBound) ?? text.endIndex
    return String(text[..<start]) + variants
}

/// Loading, validating and expanding `experiment.toml`, and applying run overrides.
struct DefinitionTests {}

extension DefinitionTests {
    struct Loader {
        @Test func designExampleExpandsIntoElevenVariants() throws {
            let definition = try load(DefinitionFixture.designExample)
            #expect(definition.name == "aiohttp-vs-flask")
            #expect(definition.title == "Aiohttp vs multithreaded Flask for high I/O applications")
            #expect(definition.trials == 3)
            #expect(definition.text == DefinitionFixture.designExample)
            #expect(definition.file.lastPathComponent == "experiment.toml")
            #expect(definition.upstream.server == "nginx")
            #expect(definition.upstream.root.path == definition.directory.appendingPathComponent("upstream").path)
            #expect(definition.upstream.workers == 1)
            #expect(definition.app.server == .gunicorn)
            #expect(definition.app.requirements?.lastPathComponent == "requirements.lock")
            #expect(
                definition.load
                    == LoadSettings(
                        generator: .wrk, path: "/remote", connections: 400, threads: 10,
                        duration: .seconds(20), timeout: .seconds(10), warmup: .seconds(5)))

            let variants = definition.variants
            #expect(
                variants.map(\.name) == [
                    "aiohttp", "flask:gevent", "flask:meinheld", "flask:10", "flask:20", "flask:50",
                    "flask:100", "flask:200", "flask:400", "flask:800", "flask:1000",
                ])
            #expect(variants.map(\.position) == Array(0..<11))
            #expect(variants.map(\.threads) == [nil, nil, nil, 10, 20, 50, 100, 200, 400, 800, 1000])
            #expect(variants[0].module == "apps.aiohttp_app:app")
            #expect(variants[0].workerClass == "aiohttp.GunicornWebWorker")
            #expect(variants[1].module == "apps.flask_app:app")
            #expect(variants[3].workerClass == "gthread")
            #expect(variants.allSatisfy { $0.workers == 2 && $0.environment.isEmpty })
        }

        @Test func defaultsApplyWhenKeysAreLeftOut() throws {
            let toml = """
                title = "minimal"
                [upstream]
                root = "upstream"
                [app]
                module = "app:app"
                requirements = "requirements.lock"
                [load]
                path = "/"
                connections = 10
                threads = 2
                duration = "2s"
                timeout = "1s"
                [[variants]]
                name = "only"
                """
            let definition = try load(toml)
            #expect(definition.trials == 3)
            #expect(definition.load.generator == .wrk)
            #expect(definition.load.warmup == .zero)
            #expect(definition.load.duration == .seconds(2))
            #expect(definition.load.timeout == .seconds(1))
            #expect(
                definition.variants == [
                    VariantDefinition(
                        name: "only", position: 0, module: "app:app", workerClass: "sync", workers: 2, threads: nil)
                ])
        }

        @Test func severalListsGiveEveryCombinationFirstListSlowest() throws {
            let toml = example(
                variants: """
                    [[variants]]
                    name = "w{workers}-t{threads}"
                    workers = [1, 2]
                    worker_class = "gthread"
                    threads = [10, 20]
                    env = { MODE = "fast" }
                    """)
            let definition = try load(toml)
            #expect(definition.variants.map(\.name) == ["w1-t10", "w1-t20", "w2-t10", "w2-t20"])
            #expect(definition.variants.map(\.position) == [0, 1, 2, 3])
            #expect(definition.variants.allSatisfy { $0.environment == ["MODE": "fast"] })
        }

        @Test func variantEnvironmentOverridesTheAppEnvironment() throws {
            let toml = example(
                replacing: "workers = 2\n", with: "workers = 2\nenv = { A = \"app\", B = \"app\" }\n"
            ) + "env = { B = \"variant\" }\n"
            let definition = try load(toml)
            #expect(definition.variants[0].environment == ["A": "app", "B": "app"])
            #expect(definition.variants.last?.environment == ["A": "app", "B": "variant"])
        }

        @Test func findsExperimentsByNameFolderOrFile() throws {
            try withFixture { fixture in
                let byName = try DefinitionLoader.load(experiment: "aiohttp-vs-flask", projectRoot: fixture.root)
                let byFolder = try DefinitionLoader.load(experiment: fixture.folder.path, projectRoot: fixture.root)
                let byFile = try DefinitionLoader.load(
                    experiment: fixture.folder.appendingPathComponent("experiment.toml").path,
                    projectRoot: URL(fileURLWithPath: "/nonexistent"))
                #expect(byName == byFolder)
                #expect(byFile == byName)
                #expect(DefinitionLoader.availableExperiments(projectRoot: fixture.root) == ["aiohttp-vs-flask"])
            }
        }

        @Test func missingExperimentListsTheAvailableOnes() throws {
            try withFixture { fixture in
                let error = try #require(throws: ReportgenError.self) {
                    try DefinitionLoader.load(experiment: "aiohttp-vs-flsk", projectRoot: fixture.root)
                }
                #expect(error.code == .badArgument)
                #expect(error.message == "no experiment 'aiohttp-vs-flsk'")
                #expect(error.hint == "did you mean 'aiohttp-vs-flask'? available experiments: aiohttp-vs-flask")
            }
        }
    }
}

extension DefinitionTests {
    struct Errors {
        @Test func unknownKeySuggestsTheNearestValidKey() throws {
            let toml = example(replacing: "connections = 400", with: "conections = 400")
            let error = try #require(try loadError(toml))
            #expect(error.code == .badDefinition)
            #expect(error.location?.keyPath == "load.conections")
            #expect(error.location?.line == line(of: "conections", in: toml))
            #expect(error.location?.file.hasSuffix("experiments/aiohttp-vs-flask/experiment.toml") == true)
            #expect(error.message == "unknown key")
            #expect(error.hint == "did you mean 'load.connections'?")
        }

        @Test func keyInTheWrongSectionSaysWhereItBelongs() throws {
            let toml = example(replacing: "path = \"/remote\"", with: "path = \"/remote\"\nworker_class = \"sync\"")
            let error = try #require(try loadError(toml))
            #expect(error.location?.keyPath == "load.worker_class")
            #expect(error.hint == "'worker_class' belongs in [app] or [[variants]]")
        }

        @Test func unknownKeyInAVariant() throws {
            let toml = example(replacing: "worker_class = \"gevent\"", with: "workerclass = \"gevent\"")
            let error = try #require(try loadError(toml))
            #expect(error.location?.keyPath == "variants[1].workerclass")
            #expect(error.hint == "did you mean 'variants[1].worker_class'?")
        }

        @Test func wrongTypeSaysWhatWasExpected() throws {
            let toml = example(replacing: "workers = 2", with: "workers = \"2\"")
            let error = try #require(try loadError(toml))
            #expect(error.location?.keyPath == "app.workers")
            #expect(error.location?.line == line(of: "workers = \"2\"", in: toml))
            #expect(error.message == "expected an integer, found a string")
            #expect(error.hint == "remove the quotes: 2")
        }

        @Test func wrongTypeInsideAList() throws {
            let toml = example(replacing: "[10, 20, 50,", with: "[10, \"20\", 50,")
            let error = try #require(try loadError(toml))
            #expect(error.location?.keyPath == "variants[3].threads[1]")
            #expect(error.message == "expected an integer, found a string")
        }

        @Test func outOfRangeSaysTheRange() throws {
            let error = try #require(try loadError(example(replacing: "connections = 400", with: "connections = 0")))
            #expect(error.location?.keyPath == "load.connections")
            #expect(error.message == "must be between 1 and 100000, found 0")

            let threads = try #require(try loadError(example(replacing: "threads = 10", with: "threads = 500")))
            #expect(threads.message == "threads (500) must not exceed connections (400)")

            let trials = try #require(try loadError(example(replacing: "trials = 3", with: "trials = 0")))
            #expect(trials.message == "must be between 1 and 1000, found 0")
        }

        @Test func duplicateNamesFromOneListSuggestAField() throws {
            let toml = example(replacing: "name = \"flask:{threads}\"", with: "name = \"flask\"")
            let error = try #require(try loadError(toml))
            #expect(error.location?.keyPath == "variants[3].name")
            #expect(error.message == "the list in 'threads' expands into several variants named 'flask'")
            #expect(error.hint == "put the varying value in the name: name = \"flask:{threads}\"")
        }

        @Test func duplicateNamesFromTwoEntriesNameBothLines() throws {
            let toml = example(replacing: "name = \"flask:meinheld\"", with: "name = \"flask:gevent\"")
            let error = try #require(try loadError(toml))
            let first = try #require(line(of: "name = \"flask:gevent\"", in: toml))
            #expect(error.message == "duplicate variant name 'flask:gevent' (lines \(first) and \(first + 4))")
            #expect(error.location?.line == first + 4)
            #expect(error.hint?.contains("{") == true)
        }

        @Test func duplicateNamesAcrossAnExpansion() throws {
            let toml = DefinitionFixture.designExample + "\n[[variants]]\nname = \"flask:50\"\n"
            let error = try #require(try loadError(toml))
            #expect(error.message.hasPrefix("duplicate variant name 'flask:50' (lines "))
        }

        @Test("a name with ' @ ' would read as a cell in a write-up: refused at its line; '@' without spaces and '#' are names like any other")
        func cellSeparatorInName() throws {
            let written = "name = \"flask @ gevent\""
            let toml = example(replacing: "name = \"flask:gevent\"", with: written)
            let error = try #require(try loadError(toml))
            #expect(error.code == .badDefinition)
            #expect(error.location?.keyPath == "variants[1].name")
            #expect(error.location?.line == line(of: written, in: toml))
            #expect(error.message == "the variant name \"flask @ gevent\" contains '@' between spaces, which separates a variant from its levels in a cell's name")
            #expect(error.hint == "use another character, e.g. ':' or '-', or write '@' without spaces around it")
            // A list fills the name: each expanded name is checked.
            let expanded = try #require(try loadError(example(replacing: "name = \"flask:{threads}\"", with: "name = \"flask @ {threads}\"")))
            #expect(expanded.message.hasPrefix("the variant name \"flask @ 10\" contains '@'"))

            let definition = try load(example(replacing: "name = \"flask:gevent\"", with: "name = \"flask@gevent#2\"")
                .replacingOccurrences(of: "root = \"upstream\"               # folder it serves, relative to this file", with: "root = \"upstream\"\ndelay = [\"0ms\", \"50ms\"]"))
            let cells = definition.cells.filter { $0.cell.variant == "flask@gevent#2" }
            #expect(cells.map(\.name) == ["flask@gevent#2 @ delay=0ms", "flask@gevent#2 @ delay=50ms"])
            #expect(Set(definition.cells.map(\.cell)).count == definition.cells.count)
            #expect(cells.map { CellID(written: $0.name) } == cells.map(\.cell))
        }

        @Test func missingRootFolderSaysWhereItLooked() throws {
            let error = try #require(try loadError(DefinitionFixture.designExample, upstream: false))
            #expect(error.location?.keyPath == "upstream.root")
            #expect(error.message.hasPrefix("folder not found: looked for "))
            #expect(error.message.hasSuffix("experiments/aiohttp-vs-flask/upstream"))
        }

        @Test func missingRequirementsFileSaysWhereItLooked() throws {
            let error = try #require(try loadError(DefinitionFixture.designExample, requirements: false))
            #expect(error.location?.keyPath == "app.requirements")
            #expect(error.message.hasPrefix("file not found: looked for "))
            #expect(error.message.hasSuffix("aiohttp-vs-flask/requirements.lock"))
        }

        @Test func rootThatIsAFileIsRejected() throws {
            let error = try #require(try loadError(example(replacing: "root = \"upstream\"", with: "root = \"requirements.lock\"")))
            #expect(error.message.hasSuffix("is a file, not a folder"))
        }

        @Test(arguments: [
            ("duration = 20", "expected a duration such as \"20s\", found an integer", "add a unit in quotes: duration = \"20s\""),
            ("duration = \"20\"", "\"20\" has no unit", "add a unit: duration = \"20s\" (units: h, m, s, ms, us)"),
            ("duration = \"fast\"", "\"fast\" is not a duration", "write durations like \"20s\", \"500ms\", \"1.5s\" or \"1m30s\""),
            ("duration = \"0s\"", "must be longer than zero, found \"0s\"", "e.g. duration = \"20s\""),
            ("duration = \"-5s\"", "a duration cannot be negative, found \"-5s\"", "write a length of time, e.g. duration = \"5s\""),
        ])
        func badDurations(replacement: String, message: String, hint: String?) throws {
            let error = try #require(try loadError(example(replacing: "duration = \"20s\"", with: replacement)))
            #expect(error.location?.keyPath == "load.duration")
            #expect(error.message == message)
            #expect(error.hint == hint)
        }

        @Test func rateNeedsTheBuiltinGenerator() throws {
            let text = example(replacing: "generator = \"wrk\"", with: "generator = \"wrk\"\nrate = 500")
            let error = try #require(try loadError(text))
            #expect(error.location?.keyPath == "load.rate")
            #expect(error.location?.line == line(of: "rate = 500", in: text))
            #expect(error.hint?.contains("generator = \"builtin\"") == true)
            let builtin = try load(example(replacing: "generator = \"wrk\"", with: "generator = \"builtin\"\nrate = 500"))
            #expect(builtin.load.rate == 500)
            #expect(builtin.load.generator == .builtin)
        }

        @Test("a capacity target reads its percentile, comparison, limit and error share; what it cannot read it says why")
        func capacityTargets() throws {
            let target = try CapacityTarget.parse("p99 <= 100ms").get()
            #expect(target == CapacityTarget(percentile: 99, strict: false, limitUs: 100_000))
            #expect(target.description == "p99 ≤ 100ms")
            #expect(target.holds(latencyUs: 100_000, errorShare: 0.5) && !target.holds(latencyUs: 100_001, errorShare: 0))
            let strict = try CapacityTarget.parse("P99.9<0.25s and errors <= 0.1%").get()
            #expect(strict == CapacityTarget(percentile: 99.9, strict: true, limitUs: 250_000, maxErrorShare: 0.001))
            #expect(!strict.holds(latencyUs: 250_000, errorShare: 0) && strict.holds(latencyUs: 249_999, errorShare: 0.001))
            #expect(!strict.holds(latencyUs: 1, errorShare: 0.0011))
            #expect(strict.description == "p99.9 < 250ms and errors ≤ 0.1%")
            for (bad, message) in [
                ("p99 = 100ms", "is not PERCENTILE <= LIMIT"), ("q99 <= 100ms", "is not a percentile"),
                ("p49 <= 100ms", "from p50 to p99.9"), ("p99.99 <= 1s", "from p50 to p99.9"),
                ("p99 <= 100", "in ms or s"), ("p99 <= 0ms", "above zero"), ("p99 <= 2m", "in ms or s"),
                ("p99 <= 100ms and errors < 1%", "errors <= SHARE"), ("p99 <= 100ms and errors <= 100%", "below 100%"),
                ("p99 <= 100ms and p50 <= 10ms", "errors <= SHARE"), ("p99 <= 1s and errors <= 1% and x", "at most one"),
            ] {
                guard case .failure(let error) = CapacityTarget.parse(bad) else {
                    Issue.record("\(bad) was read")
                    continue
                }
                #expect(error.message.contains(message), "\(bad): \(error.message)")
            }
        }

        @Test("capacity needs the built-in generator and is located when it cannot be read; probe and resolution have defaults and ranges")
        func capacityInTheDefinition() throws {
            let wrk = example(replacing: "generator = \"wrk\"", with: "generator = \"wrk\"\ncapacity = \"p99 <= 100ms\"")
            let refused = try #require(try loadError(wrk))
            #expect(refused.code == .badDefinition)
            #expect(refused.location?.keyPath == "load.capacity")
            #expect(refused.location?.line == line(of: "capacity =", in: wrk))
            #expect(refused.hint == "add generator = \"builtin\" to [load]", "\(refused)")
            let builtin = try load(example(replacing: "generator = \"wrk\"", with: "generator = \"builtin\"\ncapacity = \"p99 <= 250ms\""))
            #expect(builtin.load.capacity?.limitUs == 250_000)
            #expect(builtin.load.probe == .seconds(5) && builtin.load.resolution == 0.05)
            #expect(try load(DefinitionFixture.designExample).load.capacity == nil)
            let unreadable = example(replacing: "generator = \"wrk\"", with: "generator = \"builtin\"\ncapacity = \"p99 under 100ms\"")
            let error = try #require(try loadError(unreadable))
            #expect(error.location?.keyPath == "load.capacity" && error.location?.line == line(of: "capacity =", in: unreadable))
            #expect(error.message.contains("cannot read the capacity target \"p99 under 100ms\""), "\(error)")
            #expect(error.hint == CapacityTarget.grammar)
            for (key, bad) in [("probe", "\"0s\""), ("resolution", "\"60%\"")] {
                let text = example(replacing: "generator = \"wrk\"", with: "generator = \"builtin\"\ncapacity = \"p99 <= 1s\"\n\(key) = \(bad)")
                let located = try #require(try loadError(text), "\(key) = \(bad)")
                #expect(located.location?.keyPath == "load.\(key)" && located.location?.line == line(of: "\(key) =", in: text), "\(located)")
            }
        }

        @Test func errorLimitIsAPercentage() throws {
            let definition = try load(example(replacing: "warmup = \"5s\"", with: "warmup = \"5s\"\nmax_error_rate = \"2.5%\""))
            #expect(definition.load.maxErrorRate == 0.025)
            #expect(try load(DefinitionFixture.designExample).load.maxErrorRate == 0.01)
            for bad in ["\"2.5\"", "\"150%\"", "0.5"] {
                let error = try #require(try loadError(example(replacing: "warmup = \"5s\"", with: "warmup = \"5s\"\nmax_error_rate = \(bad)")))
                #expect(error.location?.keyPath == "load.max_error_rate")
            }
        }

        @Test("a window whose requests mostly failed says so; timeouts are slow answers, not errors")
        func errorShare() {
            var window = LoadMeasurement(
                durationUs: 1_000_000, requests: 200, bytes: 0, errors: ErrorCounts(status: 3), latency: [])
            #expect(window.errorShare == 0.015)
            #expect(window.errorProblem(limit: 0.02) == nil)
            #expect(window.errorProblem(limit: 0.01) == "1.50% of requests failed (non-2xx 3), more than the 1.00% a trial may lose")
            window.errors = ErrorCounts(timeout: 100)
            #expect(window.errorProblem(limit: 0.01) == nil)
            // A connection that never opened is a request that never ran: it counts.
            window.errors = ErrorCounts(connect: 50, read: 10)
            #expect(window.errorShare == 60.0 / 250)
            // Nothing answered is no measurement of serving, with or without errors (a level
            // of a sweep the server cannot serve: every request outlives the window).
            let silent = LoadMeasurement(durationUs: 20_000_000, requests: 0, bytes: 0, errors: ErrorCounts(), latency: [])
            #expect(silent.errorProblem(limit: 0.01) == "no request was answered in the window")
            let timedOut = LoadMeasurement(durationUs: 20_000_000, requests: 400, bytes: 0, errors: ErrorCounts(timeout: 400), latency: [])
            #expect(timedOut.errorProblem(limit: 0.01) == "no request was answered in the window (400 timed out)")
        }

        @Test(arguments: ["rate = 0", "rate = -3.5", "rate = \"fast\""])
        func badRates(entry: String) throws {
            let text = example(replacing: "generator = \"wrk\"", with: "generator = \"builtin\"\n\(entry)")
            let error = try #require(try loadError(text))
            #expect(error.code == .badDefinition)
            #expect(error.location?.keyPath == "load.rate")
        }

        @Test("every shipped experiment loads and passes its generator's checks", arguments: ["aiohttp-vs-flask", "aiohttp-vs-flask-open-loop"])
        func shippedExperiments(name: String) throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            // Loading runs every rule, the generator's own included.
            let definition = try DefinitionLoader.load(experiment: name, projectRoot: root)
            #expect(!definition.variants.isEmpty)
        }

        @Test func zeroWarmupIsAllowed() throws {
            let definition = try load(example(replacing: "warmup = \"5s\"", with: "warmup = \"0s\""))
            #expect(definition.load.warmup == .zero)
        }

        @Test func noVariantsIsAnError() throws {
            let error = try #require(try loadError(example(variants: "")))
            #expect(error.location?.keyPath == "variants")
            #expect(error.message == "no variants: an experiment needs at least one [[variants]] section")
        }

        @Test func singleBracketVariantsGetADoubleBracketHint() throws {
            let error = try #require(try loadError(example(variants: "[variants]\nname = \"a\"\n")))
            #expect(error.message == "expected a list of [[variants]] tables, found a table")
            #expect(error.hint == "write each variant under [[variants]], with double brackets")
        }

        @Test func unknownFieldInNameSuggestsTheNearest() throws {
            let toml = example(replacing: "name = \"flask:{threads}\"", with: "name = \"flask:{thread}\"")
            let error = try #require(try loadError(toml))
            #expect(error.location?.keyPath == "variants[3].name")
            #expect(error.message == "unknown field '{thread}' in the name \"flask:{thread}\"")
            #expect(error.hint?.hasPrefix("did you mean '{threads}'?") == true)
        }

        @Test func fieldWithoutAValueInName() throws {
            let toml = example(replacing: "name = \"flask:gevent\"", with: "name = \"flask:{threads}-gevent\"")
            let error = try #require(try loadError(toml))
            #expect(error.message == "the name uses {threads}, but this variant has no threads")
        }

        @Test func badModuleReference() throws {
            let error = try #require(try loadError(example(replacing: "\"apps.flask_app:app\"", with: "\"apps/flask_app.py\"")))
            #expect(error.location?.keyPath == "app.module")
            #expect(error.hint == "write it as package.module:attribute, e.g. \"apps.flask_app:app\"")
        }

        @Test func unsupportedServer() throws {
            let error = try #require(try loadError(example(replacing: "server = \"nginx\"", with: "server = \"ngnix\"")))
            #expect(error.location?.keyPath == "upstream.server")
            #expect(error.message == "\"ngnix\" is not supported")
            #expect(error.hint == "did you mean 'nginx'? server must be 'nginx'")
        }

        @Test func pathMustStartWithASlash() throws {
            let error = try #require(try loadError(example(replacing: "path = \"/remote\"", with: "path = \"remote\"")))
            #expect(error.hint == "write path = \"/remote\"")
        }

        @Test func missingRequiredKeyAndSection() throws {
            let title = try #require(try loadError(example(replacing: "title = ", with: "# title = ")))
            #expect(title.location?.keyPath == "title")
            #expect(title.message == "missing required key")

            let timeout = try #require(try loadError(example(replacing: "timeout = \"10s\"", with: "")))
            #expect(timeout.location?.keyPath == "load.timeout")
            #expect(timeout.location?.line == line(of: "[load]", in: DefinitionFixture.designExample))
            #expect(timeout.hint == "add timeout = \"10s\" under [load]")

            let load = try #require(try loadError(example(replacing: "[load]", with: "[lod]")))
            #expect(load.hint == "did you mean 'load'?")
        }

        @Test func listInAppIsRejected() throws {
            let error = try #require(try loadError(example(replacing: "workers = 2", with: "workers = 2\nthreads = [1, 2]")))
            #expect(error.message == "app.threads cannot be swept; a list of it expands into variants only inside [[variants]]")
            #expect(error.location?.keyPath == "app.threads")
        }

        @Test func syntaxErrorsCarryTheFileAndLine() throws {
            let toml = example(replacing: "path = \"/remote\"", with: "path = \"/remote")
            let error = try #require(try loadError(toml))
            #expect(error.location?.line == line(of: "path = ", in: toml))
            #expect(error.location?.file.hasSuffix("experiment.toml") == true)
            #expect(error.message.hasPrefix("unterminated string"))
        }
    }
}

extension DefinitionTests {
    /// `server = "command"`: any program as a variant, its argv filled with placeholders.
    struct CommandServers {
        static let nodeVariant = """

            [[variants]]
            name = "node"
            server = "command"
            command = ["sh", "-c", "exec node server.js --port $0", "{port}"]
            env = { WORKERS = "{workers}" }
            ready_path = "/health"
            ready_timeout = "5s"
            """

        @Test func aCommandVariantBesideGunicornOnes() throws {
            let definition = try load(DefinitionFixture.designExample + Self.nodeVariant)
            let node = try #require(definition.variants.last)
            #expect(node.server == .command(CommandTemplate(arguments: ["sh", "-c", "exec node server.js --port $0", "{port}"])))
            #expect(node.module == nil && node.workerClass == nil)
            #expect(node.workers == 2, "[app]'s workers apply to commands too")
            #expect(node.readyPath == "/health" && node.readyTimeout == .seconds(5))
            #expect(!node.needsPython)
            #expect(definition.variants.first?.server == .gunicorn(module: "apps.aiohttp_app:app", workerClass: "aiohttp.GunicornWebWorker"))

            let launch = AppLaunch.make(
                variant: node, values: .trial(host: "127.0.0.1", port: 8123, upstreamURL: "http://u/", python: nil, directory: definition.directory),
                directory: definition.directory)
            #expect(launch.command.executable == "sh")
            #expect(launch.command.arguments == ["-c", "exec node server.js --port $0", "8123"])
            #expect(launch.command.environment["WORKERS"] == "2")
            #expect(launch.command.environment["UPSTREAM_URL"] == "http://u/")
            #expect(launch.command.workingDirectory == definition.directory)
            // Stored with the run, the machine-local values stay placeholders.
            let shown = AppLaunch.make(variant: node, values: .placeholders, directory: definition.directory)
            #expect(shown.commandLine == "UPSTREAM_URL={upstream_url} sh -c 'exec node server.js --port $0' {port}")
            let gunicorn = AppLaunch.make(variant: definition.variants[0], values: .placeholders, directory: definition.directory)
            #expect(gunicorn.commandLine.hasPrefix("UPSTREAM_URL={upstream_url} {venv}/bin/gunicorn apps.aiohttp_app:app --workers 2 --bind {host}:{port}"))
        }

        @Test func anExperimentWithoutPythonNeedsNoLock() throws {
            let toml = """
                title = "no python"
                [upstream]
                root = "upstream"
                [app]
                server = "command"
                command = ["sh", "-c", "exec sleep 1", "{port}"]
                [load]
                path = "/"
                connections = 10
                threads = 2
                duration = "2s"
                timeout = "1s"
                [[variants]]
                name = "a"
                """
            let definition = try withFixture(toml, requirements: false) { try DefinitionLoader.load(experiment: nil, projectRoot: $0.root) }
            #expect(definition.app.requirements == nil)
            #expect(definition.app.server == .command)
            // A gunicorn variant in the same file needs the lock, and says so.
            let error = try #require(try loadError(toml + "\n[[variants]]\nname = \"g\"\nserver = \"gunicorn\"\nmodule = \"app:app\"\n", requirements: false))
            #expect(error.location?.keyPath == "app.requirements")
            #expect(error.message.contains("variant 'g' runs Python"))
        }

        @Test(arguments: [
            (#"command = []"#, "an empty command runs nothing", "variants[4].command"),
            (#"command = ["sh", "-c", "true"]"#, "never uses {port}", "variants[4].command"),
            (#"command = ["sh", "{prot}"]"#, "unknown placeholder {prot}", "variants[4].command"),
            (#"command = ["no-such-program-here", "{port}"]"#, "is not on PATH", "variants[4].command"),
            (#"command = ["./missing.sh", "{port}"]"#, "is not an executable file", "variants[4].command"),
            (#"command = ["sh", "{threads}", "{port}"]"#, "has no threads", "variants[4].command"),
            (#"command = ["sh", "{port}"]\#nworker_class = "gevent""#, "worker_class is for gunicorn", "variants[4].worker_class"),
        ])
        func badCommands(entry: String, message: String, keyPath: String) throws {
            let text = DefinitionFixture.designExample + "\n[[variants]]\nname = \"cmd\"\nserver = \"command\"\n" + entry + "\n"
            let error = try #require(try loadError(text))
            #expect(error.code == .badDefinition)
            #expect(error.message.contains(message), "got: \(error.message)")
            #expect(error.location?.keyPath == keyPath)
            #expect(error.location?.line != nil)
            #expect(error.hint != nil)
        }

        @Test func aGunicornModuleMustBeInTheExperimentFolder() throws {
            let text = example(replacing: "module = \"apps.aiohttp_app:app\"", with: "module = \"apps.nope:app\"")
            let error = try #require(try loadError(text))
            #expect(error.location?.keyPath == "variants[0].module")
            #expect(error.location?.line == line(of: "apps.nope", in: text))
            #expect(error.message.contains("has no file in the experiment folder: looked for "))
            #expect(error.message.hasSuffix("apps/nope.py"))
            // The folder is named once, with one slash after it.
            #expect(error.hint?.hasSuffix("/ as working directory; check the module path") == true)
            #expect(error.hint?.contains("//") == false, "\(error.hint ?? "")")
        }

        @Test func placeholdersAreFoundOnlyAroundNames() {
            #expect(CommandTemplate.names(in: "--port={port}:{host} {\"a\": 1} {} {x_y}") == ["port", "host", "x_y"])
        }
    }
}

extension DefinitionTests {
    struct Durations {
        @Test(arguments: [
            ("20s", Duration.seconds(20)), ("500ms", .milliseconds(500)), ("1.5s", .milliseconds(1500)),
            ("2m", .seconds(120)), ("1m30s", .seconds(90)), ("1h", .seconds(3600)), ("250us", .microseconds(250)),
            (" 5s ", .seconds(5)), ("0s", .zero),
        ])
        func parses(text: String, expected: Duration) {
            #expect(DurationSyntax.parse(text) == expected)
        }

        @Test(arguments: ["20", "", "s", "1.s", "-5s", "5 s", "fast", "5sec", "99999999999999999999s"])
        func rejects(text: String) {
            #expect(DurationSyntax.parse(text) == nil)
        }
    }
}

extension DefinitionTests {
    struct Overrides {
        private func definition() throws -> ExperimentDefinition {
            try load(DefinitionFixture.designExample)
        }

        @Test func quickMeansOneShortTrial() throws {
            let quick = try definition().applying(RunOverrides(quick: true))
            #expect(quick.trials == 1)
            #expect(quick.load.duration == .seconds(3))
            #expect(quick.load.warmup == .seconds(1))
            #expect(quick.variants.count == 11)
        }

        @Test func explicitValuesWinOverQuick() throws {
            let overrides = RunOverrides(
                quick: true, trials: 2, duration: .seconds(5), warmup: .zero, connections: 50)
            let result = try definition().applying(overrides)
            #expect(result.trials == 2)
            #expect(result.load.duration == .seconds(5))
            #expect(result.load.warmup == .zero)
            #expect(result.load.connections == 50)
            #expect(result.load.threads == 10)
        }

        @Test func fewerConnectionsThanThreadsLowersTheThreads() throws {
            let result = try definition().applying(RunOverrides(connections: 4))
            #expect(result.load.threads == 4)
        }

        @Test func variantsFilterKeepsDefinitionOrderAndPositions() throws {
            let result = try definition().applying(RunOverrides(variants: ["flask:50", "aiohttp"]))
            #expect(result.variants.map(\.name) == ["aiohttp", "flask:50"])
            #expect(result.variants.map(\.position) == [0, 5])
        }

        @Test func unknownVariantListsTheValidNames() throws {
            let error = try #require(throws: ReportgenError.self) {
                try definition().applying(RunOverrides(variants: ["aiohttp", "flask:5"]))
            }
            #expect(error.code == .badArgument)
            #expect(error.message == "unknown variant 'flask:5' in --variants")
            #expect(error.hint?.hasPrefix("did you mean 'flask:50'? variants: aiohttp, flask:gevent,") == true)
        }

        @Test(arguments: [
            RunOverrides(trials: 0), RunOverrides(duration: .zero), RunOverrides(warmup: .seconds(-1)),
            RunOverrides(connections: 0), RunOverrides(variants: []),
        ])
        func badValuesAreArgumentErrors(overrides: RunOverrides) throws {
            let error = try #require(throws: ReportgenError.self) { try definition().applying(overrides) }
            #expect(error.code == .badArgument)
        }

        @Test func canonicalJSONIsStable() throws {
            let a = RunOverrides(quick: true, trials: 2, duration: .seconds(5), variants: ["b", "a\"x"])
            let b = RunOverrides(quick: true, trials: 2, duration: .milliseconds(5000), variants: ["a\"x", "b", "b"])
            #expect(try a.canonicalJSON() == #"{"duration_us":5000000,"quick":true,"trials":2,"variants":["a\"x","b"]}"#)
            #expect(try a.canonicalJSON() == b.canonicalJSON())
            #expect(try RunOverrides().canonicalJSON() == #"{"quick":false}"#)
        }

        @Test func generatorAndRateSwitchToAnOpenLoop() throws {
            let result = try definition().applying(RunOverrides(generator: .builtin, rate: 2500))
            #expect(result.load.generator == .builtin)
            #expect(result.load.rate == 2500)
            let overrides = RunOverrides(generator: .builtin, rate: 2500)
            #expect(try overrides.canonicalJSON() == #"{"generator":"builtin","quick":false,"rate":2500}"#)
        }

        @Test func rateWithoutTheBuiltinGeneratorSaysHowToFixIt() throws {
            let error = try #require(throws: ReportgenError.self) {
                try definition().applying(RunOverrides(rate: 1000))
            }
            #expect(error.code == .badArgument)
            #expect(error.message == "--rate asks for an open loop, which only the built-in generator runs")
            #expect(error.hint == "add --generator builtin")
        }

        @Test func unknownGeneratorInTheFileSuggestsTheNearest() throws {
            let error = try #require(try loadError(example(replacing: "generator = \"wrk\"", with: "generator = \"bultin\"")))
            #expect(error.code == .badDefinition)
            #expect(error.location?.keyPath == "load.generator")
            #expect(error.hint == "did you mean 'builtin'? generator must be 'wrk' or 'builtin'")
        }

        @Test func wrkNeedsWholeSecondsButBuiltinDoesNot() throws {
            // Written in the file, the error points at the key and its line.
            let text = example(replacing: "duration = \"20s\"", with: "duration = \"2.5s\"")
            let error = try #require(try loadError(text))
            #expect(error.code == .badDefinition)
            #expect(error.location?.keyPath == "load.duration")
            #expect(error.location?.line == line(of: "duration = \"2.5s\"", in: text))
            #expect(error.message == "wrk takes whole seconds, but load.duration is 2.5 seconds")
            // Given on the command line, the error names the flag.
            let flagged = try #require(throws: ReportgenError.self) {
                try definition().applying(RunOverrides(duration: .milliseconds(2500)))
            }
            #expect(flagged.code == .badArgument)
            #expect(flagged.message == "wrk takes whole seconds, but --duration is 2.5 seconds")
            #expect(flagged.hint == "round it, e.g. --duration 3s, or add --generator builtin")
            let builtin = try definition().applying(RunOverrides(duration: .milliseconds(2500), generator: .builtin))
            #expect(builtin.load.duration == .milliseconds(2500))
        }

        @Test func rateFromTheFileWithWrkFromTheCommandLineNamesTheFlag() throws {
            let builtin = try load(example(replacing: "generator = \"wrk\"", with: "generator = \"builtin\"\nrate = 500"))
            let error = try #require(throws: ReportgenError.self) { try builtin.applying(RunOverrides(generator: .wrk)) }
            #expect(error.code == .badArgument)
            #expect(error.message == "load.rate in the definition asks for an open loop, which only the built-in generator runs")
            #expect(error.hint == "drop --generator wrk, or use a definition without rate")
        }

        @Test func threadsFromTheCommandLineMustFitTheConnections() throws {
            let error = try #require(throws: ReportgenError.self) {
                try definition().applying(RunOverrides(connections: 20, threads: 30))
            }
            #expect(error.code == .badArgument)
            #expect(error.message == "threads (30) must not exceed connections (20)")
        }

        @Test func codableRoundTrip() throws {
            let overrides = RunOverrides(
                quick: true, trials: 2, duration: .milliseconds(1500), warmup: .seconds(1), connections: 10,
                threads: 2, variants: ["aiohttp"], generator: .builtin, rate: 12.5)
            let data = try JSONEncoder().encode(overrides)
            #expect(try JSONDecoder().decode(RunOverrides.self, from: data) == overrides)
        }
    }
}

extension DefinitionTests {
    /// `trials = "auto"` and the keys and flags that go with it.
    struct TrialsUntilClear {
        let fixed = "trials = 3                      # repeated trials per variant"

        @Test func autoStartsWithThreeRoundsAndDefaults() throws {
            let definition = try load(example(replacing: fixed, with: "trials = \"auto\""))
            #expect(definition.trials == 3)
            #expect(definition.precision == PrecisionTarget(target: 0.05, maxTrials: 10, timeBudget: nil))
            #expect(try load(DefinitionFixture.designExample).precision == nil, "a fixed number stays fixed")
        }

        @Test func everyKeyIsRead() throws {
            let text = example(replacing: fixed, with: "trials = \"auto\"\nprecision = \"2.5%\"\nmax_trials = 8\ntime_budget = \"30m\"")
            let definition = try load(text)
            #expect(definition.precision == PrecisionTarget(target: 0.025, maxTrials: 8, timeBudget: .seconds(1800)))
            // A precision alone asks for it too.
            let alone = try load(example(replacing: fixed, with: "precision = \"10%\""))
            #expect(alone.precision?.target == 0.1)
            #expect(alone.trials == 3)
        }

        @Test func badValuesPointAtTheirKey() throws {
            let cases: [(String, String, String)] = [
                ("trials = \"lots\"", "trials", "\"lots\" is not a number of trials"),
                ("trials = \"auto\"\nprecision = \"0%\"", "precision", "must be above 0% and below 100%"),
                ("trials = \"auto\"\nprecision = \"5\"", "precision", "\"5\" is not a percentage"),
                ("trials = \"auto\"\nmax_trials = 2", "max_trials", "must be at least the 3 trials every variant gets first, found 2"),
                ("trials = \"auto\"\ntime_budget = \"0s\"", "time_budget", "must be longer than zero"),
                ("trials = 3\nmax_trials = 8", "max_trials", "max_trials applies only when trials are added until the answer is clear"),
            ]
            for (entry, key, message) in cases {
                let text = example(replacing: fixed, with: entry)
                let error = try #require(try loadError(text), "\(entry)")
                #expect(error.code == .badDefinition)
                #expect(error.location?.keyPath == key, "\(entry)")
                #expect(error.message == message, "\(entry)")
                #expect(error.location?.line == line(of: entry.components(separatedBy: "\n").first { $0.hasPrefix(key) }!, in: text))
                #expect(error.hint?.isEmpty == false)
            }
        }

        @Test func flagsTurnItOnOrShapeIt() throws {
            let plain = try load(DefinitionFixture.designExample)
            let on = try plain.applying(RunOverrides(precision: 0.05, maxTrials: 8))
            #expect(on.precision == PrecisionTarget(target: 0.05, maxTrials: 8))
            #expect(on.trials == 3)
            #expect(on.sources[.maxTrials] == .flag("--max-trials"))
            let auto = try load(example(replacing: fixed, with: "trials = \"auto\"\nmax_trials = 6"))
            #expect(try auto.applying(RunOverrides(timeBudget: .seconds(600))).precision
                == PrecisionTarget(target: 0.05, maxTrials: 6, timeBudget: .seconds(600)))
            // --trials alone, or --quick, asks for a fixed number.
            #expect(try auto.applying(RunOverrides(trials: 2)).precision == nil)
            #expect(try auto.applying(RunOverrides(quick: true)).precision == nil)
            #expect(try RunOverrides(precision: 0.05, maxTrials: 8, timeBudget: .seconds(60)).canonicalJSON()
                == #"{"max_trials":8,"precision":0.05,"quick":false,"time_budget_us":60000000}"#)
        }

        @Test func flagsWithoutAPrecisionSayHowToAskForOne() throws {
            let error = try #require(throws: ReportgenError.self) {
                try load(DefinitionFixture.designExample).applying(RunOverrides(maxTrials: 8))
            }
            #expect(error.code == .badArgument)
            #expect(error.message == "--max-trials applies only when trials are added until the answer is clear")
            #expect(error.hint == "add --precision 5% (or trials = \"auto\" in the definition)")
            let low = try #require(throws: ReportgenError.self) {
                try load(DefinitionFixture.designExample).applying(RunOverrides(precision: 0.05, maxTrials: 2))
            }
            #expect(low.message == "--max-trials must be at least the 3 trials every variant gets first, found 2")
        }

        @Test(arguments: [("5%", 0.05), ("2.5 %", 0.025), (" 10% ", 0.1)])
        func percentages(text: String, share: Double) {
            #expect(PercentSyntax.parse(text) == share)
        }

        @Test(arguments: ["5", "%", "five%", "nan%", ""])
        func notPercentages(text: String) {
            #expect(PercentSyntax.parse(text) == nil)
        }
    }
}

extension DefinitionTests {
    /// Lists in `[upstream]`, `[load]` and `[app]` make the experiment a grid of cells.
    struct Sweeps {
        static let delays = example(replacing: "root = \"upstream\"               # folder it serves, relative to this file", with: "root = \"upstream\"\ndelay = [\"0ms\", \"10ms\", \"50ms\", \"0.2s\"]")

        @Test("a delay list makes every variant a cell at every delay, variants slowest, named by their level")
        func delaysMakeCells() throws {
            let definition = try load(Self.delays)
            #expect(definition.isSweep)
            #expect(definition.sweeps.map(\.setting) == [.delay])
            #expect(definition.sweeps[0].levels.map(\.label) == ["0ms", "10ms", "50ms", "200ms"])
            #expect(definition.upstreamDelays == [.zero, .milliseconds(10), .milliseconds(50), .milliseconds(200)])
            let cells = definition.cells
            #expect(cells.count == 11 * 4)
            #expect(cells.prefix(5).map(\.name) == [
                "aiohttp @ delay=0ms", "aiohttp @ delay=10ms", "aiohttp @ delay=50ms", "aiohttp @ delay=200ms",
                "flask:gevent @ delay=0ms",
            ])
            #expect(cells.map(\.position) == Array(0..<44))
            #expect(cells[2].cell.variant == "aiohttp")
            #expect(definition.upstreamDelay(for: cells[2]) == .milliseconds(50))
            #expect(definition.load(for: cells[2]) == definition.load)
            // --variants picks variants: each keeps all its cells.
            let picked = try definition.applying(RunOverrides(variants: ["flask:10"])).cells
            #expect(picked.map(\.name) == ["flask:10 @ delay=0ms", "flask:10 @ delay=10ms", "flask:10 @ delay=50ms", "flask:10 @ delay=200ms"])
            // Outside a sweep the cells are the variants, names unchanged.
            let plain = try load(DefinitionFixture.designExample)
            #expect(plain.cells == plain.variants)
            #expect(plain.upstreamDelays == [.zero])
        }

        @Test("two sweeps give every combination, the one written first varying slowest; the load follows each cell's levels")
        func twoSweeps() throws {
            let text = example(replacing: "connections = 400\nthreads = 10", with: "connections = [5, 400]\nthreads = 10")
                .replacingOccurrences(of: "workers = 2\n", with: "workers = [1, 2]\n")
            let definition = try load(text)
            #expect(definition.sweeps.map(\.setting) == [.workers, .connections])
            let cells = definition.cells.filter { $0.cell.variant == "flask:10" }
            #expect(cells.map(\.name) == [
                "flask:10 @ workers=1, connections=5", "flask:10 @ workers=1, connections=400",
                "flask:10 @ workers=2, connections=5", "flask:10 @ workers=2, connections=400",
            ])
            #expect(cells.map(\.workers) == [1, 1, 2, 2])
            // Fewer connections than load threads lowers the threads for that cell.
            #expect(definition.load(for: cells[0]).connections == 5)
            #expect(definition.load(for: cells[0]).threads == 5)
            #expect(definition.load(for: cells[1]).threads == 10)
            // A flag fixes a swept setting: the grid keeps the other one.
            let fixed = try definition.applying(RunOverrides(connections: 100))
            #expect(fixed.sweeps.map(\.setting) == [.workers])
            #expect(fixed.cells.count == 11 * 2)
        }

        @Test("bad lists exit 65 with the key path, line and a hint", arguments: [
            ("delay = []", "an empty list sweeps no levels", "upstream.delay"),
            ("delay = [\"10ms\", \"10ms\"]", "the level 10ms is listed twice (upstream.delay[0] and upstream.delay[1])", "upstream.delay[1]"),
            ("delay = [\"10ms\", \"-5ms\"]", "a duration cannot be negative, found \"-5ms\"", "upstream.delay[1]"),
            ("delay = [\"10ms\", \"fast\"]", "\"fast\" is not a duration", "upstream.delay[1]"),
            ("delay = [10, 20]", "expected a duration such as \"20s\", found an integer", "upstream.delay[0]"),
            ("workers = [1, 2]", "upstream.workers cannot be swept: a list here would make a grid of it", "upstream.workers"),
            ("delay = [\"10ms\", \"2.5ms\"]", "nginx holds a response for whole milliseconds, found 2.5ms", "upstream.delay[1]"),
        ])
        func badUpstreamLists(entry: String, message: String, keyPath: String) throws {
            let text = example(replacing: "server = \"nginx\"", with: "server = \"nginx\"\n\(entry)")
            let error = try #require(try loadError(text))
            #expect(error.code == .badDefinition)
            #expect(error.message == message)
            #expect(error.location?.keyPath == keyPath)
            #expect(error.location?.line == line(of: entry, in: text))
            #expect(error.hint != nil)
        }

        @Test("an unsweepable load key, a third swept setting, a rate swept with wrk and a variant's own workers under a workers sweep are refused")
        func refusedGrids() throws {
            let threads = try #require(try loadError(example(replacing: "threads = 10", with: "threads = [5, 10]")))
            #expect(threads.message == "load.threads cannot be swept: a list here would make a grid of it")
            #expect(threads.hint == "settings that take a list of levels: upstream.delay, load.connections, load.rate, app.workers; write one value here")

            let three = example(replacing: "connections = 400", with: "connections = [100, 400]")
                .replacingOccurrences(of: "workers = 2\n", with: "workers = [1, 2]\n")
                .replacingOccurrences(of: "server = \"nginx\"", with: "server = \"nginx\"\ndelay = [\"0ms\", \"10ms\"]")
            let grid = try #require(try loadError(three))
            #expect(grid.message == "3 settings are swept (upstream.delay, app.workers, load.connections); a grid sweeps at most 2")
            #expect(grid.location?.keyPath == "load.connections")

            let rate = try #require(try loadError(example(replacing: "threads = 10", with: "threads = 10\nrate = [100, 200]")))
            #expect(rate.message == "an open-loop rate needs the built-in generator; wrk only runs a closed loop")
            #expect(rate.location?.keyPath == "load.rate")

            let own = example(replacing: "workers = 2\n", with: "workers = [1, 2]\n")
                .replacingOccurrences(of: "worker_class = \"gevent\"", with: "worker_class = \"gevent\"\nworkers = 4")
            let workers = try #require(try loadError(own))
            #expect(workers.message == "this variant sets workers, but app.workers is swept")
            #expect(workers.location?.keyPath == "variants[1].workers")
        }

        @Test("validate's estimate multiplies cells, trials and the measured cost of a trial")
        func estimate() throws {
            let definition = try load(Self.delays)
            let assumed = RunEstimate(definition: definition, storedOverhead: nil)
            #expect(assumed.trials == 44 * 3)
            #expect(assumed.perTrialSeconds == 25 + RunEstimate.assumedOverheadSeconds)
            #expect(!assumed.overheadMeasured)
            let measured = RunEstimate(definition: definition, storedOverhead: 9)
            #expect(measured.overheadSeconds == 4)
            #expect(measured.seconds == Double(44 * 3) * 29)
            #expect(measured.text.hasSuffix("≈ 64 min"))
        }
    }
}
