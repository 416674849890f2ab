import Core
import Foundation

/// The load generators a run can use, and what each brings with it: the rules its settings
/// must keep and what its own percentiles mean (what it needs on a host is in
/// `Requirement.table`).
public enum LoadGeneratorKind: String, Sendable, CaseIterable, Codable {
    /// wrk 4 with a Lua script that dumps its whole histogram (closed loop only).
    case wrk
    /// reportgen's own SwiftNIO generator (`reportgen load`): keeps every request, and runs
    /// an open loop at a fixed rate when asked.
    case builtin

    /// How prose names it.
    public var displayName: String {
        switch self {
        case .wrk: return "wrk"
        case .builtin: return "reportgen's built-in generator"
        }
    }

    /// Whether it can send requests on a schedule (an open loop at `rate`).
    public var runsOpenLoop: Bool { self == .builtin }

    /// Whether it keeps every request, so throughput over time can be drawn.
    public var keepsEveryRequest: Bool { self == .builtin }

    /// What `generator_percentiles` holds for a trial it measured.
    public func percentileNote(openLoop: Bool) -> String {
        switch self {
        case .wrk:
            return "wrk, coordinated-omission corrected"
        case .builtin:
            return openLoop
                ? "reportgen load, every request, open loop: latency from each scheduled send time"
                : "reportgen load, every request, closed loop"
        }
    }

    /// A problem with `load` that this generator cannot run, as a rule to show: the setting
    /// at fault and what is wrong with it, phrased with `name` standing for the setting
    /// (a key path or a flag); nil when it can run it.
    func problem(with load: LoadSettings) -> GeneratorProblem? {
        switch self {
        case .wrk:
            // wrk's -d and --timeout take whole seconds.
            for setting in [Setting.duration, .warmup, .timeout] {
                let value = load[duration: setting]
                guard value.microseconds % 1_000_000 != 0 else { continue }
                let rounded = max(1, Int(value.seconds.rounded()))
                return GeneratorProblem(
                    setting: setting, message: { "wrk takes whole seconds, but \($0) is \(value)" },
                    fileHint: "round it to whole seconds, e.g. \"\(rounded)s\", or use generator = \"builtin\"",
                    flagHint: { "round it, e.g. \($0) \(rounded)s, or add --generator builtin" })
            }
            return nil
        case .builtin:
            // A request's connection is stored in 16 bits and its start in 32-bit microseconds.
            if load.connections > 65_535 {
                return GeneratorProblem(
                    setting: .connections,
                    message: { _ in "the built-in generator holds at most 65535 connections, found \(load.connections)" },
                    fileHint: "lower connections, or use generator = \"wrk\"", flagHint: { "lower \($0)" })
            }
            for setting in [Setting.duration, .warmup] where load[duration: setting] > .seconds(4_000) {
                return GeneratorProblem(
                    setting: setting, message: { _ in "the built-in generator measures windows of at most 4000 s" },
                    fileHint: "split the window into trials, e.g. more trials of 20s",
                    flagHint: { "lower \($0), e.g. more trials of 20s" })
            }
            if load.path.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" }) {
                return GeneratorProblem(
                    setting: .path, message: { _ in "the request path \(load.path.quoted) holds a space or line break" },
                    fileHint: "percent-encode it, e.g. %20 for a space", flagHint: { _ in "percent-encode it, e.g. %20 for a space" })
            }
            return nil
        }
    }
}

/// Why a generator cannot run a setting's value; `DefinitionRules` words it for where the
/// value came from.
struct GeneratorProblem {
    var setting: Setting
    var message: (String) -> String
    var fileHint: String
    var flagHint: (String) -> String
}
