import Core
import Definition
import Foundation
import Records
import Supervision

/// This machine, as a place roles run: processes start here in their own process group,
/// files are files, and servers listen on loopback unless the definition gives this
/// machine an address other hosts reach it at (`[hosts.local] address`). There is nothing
/// to connect, copy or measure the clock of.
public final class LocalHost: RoleHost {
    public let name = HostDefinition.localName
    public let address: String
    public let facts: HostFacts
    public let workFolder: URL
    public let experimentFolder: URL

    public init(
        address: String = "127.0.0.1", workFolder: URL = FileManager.default.temporaryDirectory,
        experimentFolder: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath), facts: HostFacts? = nil
    ) {
        self.address = address
        self.workFolder = workFolder
        self.experimentFolder = experimentFolder
        self.facts = facts ?? Self.machineFacts
    }

    /// This machine's facts, read once per process.
    static let machineFacts = HostFacts.local()

    public var displayName: String { "this machine" }

    public func whereabouts(quoted: Bool) -> String { "" }

    public func hostPath(_ local: URL) -> URL { local }

    public func missingError(_ missing: [Requirement], roles: [ProcessRole]) -> ReportgenError {
        ToolCheck.missingError(missing)
    }

    public func prepare(note: @escaping @Sendable (String) -> Void) async throws -> ClockOffset? { nil }

    public func reconnect() async throws {}

    public func close() async {}

    public func freePort() throws -> Int {
        try LoopbackPort.free()
    }

    public func isListening(port: Int) -> Bool {
        LoopbackPort.isListening(port)
    }

    public func start(_ command: Command, logFile: URL, cpus: CPUSet?) throws -> any RoleProcess {
        try ChildProcess(command.pinned(to: cpus), logFile: logFile)
    }

    public func write(_ text: String, to file: URL) throws {
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: file, atomically: true, encoding: .utf8)
    }

    public func read(_ file: URL) throws -> Data? {
        FileManager.default.fileExists(atPath: file.path) ? try Data(contentsOf: file) : nil
    }

    public func remove(_ files: [URL]) {
        for file in files { try? FileManager.default.removeItem(at: file) }
    }

    public func run(_ executable: String, _ arguments: [String], limit: Duration) async throws -> CommandOutput {
        try await CommandOutput.run(executable, arguments, limit: limit)
    }

    public func roundTrip(to address: String) async throws -> RoundTrip? {
        RoundTrip.parse(ping: try await run("ping", RoundTrip.pingArguments(address), limit: .seconds(20)).text)
    }

    public func pythonPlace(cache: URL) -> PythonPlace {
        PythonPlace(
            interpreter: "python3", venvs: cache.appendingPathComponent("venvs"),
            installHint: "install Python 3 (apt-get install python3 python3-venv)")
    }
}
