import Foundation
import TestFixtures
import Testing


/// Placement mistakes a person makes, through the built reportgen: each a clear error with
/// the exit status a script can tell apart, and nothing started anywhere.
@Suite("placement errors at the command line", .serialized, .timeLimit(.minutes(3)))
struct PlacementCLITests {
    /// The tiny experiment with `[app]` placed by `app` and the tables in `hosts`.
    private func project(app: String, hosts: String = "") throws -> TinyProject {
        let project = try TinyProject()
        try project.write("tiny", definition: TinyProject.definition
            .replacingOccurrences(of: "trials = 1\n", with: "trials = 1\n" + hosts)
            .replacingOccurrences(of: "[app]\n", with: "[app]\n" + app))
        return project
    }

    private static let unreachable = "\n[hosts.far]\nssh = \"ssh://root@127.0.0.1:9\"\n\n[hosts.local]\naddress = \"127.0.0.1\"\n"

    @Test("a host ssh cannot reach: exit 69 naming the host and the ssh command that shows why, and no run stored")
    func unreachableHost() async throws {
        let project = try project(app: "host = \"far\"\n", hosts: Self.unreachable)
        defer { project.remove() }
        let result = try await project.cli.run(["run", "tiny", "--db", "out/results.sqlite"], timeout: .seconds(60))
        #expect(result.code == 69, "\(result)")
        #expect(result.stderr.contains("cannot reach host \"far\" (ssh://root@127.0.0.1:9) with ssh"), "\(result)")
        #expect(result.stderr.contains("hint: run 'ssh -o BatchMode=yes ssh://root@127.0.0.1:9 true'"), "\(result)")
        #expect(!result.crashed, "\(result)")
        #expect(try project.measuredRuns("out/results.sqlite").isEmpty)
        #expect(project.processesLeft().isEmpty, "\(project.processesLeft())")
    }

    @Test("doctor --hosts checks every host of the experiment and says how to fix the one it cannot reach")
    func doctorHosts() async throws {
        let project = try project(app: "host = \"far\"\n", hosts: Self.unreachable)
        defer { project.remove() }
        let result = try await project.cli.run(["doctor", "--hosts", "tiny"], timeout: .seconds(60))
        #expect(result.code == 69, "\(result)")
        #expect(result.stdout.contains("Hosts of tiny:"), "\(result)")
        #expect(result.stdout.contains("ok      local (this machine) for the upstream, load generator"), "\(result)")
        #expect(result.stdout.contains("PROBLEM far (ssh ssh://root@127.0.0.1:9) for the app server"), "\(result)")
        #expect(result.stdout.contains("fix: run 'ssh -o BatchMode=yes ssh://root@127.0.0.1:9 true'"), "\(result)")
        let plain = try await project.cli.run(["doctor", "tiny"], timeout: .seconds(60))
        #expect(plain.code == 64 && plain.stderr.contains("reportgen doctor --hosts tiny"), "\(plain)")
    }

    @Test("cpus this machine does not have: exit 65 at the key's line, before anything starts")
    func cpusOutsideTheMachine() async throws {
        let project = try project(app: "cpus = \"4000\"\n")
        defer { project.remove() }
        let result = try await project.cli.run(["run", "tiny", "--db", "out/results.sqlite"], timeout: .seconds(60))
        #expect(result.code == 65, "\(result)")
        #expect(result.stderr.contains("experiments/tiny/experiment.toml:8 (app.cpus): cpus = \"4000\" names CPUs that this machine does not offer: it has"), "\(result)")
        #expect(result.stderr.contains("hint: pin the app server to CPUs within"), "\(result)")
        #expect(try project.measuredRuns("out/results.sqlite").isEmpty)
        #expect(project.processesLeft().isEmpty, "\(project.processesLeft())")
    }
}
