import Core
import Definition
import Foundation
import Store

/// A set of numbers a claim is checked against: a published table or a measured run.
struct ClaimSource: Sendable {
    /// One variant's value of one metric.
    struct Value: Sendable {
        var value: Double
        /// 95% interval across trials, where the metric has one.
        var interval: ClosedRange<Double>?
        var trials: Int
    }

    private enum Numbers: Sendable {
        case published([PublishedRow])
        /// A run's statistics and the share of requests its trials could lose to errors.
        case run([VariantStatistics], maxErrorRate: Double)
    }

    /// Column header: "published 2017", "this run".
    var name: String
    /// Why a cell has no value here.
    var absence: String
    private var numbers: Numbers

    static func published(_ baseline: PublishedBaseline) -> ClaimSource {
        ClaimSource(name: baseline.label, absence: "not in the published table", numbers: .published(baseline.rows))
    }

    static func run(_ statistics: [VariantStatistics], name: String, maxErrorRate: Double? = nil) -> ClaimSource {
        ClaimSource(
            name: name, absence: "not measured in this run",
            numbers: .run(statistics, maxErrorRate: maxErrorRate ?? LoadSettings.defaultMaxErrorRate))
    }

    /// What a reader must know before believing that `cell` won here: trials it lost to
    /// failures (errors included), or errors in the trials that count; nil when nothing.
    func caution(_ cell: CellID) -> String? {
        guard case .run(let statistics, let limit) = numbers,
            let stats = statistics.first(where: { $0.cell == cell })
        else { return nil }
        if stats.trialsFailed > 0 {
            return "\(cell) lost \(stats.trialsFailed) of \(stats.trialsTotal) trials to failures, left out of its numbers"
        }
        if let share = stats.errors.share, share >= limit / 10 {
            return "\(cell) answered \(ReportNumber.decimal(share * 100, places: 2, grouped: true))% of its requests with errors"
        }
        return nil
    }

    /// Every cell with numbers, in order.
    var cells: [CellID] {
        switch numbers {
        case .published(let rows): return rows.map(\.cell)
        case .run(let statistics, _): return statistics.filter { !$0.isFailed }.map(\.cell)
        }
    }

    func value(_ cell: CellID, _ metric: Metric) -> Value? {
        switch numbers {
        case .published(let rows):
            guard let row = rows.first(where: { $0.cell == cell }) else { return nil }
            let value: Double?
            switch metric {
            case .requests: value = Double(row.requests)
            case .rps: value = row.requestsPerSecond
            case .min: value = row.minMs
            case .p50: value = row.p50Ms
            case .p99: value = row.p99Ms
            case .p999: value = row.p999Ms
            case .max: value = row.maxMs
            case .mean: value = row.meanMs
            default: value = nil
            }
            return value.map { Value(value: $0, interval: nil, trials: 1) }
        case .run(let statistics, _):
            guard let stats = statistics.first(where: { $0.cell == cell }), !stats.isFailed,
                let value = metric.value(stats)
            else { return nil }
            let interval: ClosedRange<Double>? = switch metric {
            case .requests: stats.throughput.requestsCI95
            case .rps: stats.throughput.requestsPerSecondCI95
            case .p50: StudentT.ratioInterval95(stats.latency.p50PerTrialMs)
            case .p99: StudentT.ratioInterval95(stats.latency.p99PerTrialMs)
            case .capacity: stats.capacity.flatMap { c in c.kind == .found ? c.low.flatMap { low in c.high.map { low...max(low, $0) } } : nil }
            default: nil
            }
            return Value(value: value, interval: interval, trials: stats.trialsOK)
        }
    }
}

/// A claim's outcome against one source.
public struct ClaimResult: Sendable, Equatable {
    public enum Verdict: String, Sendable {
        case holds = "holds"
        case doesNotHold = "does not hold"
        case cannotCheck = "cannot be checked"
    }

    public var verdict: Verdict
    /// The numbers behind the verdict.
    public var detail: String
    /// Whether the 95% intervals across trials separate the values the verdict rests on;
    /// true where a value has no interval (a published table, one trial), since nothing
    /// then says the order could be noise.
    public var firm = true
}

