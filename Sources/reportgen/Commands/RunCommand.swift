import ArgumentParser

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Measure the trials an experiment still needs and store them; no rendering.")

    @OptionGroup var options: RunOptions

    func run() async throws {
        try await reportingErrors {
            let (outcome, _, _) = try await options.measure()
            if !outcome.failedVariants.isEmpty { throw exiting(.variantFailed) }
        }
    }
}
