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
