import Core
import Definition
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One claim of a `claims` cell: a statement about the variants that the report checks
/// against the numbers instead of repeating it. The cell body holds one claim per line:
///
/// ```
/// most METRIC: VARIANT              VARIANT has the highest METRIC of all variants
/// fewest METRIC: VARIANT            VARIANT has the lowest METRIC of all variants
/// more METRIC: VARIANT > LIST       VARIANT's METRIC is higher than every one in LIST
/// no gain METRIC: VARIANT -> LIST   nothing in LIST improves on VARIANT's METRIC beyond noise
/// ```
///
/// METRIC is a `Metric` (`requests`, `rps`, `p50`, `p99`, `p99.9`, `mean`, …). LIST is
/// variant names or globs (`*`, `?`, `[0-9]`) over the experiment's variants, separated by
/// spaces or commas: `flask:[0-9]*` is every threaded Flask variant. "Improves" knows the
/// metric's polarity: more requests, less latency. Blank lines and lines starting with `#`
/// are ignored. An unknown form, metric or variant is an error naming the file and line.
struct Claim: Sendable, Equatable {
    enum Form: Sendable, Equatable {
        case most(CellID)
        case fewest(CellID)
        case more(CellID, than: [CellID])
        case noGain(from: CellID, to: [CellID])
    }

    var form: Form
    var metric: Metric
    /// The line of the template it was written on.
    var line: Int

    /// The grammar, for error hints.
    static let grammar = "write 'most METRIC: VARIANT', 'fewest METRIC: VARIANT', 'more METRIC: VARIANT > OTHER …' or 'no gain METRIC: VARIANT -> OTHER …'"

    /// Parses a cell body. `known` lists every cell a claim may name (the experiment's and
    /// the published table's variants), in the order globs expand to; `firstLine` is the
    /// body's first line in `file`. A claim names cells as they are shown, or, after a
    /// condition on their levels, by their variants' names.
    static func parse(_ body: [String], known: [CellID], file: String, firstLine: Int) throws -> [Claim] {
        var claims: [Claim] = []
        for (offset, raw) in body.enumerated() {
            let text = raw.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty, !text.hasPrefix("#") else { continue }
            let location = SourceLocation(file: file, line: firstLine + offset)
            if let split = CellCondition.split(text) {
                claims += try CellCondition.parse(split.1, at: location).expand(split.0, known: known, at: location) {
                    try parseLine($0, known: $1, at: location)
                }
            } else {
                claims.append(try parseLine(text, known: known.map { ($0.description, $0) }, at: location))
            }
        }
        return claims
    }

