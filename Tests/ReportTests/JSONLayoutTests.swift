import Foundation
import Testing

@testable import Report
@testable import Core

/// results.json is written by `JSONValue.layout()`, which must keep the bytes Foundation's
/// JSONSerialization wrote before it (pretty printed, sorted keys, unescaped slashes):
/// Foundation is the judge here, on documents built to reach every corner of its layout.
@Suite("results.json layout")
struct JSONLayoutTests {
    static let keys = [
        "p9", "p10", "p99", "p99_9", "p99_99", "a", "A", "B", "_x", "a b", "a_b", "a-b", "a.b", "ab", "aB", "é", "e", "E",
        "ß", "ss", "9", "10", "APP_MODE", "APPLE", "worker_class", "workers", "", "😀", "z1", "z10", "z2",
    ]
    static let texts = [
        "", "plain", "a/b", "quote \" and \\ backslash", "line\nbreak\ttab\rreturn", "\u{0}\u{8}\u{c}\u{1f}\u{7f}",
        "é ß 😀 \u{2028}", "</script>",
    ]
    static let numbers: [Double] = [
        0, -0.0, 1, -1, 0.1, 0.05, 1e-7, 2.5e-5, 20.061512375, 157.62704597758412, 3e15, 1e16, 1.2345678901234567e16,
        1e21, -1.5e300, Double.leastNonzeroMagnitude, 123_456_789_012, 100,
    ]

    /// A value of at most `depth` levels, drawn from the pools above.
    static func value(_ random: inout SplitMix64, depth: Int) -> JSONValue {
        let kind = Int.random(in: 0..<(depth > 0 ? 9 : 6), using: &random)
        switch kind {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .integer([0, -1, 2, Int64.max, Int64.min, 25_275_990_016][Int.random(in: 0..<6, using: &random)])
        case 3: return .number(numbers.randomElement(using: &random) ?? 0)
        case 4, 5: return .string(texts.randomElement(using: &random) ?? "")
        case 6: return .array((0..<Int.random(in: 0..<4, using: &random)).map { _ in value(&random, depth: depth - 1) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0..<8, using: &random) {
                members[keys.randomElement(using: &random) ?? ""] = value(&random, depth: depth - 1)
            }
            return .object(members)
        }
    }

    /// The value as JSONSerialization takes it.
    static func foundation(_ value: JSONValue) -> Any {
        switch value {
        case .null: return NSNull()
        case .bool(let flag): return flag
        case .integer(let integer): return Int(integer)
        case .number(let number): return number
        case .string(let text): return text
        case .array(let values): return values.map(foundation)
        case .object(let members): return members.mapValues(foundation)
        }
    }

    @Test("every document lays out byte for byte as JSONSerialization wrote it, and reads back as what lays out the same")
    func matchesFoundation() throws {
        var random = SplitMix64(seed: 21)
        for _ in 0..<400 {
            let document = JSONValue.object(["root": Self.value(&random, depth: 4)])
            let expected = try JSONSerialization.data(
                withJSONObject: Self.foundation(document), options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            let written = try document.layout()
            #expect(written == String(decoding: expected, as: UTF8.self))
            // A whole number reads back as an integer, which lays out the same below 1e16; above
            // it JSON does not tell 1e+16 from 10000000000000000, and the integer is kept exact.
            if !written.contains("e+") {
                #expect(try JSONDecoder().decode(JSONValue.self, from: Data(written.utf8)).layout() == written)
            }
        }
    }

    @Test("an Encodable part keeps every field: a missing or non-finite OrNull is null, a plain optional is left out")
    func encodablePart() throws {
        struct Part: Encodable {
            @OrNull var missing: String?
            @OrNull var infinite: Double?
            @OrNull var count: Int64?
            var omitted: String?
            var levels: [String: Double]
        }
        let value = try JSONValue(encoding: Part(missing: nil, infinite: .infinity, count: 3, omitted: nil, levels: ["b": 0.5, "a": 2]))
        #expect(value == .object([
            "missing": .null, "infinite": .null, "count": .integer(3), "levels": .object(["a": .integer(2), "b": .number(0.5)]),
        ]))
    }
}
