import Foundation

/// What every trial of a run shares: a private working folder, the Python environment, the
/// upstream and the load generator. Opened once per run; `close` stops what it started and
/// removes the folder, on every path out.
struct RunSession: Sendable {
    let work: URL
    /// The experiment's Python environment; nil when no variant of this run needs Python.
    let python: PythonEnvironment?
    let upstream: NginxUpstream
    let loadgen: any LoadGenerating
    let host: LocalHost

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
            let loadgen = try LoadGeneratorKind.make(definition.load, folder: work, executable: options.loadExecutable)
            let host = LocalHost()
            let upstream = try await NginxUpstream.start(
                settings: definition.upstream, folder: work.appendingPathComponent("nginx"), host: host,
                clock: options.clock)
            emit(.note("upstream: nginx on \(upstream.url) serving \(definition.upstream.root.path)"))
            return RunSession(work: work, python: python, upstream: upstream, loadgen: loadgen, host: host)
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
