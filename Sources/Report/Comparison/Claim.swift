import Experiments
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
        case most(String)
        case fewest(String)
        case more(String, than: [String])
        case noGain(from: String, to: [String])
    }

    var form: Form
    var metric: Metric
    /// The line of the template it was written on.
    var line: Int

    /// The grammar, for error hints.
    static let grammar = "write 'most METRIC: VARIANT', 'fewest METRIC: VARIANT', 'more METRIC: VARIANT > OTHER …' or 'no gain METRIC: VARIANT -> OTHER …'"

    /// Parses a cell body. `known` lists every variant a claim may name (the experiment's and
    /// the published table's), in the order globs expand to; `firstLine` is the body's first
    /// line in `file`.
    static func parse(_ body: [String], known: [String], file: String, firstLine: Int) throws -> [Claim] {
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
                claims.append(try parseLine(text, known: known, at: location))
            }
        }
        return claims
    }

    private static func parseLine(_ text: String, known: [String], at location: SourceLocation) throws -> Claim {
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
        func single(_ word: String) throws -> String {
            let name = word.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { throw failure("the claim names no variant before its list") }
            guard known.contains(name) else { throw unknownVariant(name, known: known, at: location) }
            return name
        }
        func list(_ text: String, excluding subject: String) throws -> [String] {
            let words = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
            guard !words.isEmpty else { throw failure("the claim's list of variants is empty") }
            var names: [String] = []
            for word in words {
                let matches = known.filter { $0 == word || (isGlob(word) && matchesGlob(word, $0)) }
                guard !matches.isEmpty else { throw unknownVariant(word, known: known, at: location) }
                for name in matches where name != subject && !names.contains(name) { names.append(name) }
            }
            guard !names.isEmpty else { throw failure("the claim compares \(subject) only with itself") }
            return names
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
            form = .most(try single(rest))
        case ["fewest"]:
            form = .fewest(try single(rest))
        case ["more"]:
            let (subject, others) = try split(">")
            let name = try single(subject)
            form = .more(name, than: try list(others, excluding: name))
        case ["no", "gain"]:
            let (subject, others) = try split("->")
            let name = try single(subject)
            form = .noGain(from: name, to: try list(others, excluding: name))
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
        switch form {
        case .most(let name):
            return metric.higherIsBetter ? "\(name) serves the most \(measure)" : "\(name) has the highest \(measure)"
        case .fewest(let name):
            return metric.higherIsBetter ? "\(name) serves the fewest \(measure)" : "\(name) has the lowest \(measure)"
        case .more(let name, let others):
            let list = Claim.join(others)
            return metric.higherIsBetter ? "\(name) serves more \(measure) than \(list)" : "\(name) has a higher \(measure) than \(list)"
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
        default: return "\(metric.rawValue) latency"
        }
    }

    static func join(_ names: [String]) -> String {
        guard names.count > 1, let last = names.last else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " and " + last
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