/// Checks claims against the numbers and writes the `claims` cell.
enum ClaimCheck {
    static func evaluate(_ claim: Claim, in source: ClaimSource) -> ClaimResult {
        let metric = claim.metric
        func show(_ cell: CellID, _ value: ClaimSource.Value) -> String { "\(cell) \(metric.format(value.value))" }
        func cannot(_ why: String) -> ClaimResult { ClaimResult(verdict: .cannotCheck, detail: why) }
        func valued(_ cells: [CellID]) -> [(cell: CellID, value: ClaimSource.Value)] {
            cells.compactMap { cell in source.value(cell, metric).map { (cell, $0) } }
        }

        switch claim.form {
        case .most(let subject), .fewest(let subject):
            let highest: Bool
            if case .most = claim.form { highest = true } else { highest = false }
            guard let mine = source.value(subject, metric) else { return cannot("\(subject) is \(source.absence)") }
            // A cell is compared with the other cells at its own level.
            let others = valued(source.cells.filter { $0 != subject && $0.isAtSameLevels(as: subject) })
            guard let rival = highest ? others.max(by: { $0.value.value < $1.value.value }) : others.min(by: { $0.value.value < $1.value.value })
            else { return cannot("no other variant has a \(Claim.measure(metric)) value") }
            let holds = highest ? mine.value > rival.value.value : mine.value < rival.value.value
            let scope = "\(others.count + 1) variants"
            return ClaimResult(
                verdict: holds ? .holds : .doesNotHold,
                detail: holds
                    ? "\(show(subject, mine)); next \(show(rival.cell, rival.value)) (\(scope))" + cautionNote(subject, source)
                    : "\(show(rival.cell, rival.value)) against \(show(subject, mine)) (\(scope))",
                firm: holds
                    ? others.allSatisfy { separated(mine, $0.value, firstHigher: highest) ?? true }
                    : separated(rival.value, mine, firstHigher: highest) ?? true)

        case .more(let subject, let list):
            guard let mine = source.value(subject, metric) else { return cannot("\(subject) is \(source.absence)") }
            let present = valued(list)
            guard let strongest = present.max(by: { $0.value.value < $1.value.value }) else {
                return cannot(noneHere(list, source))
            }
            let holds = mine.value > strongest.value.value
            var detail = holds
                ? "\(show(subject, mine)); highest of the others \(show(strongest.cell, strongest.value))" + cautionNote(subject, source)
                : "\(show(strongest.cell, strongest.value)) against \(show(subject, mine))"
            detail += absentNote(list, present.map(\.cell), source)
            return ClaimResult(
                verdict: holds ? .holds : .doesNotHold, detail: detail,
                firm: holds
                    ? present.allSatisfy { separated(mine, $0.value, firstHigher: true) ?? true }
                    : separated(strongest.value, mine, firstHigher: true) ?? true)

        case .noGain(let base, let list):
            guard let reference = source.value(base, metric) else { return cannot("\(base) is \(source.absence)") }
            let present = valued(list)
            guard !present.isEmpty else { return cannot(noneHere(list, source)) }
            var usedIntervals = 0
            let gains = present.filter { other in
                if let mine = other.value.interval, let theirs = reference.interval, other.value.trials >= 2, reference.trials >= 2 {
                    usedIntervals += 1
                    // A gain counts only when it clears both variants' run-to-run noise.
                    return metric.higherIsBetter ? mine.lowerBound > theirs.upperBound : mine.upperBound < theirs.lowerBound
                }
                return metric.higherIsBetter ? other.value.value > reference.value : other.value.value < reference.value
            }
            let method = usedIntervals == present.count
                ? "compared by 95% intervals across trials"
                : usedIntervals == 0
                    ? "one value per variant: any improvement counts"
                    : "compared by 95% intervals where both have two or more trials, otherwise any improvement counts"
            let best = metric.higherIsBetter
                ? present.max(by: { $0.value.value < $1.value.value })
                : present.min(by: { $0.value.value < $1.value.value })
            var detail: String
            if gains.isEmpty, let best {
                detail = "best of the others \(show(best.cell, best.value)) against \(show(base, reference))"
            } else {
                detail = gains.prefix(3).map { show($0.cell, $0.value) }.joined(separator: ", ")
                    + (gains.count > 3 ? " and \(gains.count - 3) more" : "")
                    + (gains.count == 1 ? " improves" : " improve") + " on \(show(base, reference))"
            }
            detail += " (\(method))" + absentNote(list, present.map(\.cell), source)
            return ClaimResult(verdict: gains.isEmpty ? .holds : .doesNotHold, detail: detail)
        }
    }

    /// Whether `first` lies clearly beyond `second` (above when `firstHigher`, below
    /// otherwise): their 95% intervals do not overlap. nil when either lacks an interval.
    static func separated(_ first: ClaimSource.Value, _ second: ClaimSource.Value, firstHigher: Bool) -> Bool? {
        guard let a = first.interval, let b = second.interval, first.trials >= 2, second.trials >= 2 else { return nil }
        return firstHigher ? a.lowerBound > b.upperBound : a.upperBound < b.lowerBound
    }

    /// The `claims` cell: one row per claim, one column per source.
    static func markdown(_ claims: [Claim], sources: [ClaimSource]) -> String {
        let rows = claims.map { claim -> [String] in
            // Not capitalized: a sentence starts with a variant name, which is an identifier.
            [MarkdownText.escaped(claim.sentence)] + sources.map { source in
                let result = evaluate(claim, in: source)
                let verdict = result.verdict == .cannotCheck ? "*\(result.verdict.rawValue)*" : "**\(result.verdict.rawValue)**"
                return "\(verdict): \(result.detail)"
            }
        }
        let header = (["claim"] + sources.map(\.name)).map(MarkdownText.escaped)
        let table = ResultsTable.grid(header: header, rows: rows, rightAligned: [], format: .markdown, cellsAreMarkdown: true)
        return table + "\nEach verdict is computed from the numbers when the report is rendered. "
            + "For a claim of no gain, an improvement counts only when the two variants' 95% intervals across trials "
            + "do not overlap; where a variant has a single value (the published table, or one trial) any improvement counts."
    }

    private static func noneHere(_ list: [CellID], _ source: ClaimSource) -> String {
        if list.count == 1, let only = list.first { return "\(only) is \(source.absence)" }
        return "none of \(Claim.join(list)) is \(source.absence.replacingOccurrences(of: "not ", with: ""))"
    }

    /// "; but X lost 1 of 3 trials…" after a verdict that X wins.
    private static func cautionNote(_ winner: CellID, _ source: ClaimSource) -> String {
        source.caution(winner).map { "; **but** \($0)" } ?? ""
    }

    private static func absentNote(_ list: [CellID], _ present: [CellID], _ source: ClaimSource) -> String {
        let absent = list.filter { !present.contains($0) }
        guard !absent.isEmpty else { return "" }
        return "; \(Claim.join(absent)) \(absent.count == 1 ? "is" : "are") \(source.absence)"
    }
}
