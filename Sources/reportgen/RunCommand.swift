import ArgumentParser
import Experiments

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Measure the trials an experiment still needs and store them; no rendering.")

    @OptionGroup var flags: RunFlags

    func run() throws {
        try reportingErrors {
            let outcome = try flags.measure()
            if !outcome.failedVariants.isEmpty { throw ExitCode(3) }
        }
    }
}

struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Run what is missing, then render the report (rendering lands with the report issue).")

    @OptionGroup var flags: RunFlags

    func run() throws {
        try reportingErrors {
            let outcome = try flags.measure()
            if !outcome.failedVariants.isEmpty { throw ExitCode(3) }
        }
    }
}
