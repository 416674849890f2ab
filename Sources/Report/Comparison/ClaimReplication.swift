import Core
import Definition
import Foundation

/// A claim from a write-up checked on both runs of a comparison: does the conclusion the
/// baseline's author drew still hold on the other run?
public struct ClaimReplication: Sendable {
    public enum Verdict: String, Sendable {
        /// It holds on both runs, clear of the noise on each.
        case replicates
        /// It holds on one run, and the other run clearly says the opposite.
        case reversed
        /// The intervals across trials cannot tell on at least one run.
        case inconclusive
        /// It clearly holds on neither run.
        case holdsOnNeither = "holds on neither"
        /// A run lacks a variant the claim needs.
        case cannotCheck = "cannot be checked"

        /// Every verdict but `replicates`, in the order a count lists them.
        static let allOthers: [Verdict] = [.reversed, .inconclusive, .holdsOnNeither, .cannotCheck]
    }

    /// How the verdicts are reached, for the reader.
    static let explanation = "Each claim is checked on each run as the report checks it. "
        + "It replicates when it holds on both runs with the values it rests on clear of each other's 95% intervals across trials; "
        + "it is reversed when one run clearly says the opposite of the other; "
        + "it is inconclusive when, on either run, the intervals overlap (the order could be noise). "
        + "A published table has one value per variant and no interval: its order is taken as published."

    /// The claim as a sentence.
    public var claim: String
    /// Whose write-up states it: "baseline", "against" or "both".
    public var from: String
    public var baseline: ClaimResult
    public var against: ClaimResult
    public var verdict: Verdict

    static func verdict(baseline: ClaimResult, against: ClaimResult) -> Verdict {
        if baseline.verdict == .cannotCheck || against.verdict == .cannotCheck { return .cannotCheck }
        guard baseline.firm, against.firm else { return .inconclusive }
        switch (baseline.verdict == .holds, against.verdict == .holds) {
        case (true, true): return .replicates
        case (false, false): return .holdsOnNeither
        default: return .reversed
        }
    }

    /// The claims of both sides' stored write-ups (each once, the baseline's first), checked
    /// on both sides; `notes` say why a write-up's claims could not be read. A write-up may come
    /// from anyone, so a claim it cannot state about these runs is a note, never an error.
    static func check(baseline: ComparisonSide, against: ComparisonSide) -> (claims: [ClaimReplication], notes: [String]) {
        var known = against.variants.map(\.cell)
        for variant in baseline.variants where !known.contains(variant.cell) { known.append(variant.cell) }
        var notes: [String] = []
        var found: [(claim: Claim, from: String)] = []
        for (side, role) in [(baseline, "baseline"), (against, "against")] {
            guard let text = side.data.writeupText else { continue }
            let file = "the write-up stored with \(side.label)"
            let parts: [Template.Part]
            do {
                parts = try Template(text: text, file: file).parts
            } catch {
                notes.append("the claims in \(file) were not checked: \((error as? ReportgenError)?.message ?? "\(error)")")
                continue
            }
            for part in parts {
                guard case .cell(.claims, _, let body, let line) = part else { continue }
                // Line by line: one claim these runs cannot state leaves the others checked.
                for (offset, text) in body.enumerated() {
                    do {
                        for claim in try Claim.parse([text], known: known, file: file, firstLine: line + 1 + offset) {
                            if let index = found.firstIndex(where: { $0.claim.form == claim.form && $0.claim.metric == claim.metric }) {
                                if found[index].from != role { found[index].from = "both" }
                            } else {
                                found.append((claim, role))
                            }
                        }
                    } catch let error as ReportgenError {
                        notes.append("\(error.location.map { "\($0)" } ?? file): not checked: \(error.message)")
                    } catch {
                        notes.append("\(file): not checked: \(error)")
                    }
                }
            }
        }
        guard !found.isEmpty else { return ([], notes) }
        let sources = [baseline, against].map(ClaimSource.init(side:))
        let claims = found.map { entry in
            let old = ClaimCheck.evaluate(entry.claim, in: sources[0])
            let new = ClaimCheck.evaluate(entry.claim, in: sources[1])
            return ClaimReplication(
                claim: entry.claim.sentence, from: entry.from, baseline: old, against: new,
                verdict: verdict(baseline: old, against: new))
        }
        return (claims, notes)
    }
}

extension ClaimSource {
    /// The numbers of one side of a comparison, counted as its report counts them.
    init(side: ComparisonSide) {
        if side.isPublished {
            self = .published(PublishedBaseline(
                label: side.label, file: side.label, rows: side.variants.compactMap(\.published)))
        } else {
            self = .run(
                RunStatistics.compute(side.data, includeUnsteady: side.includeUnsteady), name: side.label,
                maxErrorRate: side.data.maxErrorRate)
        }
    }
}
