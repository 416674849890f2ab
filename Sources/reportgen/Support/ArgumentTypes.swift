import ArgumentParser
import Core
import Definition

extension LoadGeneratorKind: ExpressibleByArgument {}

/// A duration on the command line: "20s", "500ms", "1m30s".
struct DurationArgument: ExpressibleByArgument, Sendable {
    var duration: Duration

    init?(argument: String) {
        guard let duration = DurationSyntax.parse(argument) else { return nil }
        self.duration = duration
    }

    init(_ duration: Duration) {
        self.duration = duration
    }

    var defaultValueDescription: String { DurationSyntax.format(duration) }
}

/// A percentage on the command line: "5%", "2.5%".
struct PercentArgument: ExpressibleByArgument, Sendable {
    var share: Double

    init?(argument: String) {
        guard let share = PercentSyntax.parse(argument) else { return nil }
        self.share = share
    }
}

/// A capacity target, "p99<=100ms" (see `CapacityTarget`). A bad one is refused with what
/// is wrong and how it is written.
struct CapacityArgument: ExpressibleByArgument, Sendable {
    var target: CapacityTarget

    init?(argument: String) {
        guard case .success(let target) = CapacityTarget.parse(argument) else { return nil }
        self.target = target
    }

    static var defaultValueDescription: String { "p99<=100ms" }

    /// What is wrong with `argument`, for the error ArgumentParser prints.
    static func problem(_ argument: String) -> String? {
        guard case .failure(let error) = CapacityTarget.parse(argument) else { return nil }
        return "\(error.message); \(CapacityTarget.grammar)"
    }
}
