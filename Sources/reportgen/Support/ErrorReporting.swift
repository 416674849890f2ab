import ArgumentParser
import Core
import Foundation

/// The exit status `code` stands for, as ArgumentParser ends the process with it.
func exiting(_ code: Core.ExitCode) -> ArgumentParser.ExitCode {
    ArgumentParser.ExitCode(code.rawValue)
}

/// Prints a ReportgenError for a person and turns it into its documented exit code.
func exiting(with error: ReportgenError) -> ArgumentParser.ExitCode {
    // A message can quote a stranger's file: it must not drive the terminal.
    FileHandle.standardError.write(Data("error: \(TerminalText.safe("\(error)"))\n".utf8))
    return exiting(error.code)
}

/// Runs `body`, reporting our own errors without a stack trace. An error of no reportgen
/// kind that escaped (a file operation nobody wrapped) still gets one `error:` line and an
/// exit status: 74 for a file system error, 70 otherwise.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch {
        throw reported(error)
    }
}

func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        throw reported(error)
    }
}

private func reported(_ error: any Error) -> any Error {
    switch error {
    case let error as ReportgenError:
        return exiting(with: error)
    case is ArgumentParser.ExitCode, is CleanExit, is ValidationError:
        // ArgumentParser's own: it prints them and knows their status.
        return error
    case let error as CocoaError where error.isFileError:
        return exiting(with: ReportgenError(.io, "a file operation failed: \(error.localizedDescription)", underlying: error))
    default:
        return exiting(with: ReportgenError(
            .processFailed, "unexpected error: \(error)", hint: "this is a reportgen bug; please report it with the command you ran"))
    }
}

/// `print` for a line that can hold text from a store or a file (see `TerminalText`).
func printSafely(_ text: String, terminator: String = "\n") {
    print(TerminalText.safe(text), terminator: terminator)
}
