import Foundation
import TestFixtures
import Testing
@testable import Core
@testable import Definition
@testable import Hosts
@testable import Supervision


/// The one requirements table and the two places that must agree with it without reading
/// it: scripts/ensure-deps.sh, which runs before reportgen is built, and the sh probe a
/// remote host runs.
struct RequirementTests {
    @Test("every package of the requirements table is one scripts/ensure-deps.sh installs")
    func ensureDepsInstallsTheTable() throws {
        let script = try String(
            contentsOf: TestPaths.projectRoot.appendingPathComponent("scripts/ensure-deps.sh"), encoding: .utf8)
        let words = Set(script.split { !($0.isLetter || $0.isNumber || "-.+_".contains($0)) }.map(String.init))
        for requirement in Requirement.table {
            #expect(words.contains(requirement.package), "\(requirement.name) needs \(requirement.package), which ensure-deps.sh does not install")
        }
    }

    @Test("doctor's lists, and what a run needs where, come from the table")
    func listsAndNeeds() {
        #expect(Requirement.all.map(\.name) == [
            "nginx", "wrk", "python3", "python3 venv", "Python.h", "cc", "node", NginxUpstream.echoModuleName, "xz",
            "taskset", "ssh", "rsync",
        ])
        #expect(Requirement.forTests.map(\.name) == ["chromium", "sshd", "ip", "ping"])
        #expect(Requirement.needed(by: [.upstream, .app, .loadgen], generators: [.wrk]).map(\.name) == ["nginx", "wrk"])
        #expect(Requirement.needed(by: [.upstream, .loadgen], generators: LoadGeneratorKind.allCases).map(\.name) == ["nginx", "wrk"])
        #expect(Requirement.needed(by: [.loadgen], generators: [.builtin]).isEmpty)
        #expect(Requirement.needed(by: [.app], generators: [.wrk], upstreamDelay: true, pinned: true).map(\.name) == ["taskset"])
        #expect(Requirement.needed(by: [.upstream], generators: [], upstreamDelay: true, reachedOverSSH: true).map(\.name)
            == ["nginx", NginxUpstream.echoModuleName, "rsync", "setsid"])
    }

    @Test("the probe a remote host runs finds what the probes here find")
    func remoteProbeAgreesWithLocal() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-probe-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = try CommandOutput.run("sh", ["-c", HostFacts.probeScript(folder: folder.path)])
        let remote = try #require(HostFacts.parse(output.text), "\(output.text)")
        let local = HostFacts.local()
        #expect(remote.tools == local.tools, "\(output.text)")
        #expect(remote.echoModule == local.echoModule)
        #expect(!local.tools.isEmpty)
    }
}
