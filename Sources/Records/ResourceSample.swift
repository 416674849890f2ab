import Core
import Definition

/// When a resource sample was taken, as stored in `resource_samples.phase`.
public enum SamplePhase: String, Sendable, Codable {
    /// While the app started and warmed up: `t_ms` is negative.
    case before
    /// In the measured window, its first sample taken as it opened and its last as it closed.
    case window
}

/// One periodic reading of a role's process tree: CPU time and memory.
public struct ResourceSample: Sendable, Equatable {
    /// Milliseconds since the trial's measured window started (negative before it).
    public var tMs: Int64
    public var phase: SamplePhase = .window
    public var role: ProcessRole
    public var cpuUserMs: Int64
    public var cpuSystemMs: Int64
    public var rssBytes: Int64

    public init(
        tMs: Int64, phase: SamplePhase = .window, role: ProcessRole, cpuUserMs: Int64, cpuSystemMs: Int64, rssBytes: Int64
    ) {
        (self.tMs, self.phase, self.role, self.cpuUserMs) = (tMs, phase, role, cpuUserMs)
        (self.cpuSystemMs, self.rssBytes) = (cpuSystemMs, rssBytes)
    }
}
