import Core
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A virtual environment built from a pinned lock with `pip install --no-deps`, cached by
/// the hash of the lock and the interpreter, so every run with the same lock uses the same
/// packages and only the first one pays for the install.
public struct PythonEnvironment: Sendable, Equatable {
    /// The venv folder.
    public var folder: URL
    public var binFolder: URL { folder.appendingPathComponent("bin") }
    public var python: URL { binFolder.appendingPathComponent("python") }

    /// Where venvs are cached: $REPORTGEN_CACHE, else $XDG_CACHE_HOME/reportgen, else ~/.cache/reportgen.
    public static var cacheFolder: URL {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["REPORTGEN_CACHE"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit)
        }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("reportgen")
        }
        let home = environment["HOME"] ?? NSTemporaryDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".cache/reportgen")
    }

    /// The venv for `lock` on `host`, created there on first use: the interpreter is asked
    /// what it is, the lock and its answer name the environment, and an environment with its
    /// marker is ready; otherwise it is built in place (venv, then pip), the marker written
    /// last, so a half-built one (an interrupted install) is built again. A host whose build
    /// fails may have another way (`PythonPlace.fallback`). `log` receives one line per
    /// step. A cancelled caller stops the install where it is; the next run builds it again.
    public static func prepare(
        lock: URL, interpreter: String? = nil, on host: any RoleHost = LocalHost(),
        cache: URL = PythonEnvironment.cacheFolder, log: @escaping @Sendable (String) -> Void
    ) async throws -> PythonEnvironment {
        let place = host.pythonPlace(cache: cache)
        let interpreter = interpreter ?? place.interpreter
        let lockText = try readLock(lock)
        let version = try await interpreterVersion(interpreter, on: host, hint: place.installHint)
        let key = cacheKey(lock: lockText, interpreter: version)
        let environment = PythonEnvironment(folder: place.venvs.appendingPathComponent(key))
        let marker = environment.folder.appendingPathComponent(markerName)
        if try await host.read(marker) != nil { return environment }

        log("creating the Python environment\(host.whereabouts(quoted: false)) for \(lock.lastPathComponent) (\(version)); once per lock")
        let logFile = cache.appendingPathComponent("venvs/\(key)-install.log")
        do {
            try await build(environment, interpreter: interpreter, lock: lock, on: host, place: place, logFile: logFile)
            try await host.write("", to: marker)
        } catch let failure as ReportgenError {
            guard let fallback = place.fallback else { throw failure }
            return try await fallback(PythonFallback(
                lock: lock, key: key, version: version, environment: environment, cache: cache, failure: failure, log: log))
        }
        return environment
    }

    /// venv, then pip installing the lock, each a command on `host`; what they print goes
    /// to `logFile` on this machine.
    private static func build(
        _ environment: PythonEnvironment, interpreter: String, lock: URL, on host: any RoleHost, place: PythonPlace,
        logFile: URL
    ) async throws {
        await host.remove([environment.folder])
        try FileManager.default.createDirectory(at: logFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: logFile)
        try await step(
            interpreter, ["-m", "venv", environment.folder.path], on: host, logFile: logFile,
            failure: "could not create a virtual environment with \(interpreter)",
            hint: "install Debian's python3-venv (apt-get install python3-venv) or run 'reportgen doctor'")
        try await step(
            environment.python.path,
            ["-m", "pip", "install", "--no-deps", "--no-input", "--disable-pip-version-check", "--require-virtualenv"]
                + place.pipArguments + ["-r", host.hostPath(lock).path],
            on: host, logFile: logFile,
            failure: "the pinned packages in \(lock.lastPathComponent) did not install",
            hint: "fix the pin named in pip's output below; the full log is \(logFile.path)",
            location: SourceLocation(file: lock.path, keyPath: "app.requirements"))
    }

    /// The lock's text; a lock that cannot be read is the definition's error.
    static func readLock(_ lock: URL) throws -> String {
        do {
            return try String(contentsOf: lock, encoding: .utf8)
        } catch {
            throw ReportgenError(
                .badDefinition, "cannot read the requirements lock",
                at: SourceLocation(file: lock.path, keyPath: "app.requirements"), underlying: error)
        }
    }

    /// The file written last into a finished environment.
    static let markerName = ".reportgen-complete"

    /// Names an environment by its lock and interpreter (implementation, version, path).
    static func cacheKey(lock: String, interpreter: String) -> String {
        String(SHA256.hex(lock + "\n" + interpreter).prefix(16))
    }

    /// What the interpreter that builds venvs on `host` is: implementation, version and
    /// path, as in "CPython 3.11.2 /usr/bin/python3".
    static func interpreterVersion(_ interpreter: String, on host: any RoleHost, hint: String) async throws -> String {
        let output = try await host.run(
            interpreter, ["-c", "import sys, platform; print(platform.python_implementation(), sys.version.split()[0], sys.executable)"],
            limit: .seconds(30))
        guard output.status == .exited(0) else {
            throw ReportgenError(
                .missingDependency, "\(interpreter) does not run\(host.whereabouts(quoted: true)): \(output.text)", hint: hint)
        }
        return output.text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs one step of a build (no longer than a stuck install may take); what it printed
    /// goes to `logFile`, whose end a failure carries.
    private static func step(
        _ executable: String, _ arguments: [String], on host: any RoleHost, logFile: URL, failure: String, hint: String,
        location: SourceLocation? = nil
    ) async throws {
        let output = try await host.run(executable, arguments, limit: .seconds(1800))
        if let handle = try? FileHandle(forWritingTo: logFile) {
            _ = try? handle.seekToEnd()
            try? handle.write(contentsOf: Data(output.text.utf8))
            try? handle.close()
        } else {
            try? output.text.write(to: logFile, atomically: false, encoding: .utf8)
        }
        if output.status != .exited(0) {
            let tail = String(decoding: ((try? Data(contentsOf: logFile)) ?? Data()).suffix(1500), as: UTF8.self)
            throw ReportgenError(.badDefinition, failure, at: location, hint: hint, output: tail)
        }
    }
}

/// Where and how a host builds the app's Python environment: its interpreter, the folder of
/// its environments, what pip is told, and what it does when the build fails there.
public struct PythonPlace: Sendable {
    /// The interpreter that builds environments there.
    public var interpreter: String
    /// The folder the host keeps its environments in, one per lock and interpreter.
    public var venvs: URL
    /// How to get a Python that runs there, for the error when none does.
    public var installHint: String
    /// pip's arguments beyond the common ones: a host with a fallback gives up on a registry
    /// it cannot reach at once.
    public var pipArguments: [String] = []
    /// Another way to the environment when the build fails there; nil: the failure is the error.
    public var fallback: (@Sendable (PythonFallback) async throws -> PythonEnvironment)?
}

/// What a host's fallback gets: the environment that did not build, and why.
public struct PythonFallback: Sendable {
    public var lock: URL
    /// The environment's name: the hash of the lock and the interpreter.
    public var key: String
    /// The interpreter, as `PythonEnvironment.interpreterVersion` gives it.
    public var version: String
    public var environment: PythonEnvironment
    public var cache: URL
    public var failure: ReportgenError
    public var log: @Sendable (String) -> Void
}
