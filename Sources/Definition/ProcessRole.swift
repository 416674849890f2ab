import Core

/// What a process does in a trial. Each role is started, stopped and sampled as a whole
/// process tree, and is named so in `resource_samples.role`.
public enum ProcessRole: String, Sendable, CaseIterable, Codable {
    /// The shared server every variant's route calls (nginx).
    case upstream
    /// The variant's app server and its workers.
    case app
    /// The load generator (wrk, or `reportgen load`).
    case loadgen
}
