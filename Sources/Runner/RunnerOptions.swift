import Core
import Foundation
import Hosts

/// How a runner goes about a run, beside what the definition says.
public struct RunnerOptions: Sendable {
    /// Start a new run even when this definition already has one on this machine.
    public var rerun = false
    /// Stop at the first failed trial.
    public var failFast = false
    /// How long an app server may take to answer 200 after it starts.
    public var readinessTimeout: Duration = .seconds(60)
    /// The reportgen executable that runs the built-in generator (`reportgen load`); needed
    /// only when the definition uses it.
    public var loadExecutable: URL?
    /// What waits measure time with: windows' deadlines, readiness timeouts, sampling.
    public var clock: any Clock<Duration> = ContinuousClock()
    /// Where Python environments are built and reused; tests give their own.
    public var cache: URL = PythonEnvironment.cacheFolder
    /// Picks the app server's port on its host for each trial; tests replace it to occupy
    /// the port.
    public var appPort: @Sendable (any RoleHost) async throws -> Int = { try await $0.freePort() }

    /// Runs the warm-up as a generator run of its own before the window's, as every
    /// generator did before one run held both: the error a continuous load fixes (requests the
    /// warm-up leaves queued in the server are served in front of the window's). For the test
    /// that shows that error; nothing else sets it.
    public var separateWarmup = false

    public init() {}
}
