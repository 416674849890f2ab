import Core
import Foundation
import Supervision
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One host reached with the user's own OpenSSH: a master connection (`ControlMaster`)
/// that every command, copy and long-running role of the run shares, `BatchMode` so that
/// nothing ever waits at a password prompt, and the user's ~/.ssh/config, keys and
/// known_hosts as they are. `REPORTGEN_SSH_CONFIG` names another config file (`ssh -F`).
public final class SSHConnection: Sendable {
    /// What `ssh` is given: "user@host" or a Host alias.
    public let destination: String
    /// The host's name in the definition, for messages.
    public let hostName: String
    let configFile: String?
    /// The master's control socket, in a private folder of its own (whoever may connect
    /// to it runs commands on the host as this user).
    let controlPath: String
    private let controlFolder: URL
    private let master = Mutex<ChildProcess?>(nil)
    private let logFolder: URL

    /// The environment variable that names an ssh config file to use instead of ~/.ssh/config.
    public static let configVariable = "REPORTGEN_SSH_CONFIG"

    /// Makes the private folder of the control socket; `logFolder` (the ssh clients' logs)
    /// is made private when the connection opens.
    public init(destination: String, hostName: String, logFolder: URL) throws {
        self.destination = destination
        self.hostName = hostName
        self.logFolder = logFolder
        let config = ProcessInfo.processInfo.environment[Self.configVariable]
        configFile = (config?.isEmpty ?? true) ? nil : config
        // Unix socket paths are short (108 bytes): a folder of its own under /tmp, named
        // with this process's pid so that the next run can tell one a killed reportgen left.
        Self.removeLeftControlFolders()
        controlFolder = try PrivateFolder.unique(prefix: "\(Self.controlPrefix)\(getpid())-", purpose: "ssh's control socket").url
        let safe = hostName.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }.prefix(24)
        controlPath = controlFolder.appendingPathComponent("\(safe).sock").path
    }

    /// How the control folders under /tmp are named: the prefix, the owner's pid, a dash.
    static let controlPrefix = "reportgen-ssh-"

    /// Removes the control folders that reportgens no longer running left under /tmp
    /// (killed with SIGKILL, nothing closed them): only private folders of this user.
    static func removeLeftControlFolders(in parent: String = "/tmp") {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
        for name in names where name.hasPrefix(controlPrefix) {
            guard let owner = pid_t(name.dropFirst(controlPrefix.count).prefix { $0 != "-" }), owner != getpid(),
                kill(owner, 0) != 0 && errno == ESRCH
            else { continue }
            let folder = URL(fileURLWithPath: parent).appendingPathComponent(name)
            guard (try? PrivateFolder.verify(folder, purpose: "ssh's control socket")) != nil else { continue }
            try? FileManager.default.removeItem(at: folder)
        }
    }

    /// The options every ssh call uses; `multiplexed` ones go through the master
    /// connection, and fall back to a connection of their own if it is gone.
    func options(multiplexed: Bool = true) -> [String] {
        var options = configFile.map { ["-F", $0] } ?? []
        options += [
            "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=5",
            "-o", "ServerAliveCountMax=3", "-o", "LogLevel=ERROR",
        ]
        if multiplexed { options += ["-o", "ControlMaster=no", "-o", "ControlPath=\(controlPath)"] }
        return options
    }

    /// The ssh command line that runs `script` with `sh` on the host, as a person would type it.
    func commandLine(_ script: String) -> [String] {
        ["ssh"] + options() + [destination, "--", "sh -c " + shellQuoted(script)]
    }

    /// What the master prints once its control socket listens: ssh runs LocalCommand
    /// after it sets up the socket (ssh.c, `ssh_session2`), so the line is the master's
    /// readiness, and its output closing without it, its end.
    static let readyLine = "reportgen-master-ready"

    /// Opens the master connection; fails with what ssh said (auth, host key, unreachable)
    /// and the command that reproduces it.
    public func open() async throws {
        let logs = try PrivateFolder(logFolder, purpose: "the ssh clients' logs")
        let name = "ssh-\(hostName)-master.log"
        // A master opened again starts a new log; what the last one said was reported.
        try? FileManager.default.removeItem(at: logFolder.appendingPathComponent(name))
        let log = try logs.createFile(name)
        let ready = OutputLines(marker: Self.readyLine) { $0 == Self.readyLine }
        let process = try ChildProcess(
            executable: "ssh",
            arguments: options(multiplexed: false) + [
                "-M", "-N", "-o", "ControlMaster=yes", "-o", "ControlPath=\(controlPath)", "-o", "ControlPersist=no",
                "-o", "PermitLocalCommand=yes", "-o", "LocalCommand=echo \(Self.readyLine)", destination,
            ],
            environment: environment, logFile: log, output: ready)
        master.withLock { $0 = process }
        if await ready.marked(within: .seconds(20)) != nil { return }
        if Task.isCancelled {
            await process.stop(grace: .zero)
            throw CancellationError()
        }
        // Its output closed: ssh is ending, with what it said in the log.
        if let status = await process.exit(within: .seconds(5), clock: ContinuousClock()) {
            throw unusable("ssh \(status)", output: process.logTail())
        }
        await process.stop(grace: .zero)
        throw unusable("ssh did not connect within 20 s", output: process.logTail())
    }

    /// Opens the master again when it died (a dropped connection): what a run does before
    /// each trial, so one lost connection fails one trial, not the run. A master that runs
    /// keeps its socket: the ssh that died is the event, nothing is asked over the network.
    public func reopenIfNeeded() async throws {
        let old = master.withLock { $0 }
        if let old, old.exitStatus == nil { return }
        await old?.stop(grace: .zero)
        // A killed master leaves its socket behind, and a new one would not listen there.
        try? FileManager.default.removeItem(atPath: controlPath)
        try await open()
    }

    /// Closes the master connection (`ssh -O exit`) and stops its process; runs to the end
    /// even when the caller is cancelled.
    public func close() async {
        await uncancelled { [self] in
            _ = try? await CommandOutput.run(
                "ssh", options() + ["-O", "exit", destination], environment: environment, limit: .seconds(5))
            let process = master.withLock { state -> ChildProcess? in
                defer { state = nil }
                return state
            }
            await process?.stop(grace: .seconds(2))
            try? FileManager.default.removeItem(at: controlFolder)
        }
    }

    /// Runs `script` with `sh` on the host and returns what it printed (stdout and stderr).
    @discardableResult
    public func run(_ script: String, limit: Duration = .seconds(60)) async throws -> CommandOutput {
        let argv = commandLine(script)
        return try await CommandOutput.run(argv[0], Array(argv.dropFirst()), environment: environment, limit: limit)
    }

    /// `run`, blocking the calling thread: for a stop on a thread of its own.
    @discardableResult
    func runBlocking(_ script: String, limit: Duration) throws -> CommandOutput {
        let argv = commandLine(script)
        return try CommandOutput.run(argv[0], Array(argv.dropFirst()), environment: environment, limit: limit)
    }

    /// Runs `script` and fails, naming the host, unless it exits with 0.
    @discardableResult
    public func check(_ script: String, what: String, limit: Duration = .seconds(60)) async throws -> String {
        let output = try await run(script, limit: limit)
        guard output.status == .exited(0) else {
            if output.status == .exited(255) { throw unusable("ssh \(output.status)", output: output.text) }
            throw ReportgenError(
                .processFailed, "\(what) on host \(hostName.quoted) failed (\(output.status))", output: output.text)
        }
        return output.text
    }

    /// Starts `script` on the host through the master connection; the ssh client runs as
    /// long as the script does and exits with its status, its output read line by line by
    /// `output` and kept in `logFile`.
    func start(_ script: String, logFile: URL, output: OutputLines) throws -> ChildProcess {
        let argv = commandLine(script)
        return try ChildProcess(
            executable: argv[0], arguments: Array(argv.dropFirst()), environment: environment, logFile: logFile,
            output: output)
    }

    /// Copies a local folder's contents into `remote` (created, made identical), skipping
    /// `excluding` patterns.
    public func upload(folder: URL, to remote: String, excluding: [String] = []) async throws {
        try await rsync(excluding.flatMap { ["--exclude", $0] } + ["--delete", folder.path + "/", "\(destination):\(remote)/"],
                  what: "copying \(DisplayPath.of(folder)) to \(remote)")
    }

    private func rsync(_ arguments: [String], what: String) async throws {
        let shell = (["ssh"] + options()).map(shellQuoted).joined(separator: " ")
        let output = try await CommandOutput.run(
            "rsync", Self.rsyncArguments(shell: shell) + arguments, environment: environment, limit: .seconds(600))
        guard output.status == .exited(0) else {
            throw ReportgenError(
                .processFailed, "\(what) on host \(hostName.quoted) failed: rsync \(output.status)",
                hint: "rsync must be installed on both machines (apt-get install rsync)", output: output.text)
        }
    }

    /// rsync's own options: `-s` (`--secluded-args`, once `--protect-args`) hands the
    /// remote paths to the rsync there through its protocol, never through the host's
    /// shell, so a folder with a space (or anything else) is one path, taken literally.
    static func rsyncArguments(shell: String) -> [String] {
        ["-a", "-s", "--mkpath", "-e", shell]
    }

    /// The error for a host ssh cannot use, with the command that shows why.
    func unusable(_ what: String, output: String) -> ReportgenError {
        let command = (["ssh"] + (configFile.map { ["-F", $0] } ?? []) + ["-o", "BatchMode=yes", destination, "true"])
            .map(shellQuoted).joined(separator: " ")
        return ReportgenError(
            .missingDependency, "cannot reach host \(hostName.quoted) (\(destination)) with ssh: \(what)",
            hint: "run '\(command)': it must succeed without a password prompt (a key in ssh-agent or ~/.ssh, and the host key in known_hosts)",
            output: output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// ssh's environment: the caller's PATH, home and agent, nothing else.
    private var environment: [String: String] {
        ProcessEnvironment.base(path: ProcessEnvironment.inheritedPath).merging(sshAgent) { $1 }
    }

    private var sshAgent: [String: String] {
        let own = ProcessInfo.processInfo.environment
        var agent: [String: String] = [:]
        for key in ["SSH_AUTH_SOCK", "USER", "LOGNAME"] { agent[key] = own[key] }
        return agent
    }
}
