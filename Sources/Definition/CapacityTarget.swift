import Core
import Foundation

/// What a server must keep to be within its capacity: a latency percentile under a limit,
/// and optionally a share of errors under another. Written `p99 <= 100ms`,
/// `p99.9 < 0.25s and errors <= 0.1%` (`[load] capacity`, `--capacity`).
public struct CapacityTarget: Sendable, Equatable, CustomStringConvertible {
    /// The percentile, 50 to 99.9.
    public var percentile: Double
    /// `<` rather than `<=`.
    public var strict: Bool
    /// The latency the percentile must stay under, in microseconds.
    public var limitUs: Int64
    /// The share of requests that may fail (0.001 for 0.1%); nil when the target says nothing of errors.
    public var maxErrorShare: Double?

    public static let percentiles: ClosedRange<Double> = 50...99.9

    /// How a target is written, for hints.
    public static let grammar = "write it as PERCENTILE <= LIMIT, e.g. \"p99 <= 100ms\", \"p99.9 < 0.25s\" or \"p99 <= 100ms and errors <= 0.1%\""

    public init(percentile: Double, strict: Bool, limitUs: Int64, maxErrorShare: Double? = nil) {
        (self.percentile, self.strict, self.limitUs, self.maxErrorShare) = (percentile, strict, limitUs, maxErrorShare)
    }

    /// The target `text` states, or what is wrong with it.
    public static func parse(_ text: String) -> Result<CapacityTarget, CapacityTargetError> {
        let parts = text.lowercased().components(separatedBy: " and ")
        guard parts.count <= 2, let latency = parts.first else {
            return .failure(CapacityTargetError("a target has a latency condition and at most one on errors, joined by 'and'"))
        }
        guard case .success(let (left, strict, right)) = comparison(latency) else {
            return .failure(CapacityTargetError("'\(latency.trimmingSpaces)' is not PERCENTILE <= LIMIT"))
        }
        guard left.hasPrefix("p"), let percentile = Double(left.dropFirst()), percentile.isFinite else {
            return .failure(CapacityTargetError("'\(left)' is not a percentile such as p99"))
        }
        guard Self.percentiles.contains(percentile) else {
            return .failure(CapacityTargetError("the percentile must be from p50 to p99.9, found \(left)"))
        }
        guard let limit = DurationSyntax.parse(right), right.hasSuffix("s"), limit > .zero else {
            return .failure(CapacityTargetError("'\(right)' is not a latency above zero in ms or s, such as 100ms"))
        }
        var target = CapacityTarget(percentile: percentile, strict: strict, limitUs: limit.microseconds)
        if parts.count == 2 {
            guard case .success(let (name, errorsStrict, share)) = comparison(parts[1]), name == "errors", !errorsStrict else {
                return .failure(CapacityTargetError("'\(parts[1].trimmingSpaces)' is not errors <= SHARE, such as errors <= 0.1%"))
            }
            guard let value = PercentSyntax.parse(share), value >= 0, value < 1 else {
                return .failure(CapacityTargetError("'\(share)' is not a share of errors from 0% to below 100%, such as 0.1%"))
            }
            target.maxErrorShare = value
        }
        return .success(target)
    }

    /// "LEFT <= RIGHT" or "LEFT < RIGHT", spaces anywhere.
    private static func comparison(_ text: String) -> Result<(String, Bool, String), CapacityTargetError> {
        let strict: Bool
        let pieces: [String]
        if text.contains("<=") {
            (strict, pieces) = (false, text.components(separatedBy: "<="))
        } else if text.contains("<") {
            (strict, pieces) = (true, text.components(separatedBy: "<"))
        } else {
            return .failure(CapacityTargetError("no < or <="))
        }
        guard pieces.count == 2 else { return .failure(CapacityTargetError("more than one comparison")) }
        let left = pieces[0].filter { !$0.isWhitespace }
        let right = pieces[1].filter { !$0.isWhitespace }
        guard !left.isEmpty, !right.isEmpty else { return .failure(CapacityTargetError("a side is empty")) }
        return .success((left, strict, right))
    }

    /// Whether a probe that measured `latencyUs` at the percentile and `errorShare` keeps it.
    public func holds(latencyUs: Int64, errorShare: Double) -> Bool {
        let latency = strict ? latencyUs < limitUs : latencyUs <= limitUs
        guard let maxErrorShare else { return latency }
        return latency && errorShare <= maxErrorShare
    }

    /// The target as a definition writes it ("p99 <= 100ms"), which `parse` reads back.
    public var written: String {
        description.replacingOccurrences(of: "≤", with: "<=")
    }

    /// "p99 ≤ 100 ms", "p99.9 < 250 ms and errors ≤ 0.1%".
    public var description: String {
        let p = percentile == percentile.rounded() ? String(Int(percentile)) : String(percentile)
        var text = "p\(p) \(strict ? "<" : "≤") \(DurationSyntax.format(.microseconds(limitUs)))"
        if let maxErrorShare {
            var percent = String(format: "%.4f", maxErrorShare * 100)
            while percent.contains("."), percent.hasSuffix("0") || percent.hasSuffix(".") { percent.removeLast() }
            text += " and errors ≤ \(percent)%"
        }
        return text
    }
}

/// Why a capacity target cannot be read.
public struct CapacityTargetError: Error, Sendable, Equatable {
    public var message: String

    init(_ message: String) {
        self.message = message
    }
}
