import ArgumentParser
import Experiments
import Foundation

/// The exit status `code` stands for, as ArgumentParser ends the process with it.
func exiting(_ code: Experiments.ExitCode) -> ArgumentParser.ExitCode {
    ArgumentParser.ExitCode(code.rawValue)
}

/// Prints a ReportgenError for a person and turns it into its documented exit code.
func exiting(with error: ReportgenError) -> ArgumentParser.ExitCode {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    return exiting(error.code)
}

/// Runs `body`, reporting our own errors without a stack trace.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ReportgenError {
        throw exiting(with: error)
    }
}

func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ReportgenError {
        throw exiting(with: error)
    }
}
