import Core
import Foundation

/// The versions of everything a run's numbers depend on, stored with the run as JSON.
public struct SoftwareVersions: Sendable, Codable, Equatable {
    public var reportgen: String
    public var projectCommit: String?
    public var python: String?
    public var pipFreeze: [String]
    public var nginx: String?
    public var wrk: String?
    public var gunicorn: String?
    /// For a published table: the file its numbers came from.
    public var source: String?
    /// The version each command server's program printed for `--version`, by program name.
    public var programs: [String: String]?

    public init(
        reportgen: String, projectCommit: String? = nil, python: String? = nil, pipFreeze: [String] = [],
        nginx: String? = nil, wrk: String? = nil, gunicorn: String? = nil, source: String? = nil,
        programs: [String: String]? = nil
    ) {
        self.programs = programs
        self.reportgen = reportgen
        self.projectCommit = projectCommit
        self.python = python
        self.pipFreeze = pipFreeze
        self.nginx = nginx
        self.wrk = wrk
        self.gunicorn = gunicorn
        self.source = source
    }
}
