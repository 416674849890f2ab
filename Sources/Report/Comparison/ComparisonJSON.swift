import Core
import Foundation

/// comparison.json: what a script needs from a comparison, with the names the README lists.
/// Ratios are against ÷ baseline; `low` and `high` bound the 95% interval (null where there
/// is none); `significant` is after Holm's correction over the variants.
public enum ComparisonJSON {
    public static func document(_ comparison: RunComparison) -> JSONValue {
        var document = JSONValue.object([
            "experiment": .string(comparison.against.data.run.experiment),
            "baseline": side(comparison.baseline),
            "current": side(comparison.against),
            "variants": .array(comparison.variants.map(variant)),
            "claims": .array(comparison.claims.map(claim)),
            "claim_notes": .array(comparison.claimNotes.map(JSONValue.string)),
            "machine_differences": .array(comparison.machines.differing.map {
                .object(["fact": .string($0.fact), "baseline": .string($0.baseline), "current": .string($0.against)])
            }),
            "definition_differences": comparison.definitionChanges.map { changes in
                .array(ComparisonReport.definitionLines(changes).map(JSONValue.string))
            } ?? .null,
            "method": .string(comparison.methodText),
        ])
        document.set(comparison.factor(.requestsPerSecond).map(factor) ?? .null, at: ["machine_factor"])
        for measure in RunComparison.Measure.allCases {
            document.set(comparison.factor(measure).map(factor) ?? .null, at: ["factors", measure.key])
        }
        return document
    }

    private static func side(_ side: ComparisonSide) -> JSONValue {
        let data = side.data
        return .object([
            "label": .string(side.label),
            "published": .bool(side.isPublished),
            "run_uid": data.run.uid.isEmpty ? .null : .string(data.run.uid),
            "hostname": .string(data.machine.hostname),
            "cpu": .string(data.machine.cpuModel),
            "cores": .integer(Int64(data.machine.cpuCores)),
            "started_at": .string(ISO8601DateFormatter().string(from: data.run.startedAt)),
        ])
    }

    private static func factor(_ factor: RunComparison.MachineFactor) -> JSONValue {
        .object([
            "ratio": JSONValue(factor.ratio),
            "low": JSONValue(factor.interval?.lowerBound),
            "high": JSONValue(factor.interval?.upperBound),
            "variants": .integer(Int64(factor.cells.count)),
            "kendall_tau": JSONValue(factor.kendallTau),
        ])
    }

    private static func estimate(ratio: Double?, interval: ClosedRange<Double>?, adjustedP: Double?, verdict: RunComparison.Verdict) -> [String: JSONValue] {
        [
            "ratio": JSONValue(ratio),
            "low": JSONValue(interval?.lowerBound),
            "high": JSONValue(interval?.upperBound),
            "p_holm": JSONValue(adjustedP),
            "significant": .bool(verdict.isChange),
            "verdict": .string(verdict.text),
        ]
    }

    /// requests/s at the top level, as the issue of the format promises; each measure in full under `measures`.
    private static func variant(_ variant: RunComparison.VariantResult) -> JSONValue {
        var object: [String: JSONValue] = [
            "name": .string(variant.name),
            "rank_baseline": variant.baselineRank.map { .integer(Int64($0)) } ?? .null,
            "rank_current": variant.againstRank.map { .integer(Int64($0)) } ?? .null,
        ]
        var measures: [String: JSONValue] = [:]
        for result in variant.measures {
            var entry = estimate(ratio: result.ratio, interval: result.interval, adjustedP: result.adjustedP, verdict: result.verdict)
            entry["baseline"] = JSONValue(result.baseline)
            entry["current"] = JSONValue(result.against)
            entry["relative"] = result.relative.map {
                .object(estimate(ratio: $0.ratio, interval: $0.interval, adjustedP: $0.adjustedP, verdict: $0.verdict))
            } ?? .null
            measures[result.measure.key] = .object(entry)
            if result.measure == .requestsPerSecond {
                for key in ["ratio", "low", "high", "significant", "relative"] { object[key] = entry[key] }
            }
        }
        object["measures"] = .object(measures)
        return .object(object)
    }

    private static func claim(_ claim: ClaimReplication) -> JSONValue {
        func side(_ result: ClaimResult) -> JSONValue {
            .object(["verdict": .string(result.verdict.rawValue), "firm": .bool(result.firm), "detail": .string(result.detail)])
        }
        return .object([
            "claim": .string(claim.claim), "written_in": .string(claim.from),
            "baseline": side(claim.baseline), "current": side(claim.against), "verdict": .string(claim.verdict.rawValue),
        ])
    }
}