    /// One claim, naming cells from `known` by the names given with them.
    private static func parseLine(_ text: String, known: [(name: String, cell: CellID)], at location: SourceLocation) throws -> Claim {
        let names = known.map(\.name)
        func failure(_ message: String, hint: String = grammar) -> ReportgenError {
            ReportgenError(.badDefinition, message, at: location, hint: hint)
        }
        // Forms and metrics hold no colon, so the first one ends the head even though
        // variant names (flask:gevent) have colons of their own.
        guard let colon = text.firstIndex(of: ":") else {
            throw failure("a claim line reads 'FORM METRIC: VARIANTS', found '\(text)'")
        }
        let head = text[..<colon].split(separator: " ").map(String.init)
        let rest = String(text[text.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        let formWords: [String]
        let metricWord: String
        if head.count == 3, head[0] == "no", head[1] == "gain" {
            formWords = ["no", "gain"]
            metricWord = head[2]
        } else if head.count == 2 {
            formWords = [head[0]]
            metricWord = head[1]
        } else {
            throw failure("unknown claim '\(head.joined(separator: " "))'")
        }
        guard let metric = Metric(rawValue: metricWord) else {
            throw failure(
                "unknown metric '\(metricWord)' in a claim",
                hint: "metrics: " + Metric.allCases.map(\.rawValue).joined(separator: ", "))
        }
        func single(_ word: String) throws -> (name: String, cell: CellID) {
            let name = word.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { throw failure("the claim names no variant before its list") }
            guard let found = known.first(where: { $0.name == name }) else {
                throw unknownVariant(name, known: names, at: location)
            }
            return found
        }
        func list(_ text: String, excluding subject: (name: String, cell: CellID)) throws -> [CellID] {
            let words = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
            guard !words.isEmpty else { throw failure("the claim's list of variants is empty") }
            var cells: [CellID] = []
            for word in words {
                let matches = known.filter { $0.name == word || (isGlob(word) && matchesGlob(word, $0.name)) }
                guard !matches.isEmpty else { throw unknownVariant(word, known: names, at: location) }
                for match in matches where match.cell != subject.cell && !cells.contains(match.cell) { cells.append(match.cell) }
            }
            guard !cells.isEmpty else { throw failure("the claim compares \(subject.name) only with itself") }
            return cells
        }
        func split(_ separator: String) throws -> (String, String) {
            guard let range = rest.range(of: separator) else {
                throw failure("this claim separates the variant from the others with '\(separator)'")
            }
            return (String(rest[..<range.lowerBound]), String(rest[range.upperBound...]))
        }
        let form: Form
        switch formWords {
        case ["most"]:
            form = .most(try single(rest).cell)
        case ["fewest"]:
            form = .fewest(try single(rest).cell)
        case ["more"]:
            let (subject, others) = try split(">")
            let named = try single(subject)
            form = .more(named.cell, than: try list(others, excluding: named))
        case ["no", "gain"]:
            let (subject, others) = try split("->")
            let named = try single(subject)
            form = .noGain(from: named.cell, to: try list(others, excluding: named))
        default:
            throw failure("unknown claim '\(head.joined(separator: " "))'")
        }
        return Claim(form: form, metric: metric, line: location.line ?? 0)
    }

    private static func unknownVariant(_ name: String, known: [String], at location: SourceLocation) -> ReportgenError {
        let near = KeySuggestionForClaims.nearest(name, in: known).map { "did you mean '\($0)'? " } ?? ""
        return ReportgenError(
            .badDefinition, "unknown variant '\(name)' in a claim", at: location,
            hint: "\(near)variants: \(known.joined(separator: ", "))")
    }

    static func isGlob(_ word: String) -> Bool {
        word.contains(where: { "*?[".contains($0) })
    }

    /// Shell-style matching (fnmatch): `*`, `?` and `[…]` classes.
    static func matchesGlob(_ pattern: String, _ name: String) -> Bool {
        fnmatch(pattern, name, 0) == 0
    }

    /// The sentence the report prints for this claim.
    var sentence: String {
        let measure = Claim.measure(metric)
        if metric == .capacity { return capacitySentence }
        switch form {
        case .most(let cell):
            return metric.higherIsBetter ? "\(cell) serves the most \(measure)" : "\(cell) has the highest \(measure)"
        case .fewest(let cell):
            return metric.higherIsBetter ? "\(cell) serves the fewest \(measure)" : "\(cell) has the lowest \(measure)"
        case .more(let cell, let others):
            let list = Claim.join(others)
            return metric.higherIsBetter ? "\(cell) serves more \(measure) than \(list)" : "\(cell) has a higher \(measure) than \(list)"
        case .noGain(let base, let others):
            if others.count == 1, let only = others.first {
                return metric.higherIsBetter
                    ? "\(only) serves no more \(measure) than \(base)"
                    : "\(only) has no lower \(measure) than \(base)"
            }
            let list = Claim.join(others)
            return metric.higherIsBetter
                ? "none of \(list) serves more \(measure) than \(base)"
                : "none of \(list) has a lower \(measure) than \(base)"
        }
    }

    /// A capacity is had, not served: "aiohttp has the highest capacity".
    private var capacitySentence: String {
        switch form {
        case .most(let cell): return "\(cell) has the highest capacity"
        case .fewest(let cell): return "\(cell) has the lowest capacity"
        case .more(let cell, let others): return "\(cell) has a higher capacity than \(Claim.join(others))"
        case .noGain(let base, let others):
            if others.count == 1, let only = others.first { return "\(only) has no higher capacity than \(base)" }
            return "none of \(Claim.join(others)) has a higher capacity than \(base)"
        }
    }

    /// The metric as words in a sentence.
    static func measure(_ metric: Metric) -> String {
        switch metric {
        case .requests: return "requests"
        case .rps: return "requests per second"
        case .min: return "minimum latency"
        case .max: return "maximum latency"
        case .mean: return "mean latency"
        case .errors: return "errors"
        case .rss: return "peak memory"
        case .cpu: return "app CPU time"
        case .capacity: return "capacity"
        default: return "\(metric.rawValue) latency"
        }
    }

    /// "a, b and c", as cells are shown.
    static func join(_ cells: [CellID]) -> String {
        ReportNumber.list(cells.map(\.description))
    }
}

/// "Did you mean" for variant names: the closest by edit distance, if it is close.
private enum KeySuggestionForClaims {
    static func nearest(_ word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, distance(Array(word), Array($0))) }.min { $0.1 < $1.1 }
        guard let best = scored, best.1 <= max(2, word.count / 3) else { return nil }
        return best.0
    }

    private static func distance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
