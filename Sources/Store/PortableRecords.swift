import Core
import Foundation

/// One run that `importRuns(from:)` found in a portable file.
public struct PortableRun: Sendable, Equatable {
    /// The run's stable identity (`runs.uid`), the same in every store that holds it.
    public var uid: String
    /// The run's row id in the store this value describes: the one imported into, or the one
    /// exported from. Row ids differ between stores; `uid` does not.
    public var id: Int64
    public var experiment: String
    public var kind: RunKind
    public var status: RunStatus
}

/// What importing a portable file did: runs added, runs the store already held (left as
/// they were), and machines it did not know yet.
public struct ImportOutcome: Sendable, Equatable {
    public var imported: [PortableRun] = []
    public var alreadyPresent: [PortableRun] = []
    public var machinesAdded: Int = 0
}

/// What an export wrote.
public struct ExportSummary: Sendable, Equatable {
    public var file: URL
    public var run: PortableRun
    /// The published run that travelled with a measured run, if its experiment has one.
    public var publishedRun: PortableRun?
    public var variants: Int
    public var trials: Int
    public var latencyRows: Int
}
