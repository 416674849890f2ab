import Foundation

/// A machine a run places roles on, with everything a trial does there: pick a port, start
/// a role's process (pinned to CPUs when asked), write and fetch files, sample. This
/// machine (`LocalHost`) and a host reached over OpenSSH (`RemoteHost`) are its two kinds;
/// placement is the only thing that differs between a local and a remote role.
public protocol RoleHost: AnyObject, Sendable {
    /// The host's name in the definition ("local" for this machine).
    var name: String { get }
    /// The address servers on the host listen on and other roles reach them at.
    var address: String { get }
    /// What the host is.
    var facts: HostFacts { get }
    /// This run's folder on the host: configuration, logs and the load generator's output.
    var workFolder: URL { get }
    /// Where the experiment's folder is on the host.
    var experimentFolder: URL { get }
    /// A port free on the host a moment ago.
    func freePort() throws -> Int
    /// Whether something accepts connections on `port` there.
    func isListening(port: Int) -> Bool
    /// Starts `command` in a session of its own, pinned to `cpus` when given, its output in
    /// `logFile` on the host.
    func start(_ command: Command, logFile: URL, cpus: CPUSet?) throws -> any RoleProcess
    /// Writes `text` to `file` on the host.
    func write(_ text: String, to file: URL) throws
    /// The contents of `file` on the host, or nil when it does not exist.
    func read(_ file: URL) throws -> Data?
    /// Removes files on the host, ignoring any that are gone.
    func remove(_ files: [URL])
    /// The experiment's path `local` (a file or folder under it) as the host sees it.
    func hostPath(_ local: URL) -> URL
    /// Runs a short command there to completion (a version, `pip freeze`); nil when it
    /// cannot be started.
    func output(_ executable: String, _ arguments: [String], limit: Duration) -> CommandOutput?
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
