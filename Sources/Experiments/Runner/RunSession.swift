import Foundation

/// What every trial of a run shares: a private working folder, the Python environment, the
/// upstream and the load generator. Opened once per run; `close` stops what it started and
/// removes the folder, on every path out.
struct RunSession: Sendable {
    let work: URL
    /// The experiment's Python environment; nil when no variant of this run needs Python.
    let python: PythonEnvironment?
    let upstream: NginxUpstream
    /// A generator for each distinct load the cells ask for (one outside a sweep of
    /// connections or rate).
    let loadgens: [(load: LoadSettings, generator: any LoadGenerating)]
    let host: LocalHost

    /// The generator that drives `load`.
    func loadgen(for load: LoadSettings) -> any LoadGenerating {
        loadgens.first { $0.load == load }?.generator ?? loadgens[0].generator
    }

    /// Prepares the Python environment when a variant needs it (once per lock, cached), then
    /// starts the upstream.
    static func open(
        definition: ExperimentDefinition, options: RunnerOptions, emit: @escaping @Sendable (RunEvent) -> Void
    ) async throws -> RunSession {
        var python: PythonEnvironment?
        if let lock = definition.app.requirements, definition.variants.contains(where: \.needsPython) {
            python = try await PythonEnvironment.prepare(lock: lock, cache: options.cache) { emit(.note($0)) }
        }
        let work = FileManager.default.temporaryDirectory
            .appendingPathComponent("reportgen-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        do {
            var loadgens: [(load: LoadSettings, generator: any LoadGenerating)] = []
            for load in [definition.load] + definition.cells.map(definition.load(for:)) where !loadgens.contains(where: { $0.load == load }) {
                loadgens.append((load, try LoadGeneratorKind.make(load, folder: work, executable: options.loadExecutable)))
            }
            let host = LocalHost()
            // One nginx serves every delay the run needs, each on its own path: it never
            // restarts between cells.
            let upstream = try await NginxUpstream.start(
                settings: definition.upstream, delays: definition.upstreamDelays,
                folder: work.appendingPathComponent("nginx"), host: host, clock: options.clock)
            let delays = upstream.delays.contains { $0 > .zero }
                ? ", holding each response " + upstream.delays.map { SweepLevel.delay($0).label }.joined(separator: " / ")
                : ""
            emit(.note("upstream: nginx on \(upstream.url(delay: .zero)) serving \(definition.upstream.root.path)\(delays)"))
            return RunSession(work: work, python: python, upstream: upstream, loadgens: loadgens, host: host)
        } catch {
            try? FileManager.default.removeItem(at: work)
            throw error
        }
    }

    func close() async {
        await upstream.stop()
        try? FileManager.default.removeItem(at: work)
    }
}
