import Core
import Foundation

/// A setting that a list in the definition sweeps: every variant runs at every level, and
/// each variant × level (a cell) gets its own trials.
public enum SweptSetting: String, Sendable, CaseIterable, Codable, Comparable {
    /// How long the upstream holds each response (`[upstream] delay`).
    case delay = "upstream.delay"
    /// The load generator's open connections (`[load] connections`).
    case connections = "load.connections"
    /// The open loop's requests per second (`[load] rate`, built-in generator).
    case rate = "load.rate"
    /// The app's worker processes (`[app] workers`).
    case workers = "app.workers"

    /// The key inside its section, as cell names and claims write it: "delay".
    public var key: String { String(rawValue.split(separator: ".").last ?? "") }

    /// How a chart's axis names it.
    public var axisTitle: String {
        switch self {
        case .delay: return "upstream delay"
        case .connections: return "connections"
        case .rate: return "offered rate (requests/s)"
        case .workers: return "app workers"
        }
    }

    public init?(key: String) {
        guard let found = Self.allCases.first(where: { $0.key == key || $0.rawValue == key }) else { return nil }
        self = found
    }

    /// The keys a list may sweep, for hints.
    static let list = allCases.map(\.rawValue).joined(separator: ", ")

    public static func < (lhs: SweptSetting, rhs: SweptSetting) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One level of a swept setting: its value in the setting's own unit (seconds for a delay,
/// a count for connections and workers, requests per second for a rate).
public struct SweepLevel: Sendable, Hashable, Codable {
    public var setting: SweptSetting
    public var value: Double

    public init(setting: SweptSetting, value: Double) {
        self.setting = setting
        self.value = value
    }

    public static func delay(_ duration: Duration) -> SweepLevel {
        SweepLevel(setting: .delay, value: duration.seconds)
    }

    /// A level of `setting` as an author writes it: a duration for a delay ("50ms", "0.2s"),
    /// a number for the others; nil when it is neither.
    public init?(_ setting: SweptSetting, written label: String) {
        if setting == .delay {
            guard let duration = DurationSyntax.parse(label) else { return nil }
            self = .delay(duration)
        } else {
            guard let value = Double(label) else { return nil }
            self.init(setting: setting, value: value)
        }
    }

    /// The value as a cell name writes it: "50ms", "400".
    public var label: String {
        switch setting {
        case .delay: return Self.durationLabel(value)
        case .connections, .workers: return String(Int(value))
        case .rate: return value == value.rounded() ? String(Int(value)) : String(value)
        }
    }

    /// "delay=50ms".
    public var text: String { "\(setting.key)=\(label)" }

    /// A delay the way people write it: "0ms", "50ms", "1.5s".
    static func durationLabel(_ seconds: Double) -> String {
        let milliseconds = seconds * 1000
        if milliseconds < 1000 {
            let rounded = (milliseconds * 1000).rounded() / 1000
            return rounded == rounded.rounded() ? "\(Int(rounded))ms" : "\(rounded)ms"
        }
        return seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
    }

    /// The delay as a duration, for a delay level.
    public var duration: Duration { .microseconds(Int64((value * 1_000_000).rounded())) }
}

/// A setting written as a list: its levels in the order written.
public struct Sweep: Sendable, Equatable {
    public var setting: SweptSetting
    public var levels: [SweepLevel]
    /// The line the list is written on.
    public var line: Int?

    public init(setting: SweptSetting, levels: [SweepLevel], line: Int? = nil) {
        self.setting = setting
        self.levels = levels
        self.line = line
    }

    /// At most this many settings swept at once: a grid of more is rarely readable, and
    /// takes long to measure.
    public static let maximumSettings = 2
}

extension Array where Element == SweepLevel {
    /// "delay=50ms, connections=100": how a cell's name writes its levels.
    public var text: String { map(\.text).joined(separator: ", ") }
}

extension ExperimentDefinition {
    /// Whether a list makes this experiment a grid.
    public var isSweep: Bool { !sweeps.isEmpty }

    /// What is measured: every variant at every combination of swept levels (the first
    /// sweep varying slowest), each shown as "variant @ delay=50ms"; the variants themselves
    /// when nothing is swept.
    public var cells: [VariantDefinition] {
        guard isSweep else { return variants }
        var combinations: [[SweepLevel]] = [[]]
        for sweep in sweeps {
            combinations = combinations.flatMap { combination in sweep.levels.map { combination + [$0] } }
        }
        var cells: [VariantDefinition] = []
        for variant in variants {
            for levels in combinations {
                var cell = variant
                cell.cell.levels = levels
                cell.position = cells.count
                if let workers = levels.first(where: { $0.setting == .workers }) { cell.workers = Int(workers.value) }
                cells.append(cell)
            }
        }
        return cells
    }

    /// The load as `cell` gets it: the swept connections and rate at its levels. Fewer
    /// connections than load threads lowers the threads, as every thread needs a connection.
    public func load(for cell: VariantDefinition) -> LoadSettings {
        var load = self.load
        for level in cell.cell.levels {
            switch level.setting {
            case .connections:
                load.connections = Int(level.value)
                load.threads = min(load.threads, load.connections)
            case .rate: load.rate = level.value
            case .delay, .workers: break
            }
        }
        return load
    }

    /// How long the upstream holds `cell`'s responses.
    public func upstreamDelay(for cell: VariantDefinition) -> Duration {
        cell.cell.levels.first { $0.setting == .delay }?.duration ?? upstream.delay
    }

    /// "11 variants", or for a grid "24 cells (6 variants × 4 levels of upstream.delay)".
    public var planSummary: String {
        guard isSweep else { return "\(variants.count) variants" }
        return "\(cells.count) cells (\(variants.count) variants × "
            + sweeps.map { "\($0.levels.count) levels of \($0.setting.rawValue)" }.joined(separator: " × ") + ")"
    }

    /// Every delay the upstream serves during the run, ascending.
    public var upstreamDelays: [Duration] {
        let swept = sweeps.first { $0.setting == .delay }?.levels.map(\.duration)
        return Set(swept ?? [upstream.delay]).sorted()
    }
}
