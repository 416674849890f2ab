import Foundation
import TestFixtures
import Testing
@testable import Core
@testable import Supervision


/// Hosts for tests that cross a network, on this machine: each a network namespace on a
/// private subnet with its own sshd (scripts/netns-hosts.sh). `down()` removes them and
/// everything running in them, whatever the test did.
struct NamespaceHosts {
    let folder: URL
    /// Each host's address, and "local": this machine's side of the bridge.
    let addresses: [String: String]

    /// The ssh config that reaches every host by its name (`REPORTGEN_SSH_CONFIG`).
    var sshConfig: URL { folder.appendingPathComponent("ssh_config") }

    static let script = TestPaths.projectRoot.appendingPathComponent("scripts/netns-hosts.sh")

    /// Makes `names` as hosts; fails with what stood in the way (not root, no sshd…).
    static func up(_ names: [String]) throws -> NamespaceHosts {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-hosts-\(UUID().uuidString.prefix(8))")
        let output = try CommandOutput.run(script.path, ["up", folder.path] + names, limit: .seconds(60))
        guard output.status == .exited(0) else {
            _ = try? CommandOutput.run(script.path, ["down", folder.path], limit: .seconds(60))
            try? FileManager.default.removeItem(at: folder)
            throw ReportgenError(
                .missingDependency, "cannot make test hosts in network namespaces: \(output.text)",
                hint: "these tests need root, iproute2 and openssh-server (make test installs them)")
        }
        let text = try String(contentsOf: folder.appendingPathComponent("hosts"), encoding: .utf8)
        var addresses: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.count == 2 { addresses[String(words[0])] = String(words[1]) }
        }
        return NamespaceHosts(folder: folder, addresses: addresses)
    }

    /// Every process running in the hosts but their sshd listeners, as "host pid command".
    func processes() -> [String] {
        let output = try? CommandOutput.run(Self.script.path, ["pids", folder.path], limit: .seconds(30))
        return (output?.text ?? "").split(separator: "\n").map(String.init).filter { !$0.contains("[listener]") }
    }

    /// Waits up to `grace` for the hosts to have nothing running but sshd's listeners.
    func processesLeft(grace: Duration = .seconds(10)) async -> [String] {
        let deadline = ContinuousClock.now + grace
        while true {
            let left = processes()
            if left.isEmpty || ContinuousClock.now >= deadline { return left }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    /// A folder for `host`'s reportgen files: one per host, inside this fixture.
    func home(_ host: String) -> URL { folder.appendingPathComponent("\(host)/home") }

    /// The `[hosts.NAME]` tables for `names`, each with its own folder and this machine's
    /// Python (the namespaces reach no package registry: its environment is copied over).
    func definitions(_ names: [String]) throws -> String {
        let python = try CommandOutput.run("python3", ["-c", "import sys; print(sys.executable)"]).text
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return names.map { name in
            """

            [hosts.\(name)]
            ssh = "\(name)"
            folder = "\(home(name).path)"
            python = "\(python)"

            """
        }.joined()
    }

    func down() {
        _ = try? CommandOutput.run(Self.script.path, ["down", folder.path], limit: .seconds(60))
        try? FileManager.default.removeItem(at: folder)
    }
}
