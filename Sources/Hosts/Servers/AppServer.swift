import Core
import Definition
import Foundation
import Supervision

#if canImport(Glibc)
import Glibc
#endif

/// What a variant's server command is filled in with: a trial's real values, or placeholders
/// for a command line that reads the same on every machine (stored with the variant).
public struct LaunchValues: Sendable, Equatable {
    public var host: String
    public var port: String
    public var upstreamURL: String
    /// The experiment's venv folder, when it has one.
    public var venv: String?
    public var directory: String

    /// A trial's values.
    public static func trial(
        host: String, port: Int, upstreamURL: String, python: PythonEnvironment?, directory: URL
    ) -> LaunchValues {
        LaunchValues(
            host: host, port: "\(port)", upstreamURL: upstreamURL, venv: python?.folder.path, directory: directory.path)
    }

    /// The machine-local values as `{placeholder}`s.
    public static let placeholders = LaunchValues(
        host: "{host}", port: "{port}", upstreamURL: "{upstream_url}", venv: "{venv}", directory: "{dir}")

    var python: String? { venv.map { $0 + "/bin/python" } }
}

/// How one variant's app server is started: the exact command line and environment, run
/// from the experiment's folder.
public struct AppLaunch: Sendable, Equatable {
    public var command: Command

    /// The command for `variant` filled with `values`.
    public static func make(variant: VariantDefinition, values: LaunchValues, directory: URL) -> AppLaunch {
        let executable: String
        var arguments: [String]
        switch variant.server {
        case .gunicorn(let module, let workerClass):
            executable = (values.venv ?? "") + "/bin/gunicorn"
            arguments = [
                module,
                "--workers", "\(variant.workers)",
                "--bind", HostPort.join(values.host, values.port),
                "--worker-class", workerClass,
            ]
            if let threads = variant.threads { arguments += ["--threads", "\(threads)"] }
            arguments += [
                // gunicorn 23+ opens a control socket in the working folder; runs must not
                // leave files in the experiment or collide with each other.
                "--no-control-socket",
                "--graceful-timeout", "3",
                "--log-level", "warning",
            ]
        case .command(let template):
            let filled = template.filled(placeholderValues(variant: variant, values: values))
            // A relative program is the experiment's; the child's working folder is no help
            // in finding it.
            let program = filled[0]
            executable = program.contains("/") && !program.hasPrefix("/") && !program.hasPrefix("{")
                ? directory.appendingPathComponent(program).path : program
            arguments = Array(filled.dropFirst())
        }
        let systemPath = ProcessEnvironment.systemPath
        var environment = ProcessEnvironment.base(path: values.venv.map { $0 + "/bin:" + systemPath } ?? systemPath)
        if let venv = values.venv { environment["VIRTUAL_ENV"] = venv }
        environment["UPSTREAM_URL"] = values.upstreamURL
        // Keep the experiment folder clean of __pycache__.
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        environment["PYTHONUNBUFFERED"] = "1"
        let filling = placeholderValues(variant: variant, values: values)
        for (key, value) in variant.environment { environment[key] = CommandTemplate.fill(value, filling) }
        return AppLaunch(
            command: Command(executable: executable, arguments: arguments, environment: environment, workingDirectory: directory))
    }

    private static func placeholderValues(variant: VariantDefinition, values: LaunchValues) -> [Placeholder: String] {
        var filling: [Placeholder: String] = [
            .port: values.port, .host: values.host, .upstreamURL: values.upstreamURL, .workers: "\(variant.workers)",
            .dir: values.directory,
        ]
        filling[.threads] = variant.threads.map { "\($0)" }
        filling[.python] = values.python
        return filling
    }

    /// The command line as a person would type it (environment that matters included).
    public var commandLine: String { commandLine(pinnedTo: nil) }

    /// The command line as it runs pinned to `cpus` (under taskset), or unpinned.
    public func commandLine(pinnedTo cpus: CPUSet?) -> String {
        "UPSTREAM_URL=\(command.environment["UPSTREAM_URL"] ?? "") " + command.pinned(to: cpus).commandLine
    }
}

/// A running app server for one trial.
public struct AppServer: Sendable {
    public let launch: AppLaunch
    public let process: any RoleProcess
    public let port: Int
    /// Where other roles reach it.
    public let address: String

    /// Starts the server on `host` (pinned to `cpus` when given) after checking that nothing
    /// already listens on `port`, so a stale server cannot answer the readiness check in its place.
    public static func start(
        launch: AppLaunch, port: Int, logFile: URL, host: any RoleHost = LocalHost(), cpus: CPUSet? = nil
    ) async throws -> AppServer {
        if await host.isListening(port: port) {
            throw ReportgenError(
                .processFailed,
                "port \(port) was already taken before the app server started",
                hint: "another process listens there; reportgen picks a new port for the next trial")
        }
        return AppServer(
            launch: launch, process: try await host.start(launch.command, logFile: logFile, cpus: cpus), port: port,
            address: host.address)
    }

    /// Waits until GET `path` answers 200; throws with the log tail if the server exits,
    /// answers something else until the deadline, or never answers.
    public func waitUntilReady<C: Clock>(path: String, timeout: Duration, clock: C) async throws
    where C.Duration == Duration {
        try await ServerReadiness.wait(
            for: process, name: "the app server", address: address, port: port, path: path, okOnly: true,
            timeout: timeout, clock: clock
        ) { [process] in await process.recentOutput() }
    }

    /// Stops the server's whole process group; a zero grace kills it at once (the window is
    /// over and nothing it does any more is measured).
    public func stop(grace: Duration = .seconds(5)) async {
        await process.stop(grace: grace)
    }
}
