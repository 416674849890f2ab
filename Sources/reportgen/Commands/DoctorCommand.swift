import ArgumentParser
import Core
import Definition
import Hosts
import Supervision

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Show what this machine is missing and the command that installs it.",
        discussion: """
            Exits 69 when something a run needs is missing; what only the tests need is listed apart and does not change the exit status. \
            With --hosts, also connects to every host the experiment places a role on ([hosts.NAME]) over ssh and checks \
            that it has what its roles need, printing the install command for each host.
            """)

    @Flag(help: "Also check every host the experiment places a role on, over ssh.")
    var hosts = false

    @Argument(help: "With --hosts: an experiment folder name under experiments/, or a path. Default: aiohttp-vs-flask.")
    var experiment: String?

    func validate() throws {
        if experiment != nil && !hosts {
            throw ValidationError("an experiment is checked only with --hosts: reportgen doctor --hosts \(experiment ?? "")")
        }
    }

    func run() async throws {
        var missing: [String] = []
        for requirement in Requirement.all {
            let present = await requirement.isPresent()
            print("\(present ? "ok     " : "MISSING") \(requirement.name) — \(requirement.purpose)")
            if !present { missing.append(requirement.package) }
        }
        var forTests: [String] = []
        print("\nFor the test suite (make test installs these):")
        for requirement in Requirement.forTests {
            let present = await requirement.isPresent()
            print("\(present ? "ok     " : "absent ") \(requirement.name) — \(requirement.purpose)")
            if !present { forTests.append(requirement.package) }
        }
        if !forTests.isEmpty {
            print("  to run the tests, install with: \(ToolCheck.installCommand(forTests))")
        }
        var failed = !missing.isEmpty
        if missing.isEmpty {
            print("\nEverything reportgen needs to run is installed.")
        } else {
            print("\nInstall what is missing with:\n  \(ToolCheck.installCommand(missing))")
        }
        if hosts {
            let definition: ExperimentDefinition
            do {
                definition = try DefinitionLoader.load(experiment: experiment, projectRoot: ProjectFolder.root)
            } catch let error as ReportgenError {
                throw exiting(with: error)
            }
            print("\nHosts of \(definition.name):")
            for check in await HostCheck.check(definition) {
                let place = check.ssh.map { "\(check.name) (ssh \($0))" } ?? "\(check.name) (this machine)"
                let roles = check.roles.map(\.noun).joined(separator: ", ")
                let machine = check.machine.map { ": \($0.cpuModel), \($0.cpuCores) CPUs, \($0.os)" } ?? ""
                print("\(check.isReady ? "ok     " : "PROBLEM") \(place) for the \(roles)\(machine)")
                if let problem = check.problem {
                    failed = true
                    print("        \(problem.message)")
                    if let output = problem.output, !output.isEmpty {
                        print("        ssh said: \(output.split(separator: "\n").prefix(3).joined(separator: " / "))")
                    }
                    if let hint = problem.hint { print("        fix: \(hint)") }
                }
            }
        }
        if failed { throw exiting(.missingDependency) }
    }
}
