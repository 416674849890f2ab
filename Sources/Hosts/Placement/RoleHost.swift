import Core
import Definition
import Foundation
import Records
import Supervision

/// Where a role runs, with everything a run does there: check it, ready it, pick a port,
/// start a role's process (pinned to CPUs when asked), write and fetch files, run a short
/// command, build the app's Python environment, measure the round trip to another host.
/// This machine (`LocalHost`) and a host reached over OpenSSH (`RemoteHost`) are its two
/// kinds; placement is the only thing that differs between a local and a remote role, and
/// no caller asks which kind it holds. What crosses the network is `async` and holds no
/// thread while it waits.
public protocol RoleHost: AnyObject, Sendable {
    /// The host's name in the definition ("local" for this machine).
    var name: String { get }
    /// The address servers on the host listen on and other roles reach them at.
    var address: String { get }
    /// What the host is, read when it was opened.
    var facts: HostFacts { get }
    /// This run's folder on the host: configuration, logs and the load generator's output.
    var workFolder: URL { get }
    /// Where the experiment's folder is on the host.
    var experimentFolder: URL { get }
    /// How messages name the host: "this machine", or `host "NAME"`.
    var displayName: String { get }
    /// Where something happened, for the end of a message: "" for this machine,
    /// ` on host "NAME"` (without quotes when `quoted` is false) for another.
    func whereabouts(quoted: Bool) -> String
    /// The experiment's path `local` (a file or folder under it) as the host sees it.
    func hostPath(_ local: URL) -> URL

    /// The error for `missing` requirements of `roles`: what each is for and the command
    /// that installs them there.
    func missingError(_ missing: [Requirement], roles: [ProcessRole]) -> ReportgenError
    /// Readies the host for a run once every host passed its check: stops what a
    /// reportgen that was killed left there, copies the experiment over, and measures its
    /// clock's offset from this machine's (nil for this machine), noting what it did.
    func prepare(note: @escaping @Sendable (String) -> Void) async throws -> ClockOffset?
    /// Opens the connection again when it dropped, so one lost connection fails one trial,
    /// not the run.
    func reconnect() async throws
    /// Stops what the host still runs for the run, removes its folder and disconnects.
    func close() async

    /// A port free on the host a moment ago.
    func freePort() async throws -> Int
    /// Whether something accepts connections on `port` there.
    func isListening(port: Int) async -> Bool
    /// Starts `command` in a process group of its own, pinned to `cpus` when given, its
    /// output in `logFile` on the host.
    func start(_ command: Command, logFile: URL, cpus: CPUSet?) async throws -> any RoleProcess
    /// Writes `text` to `file` on the host.
    func write(_ text: String, to file: URL) async throws
    /// The contents of `file` on the host, or nil when it does not exist.
    func read(_ file: URL) async throws -> Data?
    /// Removes files and folders on the host, ignoring any that are gone.
    func remove(_ files: [URL]) async
    /// Runs a short command there to completion (a version, `pip freeze`, a step of a build).
    func run(_ executable: String, _ arguments: [String], limit: Duration) async throws -> CommandOutput
    /// The network round trip from the host to `address`, as `ping` measures it there.
    func roundTrip(to address: String) async throws -> RoundTrip?
    /// Where and how the host builds the app's Python environment (`PythonEnvironment.prepare`).
    func pythonPlace(cache: URL) -> PythonPlace
}

extension RoleHost {
    /// Runs a short command there to completion; nil when it cannot be started.
    public func output(_ executable: String, _ arguments: [String], limit: Duration) async -> CommandOutput? {
        try? await run(executable, arguments, limit: limit)
    }

    /// The app's Python environment for `lock` on this host, built there once per lock and
    /// interpreter.
    public func preparePython(lock: URL, cache: URL, log: @escaping @Sendable (String) -> Void) async throws -> PythonEnvironment {
        try await PythonEnvironment.prepare(lock: lock, on: self, cache: cache, log: log)
    }

    /// Fails (exit 69) naming what the host lacks for `roles` and how to install it there;
    /// fails (exit 65) when a role is pinned to CPUs the host does not offer.
    public func check(roles: [ProcessRole], definition: ExperimentDefinition) throws {
        let placement = definition.placement
        let here = placement.host(named: name) ?? .local
        let missing = facts.lacking(Requirement.needed(by: roles, on: here, definition: definition))
        if !missing.isEmpty { throw missingError(missing, roles: roles) }
        for role in roles {
            guard let cpus = placement[role].cpus else { continue }
            if let allowed = facts.allowedCPUs, !cpus.isSubset(of: allowed) {
                throw ReportgenError(
                    .badDefinition, "cpus = \(cpus.description.quoted) names CPUs that \(displayName) does not offer: it has \(allowed)",
                    at: placement[role].cpusSource,
                    hint: "pin the \(role.noun) to CPUs within \(allowed) (what 'taskset -cp $$' prints there)")
            }
        }
    }
}

extension Command {
    /// The command run under `taskset -c cpus`, so it and everything it starts stays on
    /// those CPUs; unchanged without cpus.
    func pinned(to cpus: CPUSet?) -> Command {
        guard let cpus else { return self }
        var pinned = self
        pinned.executable = "taskset"
        pinned.arguments = ["-c", cpus.description, executable] + arguments
        return pinned
    }
}
