import Core
import Foundation
import TOML

/// Reads the settings written as lists — `[upstream] delay`, `[load] connections` and
/// `rate`, `[app] workers` — into sweeps, and rejects a list anywhere else with the keys
/// that may hold one.
enum SweepReader {
    /// `key` of `section` as a sweep of `setting`; nil when it holds a single value.
    static func read(_ key: String, _ setting: SweptSetting, in section: DefinitionSection) throws -> Sweep? {
        guard let value = section.value(key), case .array(let items) = value.kind else { return nil }
        guard !items.isEmpty else {
            throw section.failure(
                key, "an empty list sweeps no levels",
                hint: "give the levels to measure, e.g. \(example(setting)), or a single value without brackets")
        }
        var levels: [SweepLevel] = []
        for (offset, item) in items.enumerated() {
            let itemKey = "\(key)[\(offset)]"
            let level = try self.level(item, key: itemKey, setting: setting, in: section)
            if let first = levels.firstIndex(of: level) {
                throw section.failure(
                    itemKey, "the level \(level.label) is listed twice (\(section.keyPath("\(key)[\(first)]")) and \(section.keyPath(itemKey)))",
                    line: item.line, hint: "list each level once")
            }
            levels.append(level)
        }
        return Sweep(setting: setting, levels: levels, line: value.line)
    }

    /// The first key of `section` written as a list that no sweep reads: an error saying
    /// which keys may be lists. `sweepable` are the ones this section sweeps.
    static func rejectOtherLists(in section: DefinitionSection, sweepable: [String], hint: String? = nil) throws {
        for entry in section.table.entries where !sweepable.contains(entry.key) {
            guard case .array = entry.value.kind else { continue }
            throw section.failure(
                entry.key, "\(section.keyPath(entry.key)) cannot be swept: a list here would make a grid of it",
                line: entry.value.line,
                hint: hint ?? "settings that take a list of levels: \(SweptSetting.list); write one value here")
        }
    }

    /// The sweeps of a whole definition, checked together: at most two settings.
    static func check(_ sweeps: [Sweep], file: String) throws {
        guard sweeps.count > Sweep.maximumSettings else { return }
        let third = sweeps[Sweep.maximumSettings]
        throw ReportgenError(
            .badDefinition,
            "\(sweeps.count) settings are swept (\(sweeps.map(\.setting.rawValue).joined(separator: ", "))); a grid sweeps at most \(Sweep.maximumSettings)",
            at: SourceLocation(file: file, keyPath: third.setting.rawValue, line: third.line),
            hint: "write one value for all but two of them, and sweep the rest in another experiment")
    }

    private static func level(
        _ item: TOMLValue, key: String, setting: SweptSetting, in section: DefinitionSection
    ) throws -> SweepLevel {
        switch setting {
        case .delay:
            let delay = try DefinitionSection.duration(item, key: key, in: section)
            try checkDelay(delay, key: key, line: item.line, in: section)
            return .delay(delay)
        case .connections:
            let count = try DefinitionSection.integer(item, key: key, in: DefinitionRules.connections, section: section)
            return SweepLevel(setting: setting, value: Double(count))
        case .workers:
            let count = try DefinitionSection.integer(item, key: key, in: 1...64, section: section)
            return SweepLevel(setting: setting, value: Double(count))
        case .rate:
            let rate: Double
            switch item.kind {
            case .integer(let whole): rate = Double(whole)
            case .float(let real): rate = real
            default: throw section.typeMismatch(key, expected: "a number of requests per second", found: item, hint: "e.g. rate = [1000, 2000, 4000]")
            }
            guard rate > 0, rate.isFinite else {
                throw section.failure(
                    key, "a rate must be a positive number of requests per second, found \(rate)", line: item.line,
                    hint: "e.g. rate = [1000, 2000, 4000]")
            }
            return SweepLevel(setting: setting, value: rate)
        }
    }

    /// The longest delay nginx is asked to hold a response.
    static let maximumDelay: Duration = .seconds(60)

    /// nginx holds a response for whole milliseconds (its timers tick in ms), up to a minute.
    static func checkDelay(_ delay: Duration, key: String, line: Int?, in section: DefinitionSection) throws {
        guard delay <= maximumDelay else {
            throw section.failure(
                key, "a delay of \(DurationSyntax.format(delay)) is longer than the \(DurationSyntax.format(maximumDelay)) an upstream may hold a response",
                line: line, hint: "delays worth measuring are milliseconds to a few seconds")
        }
        guard delay.microseconds % 1000 == 0 else {
            let rounded = max(1, Int((Double(delay.microseconds) / 1000).rounded()))
            throw section.failure(
                key, "nginx holds a response for whole milliseconds, found \(SweepLevel.durationLabel(delay.seconds))", line: line,
                hint: "round it, e.g. \"\(rounded)ms\"")
        }
    }

    static func example(_ setting: SweptSetting) -> String {
        switch setting {
        case .delay: return "delay = [\"0ms\", \"10ms\", \"50ms\"]"
        case .connections: return "connections = [50, 100, 400]"
        case .rate: return "rate = [1000, 2000, 4000]"
        case .workers: return "workers = [1, 2, 4]"
        }
    }
}
