import ArgumentParser
import Experiments

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor", abstract: "Show what this machine is missing and the command that installs it.")

    func run() throws {
        var missing: [String] = []
        for requirement in Requirement.all {
            let present = requirement.isPresent()
            print("\(present ? "ok     " : "MISSING") \(requirement.name) — \(requirement.purpose)")
            if !present { missing.append(requirement.package) }
        }
        if missing.isEmpty {
            print("\nEverything reportgen needs to run is installed.")
        } else {
            print("\nInstall what is missing with:\n  \(ToolCheck.installCommand(missing))")
            throw exiting(.missingDependency)
        }
    }
}
