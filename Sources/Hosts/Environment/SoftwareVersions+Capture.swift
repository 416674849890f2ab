import Core
import Definition
import Foundation
import Records
import Supervision

extension SoftwareVersions {
    /// Asks each tool for its version; a tool that fails is recorded as unknown, not fatal.
    /// `python` is the run's environment, if it has one; `programs` are the executables of
    /// its command servers.
    /// Each program is asked on the host its role runs on (`host(role)`): nginx on the
    /// upstream's, wrk on the load generator's, Python and the app's programs on the app's.
    public static func capture(
        python: PythonEnvironment?, programs: [String], projectRoot: URL,
        host: (ProcessRole) -> any RoleHost = { _ in LocalHost() }
    ) async -> SoftwareVersions {
        func firstLine(_ role: ProcessRole, _ executable: String, _ arguments: [String], limit: Duration = .seconds(30)) async -> String? {
            guard let output = await host(role).output(executable, arguments, limit: limit) else { return nil }
            let line = output.text.split(separator: "\n").first.map(String.init)
            return line?.trimmingCharacters(in: .whitespaces)
        }
        var versions = SoftwareVersions(
            reportgen: ReportgenVersion.current, projectCommit: await projectCommit(projectRoot),
            nginx: await firstLine(.upstream, "nginx", ["-v"]).map { $0.replacingOccurrences(of: "nginx version: ", with: "") },
            wrk: await firstLine(.loadgen, WrkLoadGenerator.program, ["-v"]))
        if let python {
            versions.python = await firstLine(.app, python.python.path, ["--version"])
            versions.pipFreeze = await host(.app).output(
                python.python.path, ["-m", "pip", "freeze", "--all", "--disable-pip-version-check"], limit: .seconds(30))
                .map { $0.text.split(separator: "\n").map(String.init) } ?? []
            versions.gunicorn = await firstLine(.app, python.binFolder.appendingPathComponent("gunicorn").path, ["--version"])
        }
        var found: [String: String] = [:]
        for program in Set(programs) where python.map({ program != $0.python.path }) ?? true {
            // A program that does not know --version may start serving instead: a short limit.
            guard let output = await host(.app).output(program, ["--version"], limit: .seconds(3)),
                output.status == .exited(0),
                let line = output.text.split(separator: "\n").first?.trimmingCharacters(in: .whitespaces), !line.isEmpty
            else { continue }
            found[URL(fileURLWithPath: program).lastPathComponent] = line
        }
        if !found.isEmpty { versions.programs = found }
        return versions
    }

    /// `git rev-parse HEAD` of the project, with "-dirty" when it has uncommitted changes.
    static func projectCommit(_ root: URL) async -> String? {
        guard let head = try? await CommandOutput.run("git", ["-C", root.path, "rev-parse", "HEAD"]),
            head.status == .exited(0)
        else { return nil }
        let commit = head.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let status = try? await CommandOutput.run("git", ["-C", root.path, "status", "--porcelain", "--untracked-files=no"])
        let dirty = (status?.text.isEmpty == false) ? "-dirty" : ""
        return commit + dirty
    }
}
