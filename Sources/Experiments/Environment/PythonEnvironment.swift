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

    /// The venv for `lock`, created on first use. `log` receives one line per step. A
    /// cancelled caller stops the install where it is; the next run builds it again.
    public static func prepare(
        lock: URL, interpreter: String = "python3", cache: URL = PythonEnvironment.cacheFolder,
        log: (String) -> Void
    ) async throws -> PythonEnvironment {
        let lockText = try readLock(lock)
        let version = try interpreterVersion(interpreter)
        let key = cacheKey(lock: lockText, interpreter: version)
        let folder = cache.appendingPathComponent("venvs/\(key)")
        let environment = PythonEnvironment(folder: folder)
        let marker = folder.appendingPathComponent(markerName)
        if FileManager.default.fileExists(atPath: marker.path) { return environment }

        log("creating the Python environment for \(lock.lastPathComponent) (\(version)); once per lock")
        // Built in place; the marker is written last, so a half-built venv (an interrupted
        // install) is recognised and rebuilt.
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(
            at: folder.deletingLastPathComponent(), withIntermediateDirectories: true)
        let logFile = cache.appendingPathComponent("venvs/\(key)-install.log")
        try? FileManager.default.removeItem(at: logFile)
        let env = ProcessEnvironment.base(path: ProcessEnvironment.inheritedPath)
        try await runStep(
            interpreter, ["-m", "venv", folder.path], environment: env, logFile: logFile,
            failure: "could not create a virtual environment with \(interpreter)",
            hint: "install Debian's python3-venv (apt-get install python3-venv) or run 'reportgen doctor'")
        try await runStep(
            environment.python.path,
            ["-m", "pip", "install", "--no-deps", "--no-input", "--disable-pip-version-check",
             "--require-virtualenv", "-r", lock.path],
            environment: env, logFile: logFile,
            failure: "the pinned packages in \(lock.lastPathComponent) did not install",
            hint: "fix the pin named in pip's output below; the full log is \(logFile.path)",
            location: SourceLocation(file: lock.path, keyPath: "app.requirements"))
        try Data().write(to: marker)
        return environment
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

    /// `python3 --version` of the interpreter that builds venvs.
    static func interpreterVersion(_ interpreter: String) throws -> String {
        let output = try CommandOutput.run(
            interpreter, ["-c", "import sys, platform; print(platform.python_implementation(), sys.version.split()[0], sys.executable)"])
        guard output.status == .exited(0) else {
            throw ReportgenError(
                .missingDependency, "\(interpreter) does not run: \(output.text)",
                hint: "install Python 3 (apt-get install python3 python3-venv)")
        }
        return output.text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func runStep(
        _ executable: String, _ arguments: [String], environment: [String: String],
        logFile: URL, failure: String, hint: String, location: SourceLocation? = nil
    ) async throws {
        let process = try ChildProcess(
            executable: executable, arguments: arguments, environment: environment,
            logFile: logFile)
        ChildRegistry.shared.noteWaitedFor(process.pid)
        guard let status = await process.exit() else {
            await process.stop()
            throw CancellationError()
        }
        if status != .exited(0) {
            throw ReportgenError(
                .badDefinition, failure, at: location, hint: hint, output: process.logTail(bytes: 1500))
        }
    }
}
