import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// How one variant's app server is started: the exact gunicorn command line and environment.
public struct AppLaunch: Sendable, Equatable {
    public var executable: String
    public var arguments: [String]
    public var environment: [String: String]
    public var workingDirectory: URL

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
            executable: python.binFolder.appendingPathComponent("gunicorn").path,
            arguments: arguments, environment: environment, workingDirectory: directory)
    }

    /// The command line as a person would type it (environment that matters included).
    public var commandLine: String {
        "UPSTREAM_URL=\(environment["UPSTREAM_URL"] ?? "") " + ChildProcess.commandLine([executable] + arguments)
    }
}

/// A running app server for one trial.
public final class GunicornApp: @unchecked Sendable {
    // @unchecked: used by the runner's thread only; the sampler reads the immutable pid.
    public let launch: AppLaunch
    public let process: ChildProcess
    public let port: Int

    /// Starts the server after checking that nothing already listens on `port`, so a stale
    /// server cannot answer the readiness check in its place.
    public init(launch: AppLaunch, port: Int, logFile: URL) throws {
        if LoopbackPort.isListening(port) {
            throw ReportgenError(
                .processFailed,
                "port \(port) was already taken before the app server started",
                hint: "another process listens there; reportgen picks a new port for the next trial")
        }
        self.launch = launch
        self.port = port
        process = try ChildProcess(
            executable: launch.executable, arguments: launch.arguments,
            environment: launch.environment, workingDirectory: launch.workingDirectory,
            logFile: logFile)
    }

    /// Waits until GET `path` answers 200; throws with the log tail if the server exits,
    /// answers something else until the deadline, or never answers.
    public func waitUntilReady(path: String, timeout: Duration, interrupt: Interrupt) throws {
        let deadline = ContinuousClock.now + timeout
        var lastStatus: Int?
        while true {
            if let status = process.poll() {
                throw ReportgenError(
                    .processFailed, "the app server \(status) before it answered",
                    underlying: process.logTail())
            }
            lastStatus = HTTPProbe.status(port: port, path: path, timeout: .seconds(2))
            if lastStatus == 200 { return }
            if ContinuousClock.now > deadline {
                let answer = lastStatus.map { "answered \($0)" } ?? "did not answer"
                throw ReportgenError(
                    .processFailed,
                    "the app server \(answer) on \(path) within \(timeout) of starting",
                    underlying: process.logTail())
            }
            try interrupt.check()
            usleep(50_000)
        }
    }

    public func stop() {
        process.stop(grace: .seconds(5))
    }
}
