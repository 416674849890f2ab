import Experiments
import Foundation

/// The `@ …` end of a claim about a swept run: which cells it speaks of, by level, e.g.
/// `more requests: aiohttp > flask:[0-9]* @ delay>=10ms`. The claim is checked once per
/// level that meets every condition, among the cells at that level.
struct CellCondition: Equatable {
    struct Term: Equatable {
        var key: String
        var comparison: String
        var value: Double
        var written: String
    }

    var terms: [Term]

    static let comparisons = [">=", "<=", "!=", "=", ">", "<"]
    static let hint = "end a claim with '@ KEY OP LEVEL', e.g. '@ delay>=10ms' or '@ delay=50ms, connections=100' (OP: =, !=, <, <=, >, >=)"

    /// "claim @ condition" split at the last " @ "; nil without one.
    static func split(_ text: String) -> (String, String)? {
        guard let at = text.range(of: " @ ", options: .backwards) else { return nil }
        return (String(text[..<at.lowerBound]), String(text[at.upperBound...]).trimmingCharacters(in: .whitespaces))
    }

    static func parse(_ text: String, at location: SourceLocation) throws -> CellCondition {
        var terms: [Term] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let comparison = comparisons.first(where: { part.contains($0) }),
                let range = part.range(of: comparison)
            else {
                throw ReportgenError(.badDefinition, "'\(part)' is not a level condition", at: location, hint: hint)
            }
            let key = part[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
            let written = part[range.upperBound...].trimmingCharacters(in: .whitespaces)
            guard let setting = SweptSetting(key: key) else {
                throw ReportgenError(
                    .badDefinition, "'\(key)' is not a swept setting", at: location,
                    hint: "swept settings: " + SweptSetting.allCases.map(\.key).joined(separator: ", "))
            }
            guard let value = Self.value(written, setting.key) else {
                throw ReportgenError(
                    .badDefinition, "'\(written)' is not a level of \(setting.key)", at: location,
                    hint: setting == .delay ? "write a duration, e.g. delay>=10ms" : "write a number, e.g. \(setting.key)>=100")
            }
            terms.append(Term(key: setting.key, comparison: comparison, value: value, written: written))
        }
        return CellCondition(terms: terms)
    }

    /// A level's label as a number in its setting's unit: seconds for a delay.
    static func value(_ label: String, _ key: String) -> Double? {
        key == SweptSetting.delay.key ? DurationSyntax.parse(label)?.seconds : Double(label)
    }

    /// Whether the levels of a cell ("delay=50ms, connections=100") meet every term.
    func matches(_ levels: String) -> Bool {
        var values: [String: Double] = [:]
        for pair in levels.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let value = Self.value(parts[1], parts[0]) else { continue }
            values[parts[0]] = value
        }
        return terms.allSatisfy { term in
            guard let value = values[term.key] else { return false }
            let epsilon = 1e-9 * max(abs(value), abs(term.value), 1)
            switch term.comparison {
            case "=": return abs(value - term.value) <= epsilon
            case "!=": return abs(value - term.value) > epsilon
            case ">=": return value >= term.value - epsilon
            case "<=": return value <= term.value + epsilon
            case ">": return value > term.value + epsilon
            default: return value < term.value - epsilon
            }
        }
    }

    /// One claim per level (in the order cells are known) whose cells meet the condition:
    /// `parse` reads `claim` against the variant names at that level, and the names in the
    /// result are the cells'.
    func expand(
        _ claim: String, known: [String], at location: SourceLocation, parse: (String, [String]) throws -> Claim
    ) throws -> [Claim] {
        var levels: [String] = []
        for name in known {
            guard let at = name.range(of: " @ ") else { continue }
            let level = String(name[at.upperBound...])
            if matches(level) && !levels.contains(level) { levels.append(level) }
        }
        guard !levels.isEmpty else {
            throw ReportgenError(
                .badDefinition, "no cell of this run is at \(terms.map { "\($0.key)\($0.comparison)\($0.written)" }.joined(separator: ", "))",
                at: location, hint: known.contains { $0.contains(" @ ") } ? "cells: \(known.joined(separator: ", "))" : "this run sweeps nothing; remove the '@ …' part")
        }
        return try levels.map { level in
            let suffix = " @ " + level
            let variants = known.filter { $0.hasSuffix(suffix) }.map { String($0.dropLast(suffix.count)) }
            var expanded = try parse(claim, variants)
            let cell = { (name: String) in name + suffix }
            switch expanded.form {
            case .most(let name): expanded.form = .most(cell(name))
            case .fewest(let name): expanded.form = .fewest(cell(name))
            case .more(let name, let others): expanded.form = .more(cell(name), than: others.map(cell))
            case .noGain(let name, let others): expanded.form = .noGain(from: cell(name), to: others.map(cell))
            }
            return expanded
        }
    }
}
