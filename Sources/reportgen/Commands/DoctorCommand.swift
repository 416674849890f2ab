import ArgumentParser
import Experiments

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Show what this machine is missing and the command that installs it.",
        discussion: "Exits 69 when something a run needs is missing; what only the tests need is listed apart and does not change the exit status.")

    func run() throws {
        var missing: [String] = []
        for requirement in Requirement.all {
            let present = requirement.isPresent()
            print("\(present ? "ok     " : "MISSING") \(requirement.name) — \(requirement.purpose)")
            if !present { missing.append(requirement.package) }
        }
        var forTests: [String] = []
        print("\nFor the test suite (make test installs these):")
        for requirement in Requirement.forTests {
            let present = requirement.isPresent()
            print("\(present ? "ok     " : "absent ") \(requirement.name) — \(requirement.purpose)")
            if !present { forTests.append(requirement.package) }
        }
        if !forTests.isEmpty {
            print("  to run the tests, install with: \(ToolCheck.installCommand(forTests))")
        }
        if missing.isEmpty {
            print("\nEverything reportgen needs to run is installed.")
        } else {
            print("\nInstall what is missing with:\n  \(ToolCheck.installCommand(missing))")
            throw exiting(.missingDependency)
        }
    }
}
