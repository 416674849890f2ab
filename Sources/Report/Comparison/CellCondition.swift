import Core
import Definition
import Foundation

/// The `@ …` end of a claim about a swept run: which cells it speaks of, by level, e.g.
/// `more requests: aiohttp > flask:[0-9]* @ delay>=10ms`. The claim is checked once per
/// level that meets every condition, among the cells at that level.
struct CellCondition: Equatable {
    struct Term: Equatable {
        var setting: SweptSetting
        var comparison: String
        var value: Double
        var written: String
    }

    var terms: [Term]

    static let comparisons = [">=", "<=", "!=", "=", ">", "<"]
    static let hint = "end a claim with '@ KEY OP LEVEL', e.g. '@ delay>=10ms' or '@ delay=50ms, connections=100' (OP: =, !=, <, <=, >, >=)"

    /// "claim @ condition" split where a cell's name puts its levels; nil without a condition.
    static func split(_ text: String) -> (String, String)? {
        CellID.split(text).map { ($0.head, $0.rest) }
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
            guard let level = SweepLevel(setting, written: written) else {
                throw ReportgenError(
                    .badDefinition, "'\(written)' is not a level of \(setting.key)", at: location,
                    hint: setting == .delay ? "write a duration, e.g. delay>=10ms" : "write a number, e.g. \(setting.key)>=100")
            }
            terms.append(Term(setting: setting, comparison: comparison, value: level.value, written: written))
        }
        return CellCondition(terms: terms)
    }

    /// Whether a cell's levels meet every term.
    func matches(_ cell: CellID) -> Bool {
        terms.allSatisfy { term in
            guard let value = cell.level(term.setting)?.value else { return false }
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
    /// `parse` reads `claim` against the cells at that level, each written by its variant's
    /// name.
    func expand(
        _ claim: String, known: [CellID], at location: SourceLocation,
        parse: (String, [(name: String, cell: CellID)]) throws -> Claim
    ) throws -> [Claim] {
        var levels: [CellID] = []
        for cell in known where !cell.levels.isEmpty && matches(cell) && !levels.contains(where: cell.isAtSameLevels) {
            levels.append(cell)
        }
        guard !levels.isEmpty else {
            throw ReportgenError(
                .badDefinition, "no cell of this run is at \(terms.map { "\($0.setting.key)\($0.comparison)\($0.written)" }.joined(separator: ", "))",
                at: location,
                hint: known.contains { !$0.levels.isEmpty }
                    ? "cells: \(known.map(\.description).joined(separator: ", "))" : "this run sweeps nothing; remove the '@ …' part")
        }
        return try levels.map { level in
            try parse(claim, known.filter(level.isAtSameLevels).map { ($0.variant, $0) })
        }
    }
}
