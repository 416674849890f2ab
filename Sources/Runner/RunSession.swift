import Core
import Definition
import Foundation
import Hosts

/// What every trial of a run shares: the hosts its roles are placed on (this machine and
/// any reached over ssh), a private working folder on each, the app host's Python
/// environment, the upstream and the load generators. Opened once per run; `close` stops
/// what it started and removes the folders, on every path out.
struct RunSession: Sendable {
    /// This run's folder in `$TMPDIR/reportgen-UID` (private): removed by `close`, at exit,
    /// or, after a kill that ran neither, by the next reportgen that makes one there.
    let work: ScratchFolder
    /// The app host's Python environment; nil when no variant of this run needs Python.
    let python: PythonEnvironment?
    let upstream: NginxUpstream
    /// A generator for each distinct load the cells ask for (one outside a sweep of
    /// connections or rate).
    let loadgens: [(load: LoadSettings, generator: any LoadGenerating)]
    /// Every host a role runs on, by name.
    let hosts: HostSet

    /// The host the app servers run on.
    var appHost: any RoleHost { hosts.host(of: .app) }

    /// The generator that drives `load`.
    func loadgen(for load: LoadSettings) -> any LoadGenerating {
        loadgens.first { $0.load == load }?.generator ?? loadgens[0].generator
    }

    /// A generator for a load no cell asks for: a capacity probe's rate, or the closed loop
    /// against the upstream alone that measures the generator's own limit.
    func makeLoadgen(_ load: LoadSettings, options: RunnerOptions, cpus: CPUSet?) async throws -> any LoadGenerating {
        let host = hosts.host(of: .loadgen)
        return try await LoadGeneratorKind.make(
            load, folder: host.workFolder, executable: options.loadExecutable, host: host, cpus: cpus)
    }

    /// Connects the remote hosts and checks them (nothing is started before every host
    /// passes), prepares the Python environment where the app runs (once per lock, cached),
    /// then starts the upstream.
    static func open(
        definition: ExperimentDefinition, options: RunnerOptions, emit: @escaping @Sendable (RunEvent) -> Void
    ) async throws -> RunSession {
        let work = try ScratchFolder(
            in: try PrivateFolder.temporary(purpose: "the runs' work folders"), removesEmptyParent: true,
            purpose: "this run's work folder")
        let hosts = try await cleaningUpOnFailure({ work.remove() }) {
            try await HostSet.open(definition: definition, work: work.url, emit: emit)
        }
        return try await cleaningUpOnFailure({
            await hosts.close()
            work.remove()
        }) {
            let placement = definition.placement
            var python: PythonEnvironment?
            if let lock = definition.app.requirements, definition.variants.contains(where: \.needsPython) {
                python = try await hosts.host(of: .app).preparePython(lock: lock, cache: options.cache) { emit(.note($0)) }
            }
            let loadHost = hosts.host(of: .loadgen)
            var loadgens: [(load: LoadSettings, generator: any LoadGenerating)] = []
            for load in [definition.load] + definition.cells.map(definition.load(for:)) where !loadgens.contains(where: { $0.load == load }) {
                loadgens.append((load, try await LoadGeneratorKind.make(
                    load, folder: loadHost.workFolder, executable: options.loadExecutable, host: loadHost,
                    cpus: placement[.loadgen].cpus)))
            }
            // One nginx serves every delay the run needs, each on its own path: it never
            // restarts between cells.
            let upstreamHost = hosts.host(of: .upstream)
            let upstream = try await NginxUpstream.start(
                settings: definition.upstream, delays: definition.upstreamDelays,
                folder: upstreamHost.workFolder.appendingPathComponent("nginx"), host: upstreamHost,
                cpus: placement[.upstream].cpus, clock: options.clock)
            let delays = upstream.delays.contains { $0 > .zero }
                ? ", holding each response " + upstream.delays.map { SweepLevel.delay($0).label }.joined(separator: " / ")
                : ""
            emit(.note("upstream: nginx\(upstreamHost.whereabouts(quoted: false)) on \(upstream.url(delay: .zero)) serving \(definition.upstream.root.path)\(delays)"))
            return RunSession(work: work, python: python, upstream: upstream, loadgens: loadgens, hosts: hosts)
        }
    }

    /// Reconnects a host whose connection dropped, so one lost connection costs one trial,
    /// not the run.
    func reconnect() async throws {
        try await hosts.reconnect()
    }

    func close() async {
        await upstream.stop()
        await hosts.close()
        work.remove()
    }
}
