import Core
import Definition
import Foundation

/// Evaluates one `{{ … }}` expression of a write-up. The forms:
///
/// - `METRIC VARIANT` — e.g. `{{ requests aiohttp }}`, `{{ p99 flask:10 }}` (metrics: see `Metric`)
/// - `ratio METRIC A B` — A's value over B's, e.g. `{{ ratio requests aiohttp flask:gevent }}` → "4.10×"
/// - `best METRIC` / `worst METRIC` — the variant name, aware of the metric's polarity
/// - `SCOPE.FIELD` — a field of the run, its machine or its software: `InlineField.all`
/// - `package NAME` — a pinned Python package
///
/// A VARIANT in a sweep is a cell, `aiohttp @ delay=50ms`, read by `CellID(written:)`.
enum InlineValue {
    static func evaluate(_ expression: String, context: ReportContext, at location: SourceLocation) throws -> String {
        let words = CellID.joiningWords(expression.split(separator: " ", omittingEmptySubsequences: true).map {
            String($0).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        })
        guard let head = words.first else {
            throw ReportgenError(.badDefinition, "an empty {{ }} value", at: location, hint: "write e.g. {{ requests aiohttp }}")
        }
        func unknown(_ what: String, _ hint: String) -> ReportgenError {
            ReportgenError(.badDefinition, "unknown value {{ \(expression) }}: \(what)", at: location, hint: hint)
        }
        func metric(_ word: String) throws -> Metric {
            guard let metric = Metric(rawValue: word) else {
                throw unknown("no metric '\(word)'", "metrics are: " + Metric.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return metric
        }
        switch head {
        case "ratio":
            guard words.count == 4 else { throw unknown("ratio takes a metric and two variants", "write {{ ratio requests aiohttp flask:gevent }}") }
            let m = try metric(words[1])
            let a = try context.cell(words[2], at: location).flatMap(m.value)
            let b = try context.cell(words[3], at: location).flatMap(m.value)
            guard let a, let b, b != 0 else { return "—" }
            return ReportNumber.ratio(a / b)
        case "best", "worst":
            guard words.count == 2 else { throw unknown("\(head) takes one metric", "write {{ \(head) requests }}") }
            // "best requests @ delay=50ms": among the cells at those levels, by variant name.
            let split = CellID.split(words[1])
            let m = try metric(split?.head ?? words[1])
            var among = context.statistics
            if let level = split?.rest {
                let levels = CellID.levels(written: level)
                among = among.filter { stats in levels.map(stats.cell.isAt) ?? false }
                if among.isEmpty {
                    throw unknown("no cell at \(level)", "cells are named like '\(context.statistics.first?.name ?? "aiohttp @ delay=50ms")'")
                }
            }
            let ranked = among.compactMap { s in m.value(s).map { (split == nil ? s.name : s.cell.variant, $0) } }
                .sorted { m.higherIsBetter ? $0.1 > $1.1 : $0.1 < $1.1 }
            guard let pick = head == "best" ? ranked.first : ranked.last else { return "—" }
            return pick.0
        case "package":
            guard words.count == 2 else { throw unknown("package takes a name", "write {{ package aiohttp }}") }
            return context.package(words[1]) ?? "not installed"
        default:
            break
        }
        if words.count == 1, let dot = head.firstIndex(of: ".") {
            guard let field = InlineField.named(head) else {
                throw unknown("no field '\(head[head.index(after: dot)...])' in '\(head[..<dot])'", "fields: \(InlineField.list)")
            }
            return field.value(context)
        }
        guard words.count == 2 else {
            throw unknown("not a known form", "write {{ METRIC VARIANT }}, {{ ratio METRIC A B }}, {{ best METRIC }} or {{ run.trials }}")
        }
        let m = try metric(head)
        guard let stats = try context.cell(words[1], at: location) else { return "n/a (not in this run)" }
        if m == .capacity { return capacity(stats, context: context) }
        return m.format(m.value(stats))
    }

    /// "198 requests/s (95% interval 198–203)", "none: …", "≥ 26,000 requests/s (the generator's limit)".
    private static func capacity(_ stats: VariantStatistics, context: ReportContext) -> String {
        guard context.capacity != nil else { return "n/a (this run searched for no capacity)" }
        guard let estimate = stats.capacity else { return "n/a (no probes)" }
        switch estimate.kind {
        case .found:
            return Metric.capacity.format(estimate.rps) + " (95% interval " + CapacitySection.range(estimate) + ")"
        case .generatorLimited:
            return "≥ " + Metric.capacity.format(estimate.rps) + " (the generator's limit)"
        case .none:
            return "none (" + (estimate.reason ?? "the target failed at every rate") + ")"
        case .unfinished:
            return "not found (" + (estimate.reason ?? "the search stopped") + ")"
        }
    }

    static func seconds(_ duration: Duration) -> String {
        let value = duration.seconds
        return (value == value.rounded() ? "\(Int(value))" : ReportNumber.decimal(value, places: 1, grouped: true)) + " s"
    }
}
