import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// How one variant's app server is started: the exact gunicorn command line and environment.
public struct AppLaunch: Sendable, Equatable {
    public var command: Command

    /// The gunicorn command for `variant` on `port`, run from the experiment's folder.
    public static func gunicorn(
        variant: VariantDefinition, port: Int, upstreamURL: String, python: PythonEnvironment,
        directory: URL
    ) -> AppLaunch {
        var arguments = [
            variant.module,
            "--workers", "\(variant.workers)",
            "--bind", "127.0.0.1:\(port)",
            "--worker-class", variant.workerClass,
        ]
        if let threads = variant.threads { arguments += ["--threads", "\(threads)"] }
        arguments += [
            // gunicorn 23+ opens a control socket in the working folder; runs must not
            // leave files in the experiment or collide with each other.
            "--no-control-socket",
            "--graceful-timeout", "3",
            "--log-level", "warning",
        ]
        var environment = ProcessEnvironment.base(path: python.binFolder.path + ":" + ProcessEnvironment.systemPath)
        environment["VIRTUAL_ENV"] = python.folder.path
        environment["UPSTREAM_URL"] = upstreamURL
        // Keep the experiment folder clean of __pycache__.
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        environment["PYTHONUNBUFFERED"] = "1"
        for (key, value) in variant.environment { environment[key] = value }
        return AppLaunch(
            command: Command(
                executable: python.binFolder.appendingPathComponent("gunicorn").path,
                arguments: arguments, environment: environment, workingDirectory: directory))
    }

    /// The command line as a person would type it (environment that matters included).
    public var commandLine: String {
        "UPSTREAM_URL=\(command.environment["UPSTREAM_URL"] ?? "") " + command.commandLine
    }
}

/// A running app server for one trial.
public struct AppServer: Sendable {
    public let launch: AppLaunch
    public let process: ChildProcess
    public let port: Int

    /// Starts the server after checking that nothing already listens on `port`, so a stale
    /// server cannot answer the readiness check in its place.
    public static func start(launch: AppLaunch, port: Int, logFile: URL, host: LocalHost = LocalHost()) throws -> AppServer {
        if host.isListening(port: port) {
            throw ReportgenError(
                .processFailed,
                "port \(port) was already taken before the app server started",
                hint: "another process listens there; reportgen picks a new port for the next trial")
        }
        return AppServer(launch: launch, process: try host.start(launch.command, logFile: logFile), port: port)
    }

    /// Waits until GET `path` answers 200; throws with the log tail if the server exits,
    /// answers something else until the deadline, or never answers.
    public func waitUntilReady<C: Clock>(path: String, timeout: Duration, clock: C) async throws
    where C.Duration == Duration {
        try await ServerReadiness.wait(
            for: process, name: "the app server", port: port, path: path, okOnly: true, timeout: timeout,
            clock: clock
        ) { [process] in process.logTail() }
    }

    /// Stops the server's whole process group; a zero grace kills it at once (the window is
    /// over and nothing it does any more is measured).
    public func stop(grace: Duration = .seconds(5)) async {
        await process.stop(grace: grace)
    }
}
