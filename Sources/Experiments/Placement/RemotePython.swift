import Foundation

/// The app's Python environment on a remote host: built there once per lock and
/// interpreter and cached in the host's folder, from PyPI when the host reaches it;
/// otherwise this machine's environment for the same lock and interpreter (built here
/// first when needed) is copied over and its scripts pointed at their new folder.
enum RemotePython {
    static func prepare(
        on host: RemoteHost, lock: URL, cache: URL, log: (String) -> Void
    ) async throws -> PythonEnvironment {
        let lockText = try PythonEnvironment.readLock(lock)
        let interpreter = host.definition.python
        let probe = try host.connection.run(
            "\(shellQuoted(interpreter)) -c 'import sys, platform, venv; print(platform.python_implementation(), sys.version.split()[0], sys.executable)'")
        guard probe.status == .exited(0) else {
            throw ReportgenError(
                .missingDependency, "\(interpreter) does not run on host \(host.name.quoted) (or lacks venv): \(probe.text.trimmingCharacters(in: .whitespacesAndNewlines))",
                hint: "install Python there: ssh \(host.definition.ssh ?? host.name) sudo apt-get install -y python3 python3-venv python3-dev, or set python = \"…\" under [hosts.\(host.name)]")
        }
        let version = probe.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let key = PythonEnvironment.cacheKey(lock: lockText, interpreter: version)
        let folder = URL(fileURLWithPath: host.facts.folder).appendingPathComponent("venvs/\(key)")
        let marker = folder.appendingPathComponent(PythonEnvironment.markerName).path
        if try host.connection.run("test -f \(shellQuoted(marker))").status == .exited(0) {
            return PythonEnvironment(folder: folder)
        }

        log("creating the Python environment on host \(host.name) for \(lock.lastPathComponent) (\(version)); once per lock")
        let remoteLock = host.hostPath(lock).path
        let venv = shellQuoted(folder.path)
        let install = try host.connection.run(
            "rm -rf \(venv) && \(shellQuoted(interpreter)) -m venv \(venv) && \(venv)/bin/python -m pip install --no-deps --no-input "
                + "--disable-pip-version-check --require-virtualenv --retries 0 --timeout 15 -r \(shellQuoted(remoteLock)) "
                + "&& touch \(shellQuoted(marker))",
            limit: .seconds(1800))
        if install.status == .exited(0) { return PythonEnvironment(folder: folder) }

        // No registry from there: this machine's environment for the same lock and interpreter.
        let executable = String(version.split(separator: " ").last ?? "")
        var local = cache.appendingPathComponent("venvs/\(key)")
        if !FileManager.default.fileExists(atPath: local.appendingPathComponent(PythonEnvironment.markerName).path) {
            guard let here = try? PythonEnvironment.interpreterVersion(executable), here == version else {
                throw ReportgenError(
                    .missingDependency,
                    "host \(host.name.quoted) could not install \(lock.lastPathComponent) (no package registry from there?), and this machine has no \(version) to build it with",
                    hint: "let the host reach PyPI, or install the same Python here",
                    output: String(install.text.suffix(1500)))
            }
            log("host \(host.name) reaches no package registry: building the environment here to copy it over")
            local = try await PythonEnvironment.prepare(lock: lock, interpreter: executable, cache: cache, log: log).folder
        } else {
            log("host \(host.name) reaches no package registry: copying this machine's environment for the same lock")
        }
        try host.connection.upload(folder: local, to: folder.path, excluding: ["/" + PythonEnvironment.markerName])
        // Scripts name their interpreter by absolute path: point them at the new folder.
        let relocate = """
            for f in \(venv)/bin/*; do
              [ -f "$f" ] && [ ! -L "$f" ] && grep -q \(shellQuoted(local.path)) "$f" 2>/dev/null \
                && sed -i "s|\(local.path)|\(folder.path)|g" "$f"
            done
            touch \(shellQuoted(marker))
            """
        try host.connection.check(relocate, what: "moving the Python environment into place")
        return PythonEnvironment(folder: folder)
    }
}
