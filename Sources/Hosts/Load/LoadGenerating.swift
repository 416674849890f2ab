import Core
import Definition
import Foundation
import LoadGen
import Records

/// A load generator the runner can drive: it runs as a child process for one window and
/// leaves a report behind, so its CPU time and memory are sampled like the servers' and a
/// person can rerun the exact command line.
public protocol LoadGenerating: Sendable {
    var kind: LoadGeneratorKind { get }
    /// Whether one run can hold the warm-up and the window on the same connections, the
    /// window measured from the intervals after the warm-up (`start(url:warmup:…)` with a
    /// warm-up); when not, a warm-up is a run of its own before the window's.
    var runsWarmupInline: Bool { get }
    /// The exact, shell-quoted command line of a run; stored with the trial.
    func commandLine(url: String, warmup: Duration, duration: Duration, label: String) -> String
    /// Starts the generator for one run, a warm-up (only when `runsWarmupInline`, else zero)
    /// then the window; the caller waits with `RunningLoad.finish`.
    func start(url: String, warmup: Duration, duration: Duration, label: String) async throws -> RunningLoad
}

extension LoadGenerating {
    /// The command line of a window without a warm-up.
    public func commandLine(url: String, duration: Duration, label: String) -> String {
        commandLine(url: url, warmup: .zero, duration: duration, label: label)
    }

    /// Starts a window without a warm-up.
    public func start(url: String, duration: Duration, label: String) async throws -> RunningLoad {
        try await start(url: url, warmup: .zero, duration: duration, label: label)
    }
}

extension LoadGeneratorKind {
    /// The generator for `settings`, writing its files into `folder`. The built-in one runs
    /// as `executable load …`: the caller declares which reportgen that is.
    public static func make(
        _ settings: LoadSettings, folder: URL, executable: URL?, host: any RoleHost = LocalHost(), cpus: CPUSet? = nil
    ) async throws -> any LoadGenerating {
        switch settings.generator {
        case .wrk:
            return try await WrkLoadGenerator(folder: folder, settings: settings, host: host, cpus: cpus)
        case .builtin:
            guard let executable else {
                throw ReportgenError(
                    .missingDependency, "the built-in load generator runs as 'reportgen load', and no reportgen executable was given",
                    hint: "run it through the reportgen command, or use generator = \"wrk\"")
            }
            return BuiltinLoadGenerator(folder: folder, settings: settings, executable: executable, cpus: cpus)
        }
    }
}

/// A load generator process in flight.
public struct RunningLoad: Sendable {
    public let process: any RoleProcess
    let name: String
    /// The whole run: warm-up and window.
    let duration: Duration
    /// Files the generator writes for the runner; removed once read or discarded, since a
    /// built-in window can leave tens of MB and a run has dozens of windows.
    let outputs: [URL]
    /// The host the outputs are on.
    let host: any RoleHost
    let read: @Sendable () async throws -> LoadMeasurement

    init(
        process: any RoleProcess, name: String, duration: Duration, outputs: [URL], host: any RoleHost = LocalHost(),
        read: @escaping @Sendable () async throws -> LoadMeasurement
    ) {
        self.process = process
        self.host = host
        self.name = name
        self.duration = duration
        self.outputs = outputs
        self.read = read
    }

    /// How long past its window a generator may take before it counts as hung.
    static let overrun: Duration = .seconds(30)

    /// Waits for the generator to finish its run. Cancelled, it stops the generator and
    /// throws `CancellationError`.
    public func waitForExit<C: Clock>(clock: C) async throws where C.Duration == Duration {
        let limit = duration + Self.overrun
        if await process.exit(within: limit, clock: clock) == nil {
            await abandon()
            try Task.checkCancellation()
            throw ReportgenError(
                .processFailed, "\(name) did not finish within \(limit)", output: await process.recentOutput())
        }
    }

    /// Reads what the generator measured, then removes its files; call after `waitForExit`.
    public func measurement() async throws -> LoadMeasurement {
        let result: Result<LoadMeasurement, any Error>
        do { result = .success(try await read()) } catch { result = .failure(error) }
        await discard()
        return try result.get()
    }

    /// Removes what the generator wrote without reading it (a warm-up).
    public func discard() async {
        await host.remove(outputs)
    }

    /// Waits for the generator and reads what it measured.
    public func finish<C: Clock>(clock: C) async throws -> LoadMeasurement where C.Duration == Duration {
        try await waitForExit(clock: clock)
        return try await measurement()
    }

    /// Stops the generator early (interrupt or failure) and removes its files.
    public func abandon() async {
        await process.stop(grace: .seconds(1))
        await discard()
    }
}
