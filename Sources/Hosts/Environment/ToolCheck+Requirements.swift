import Core
import Foundation
import Supervision

extension ToolCheck {
    /// Throws if any of `requirements` is missing on this machine, with the install command.
    public static func require(_ requirements: [Requirement]) async throws {
        var missing: [Requirement] = []
        for requirement in requirements where !(await requirement.isPresent()) { missing.append(requirement) }
        if !missing.isEmpty { throw missingError(missing) }
    }

    /// The error for `missing` on this machine: what each is for, and the apt-get command.
    static func missingError(_ missing: [Requirement]) -> ReportgenError {
        ReportgenError(
            .missingDependency,
            "missing: " + missing.map { "\($0.name) (\($0.purpose))" }.joined(separator: ", "),
            hint: "install with: " + installCommand(missing.map(\.package)))
    }
}
