import Foundation
import Testing
@testable import Core
@testable import Definition


/// Feeds mutated copies of the real default definition through the whole loader (TOML,
/// schema, expansion, paths): each must give a valid definition or a located, readable
/// error, and never crash or throw anything else.
@Suite("definition fuzzing")
struct DefinitionFuzzTests {
    static let projectRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Byte-level and line-level mutations: flips, deletions, insertions of TOML punctuation,
    /// duplicated and dropped lines, swapped values.
    static func mutate(_ text: [UInt8], _ generator: inout SplitMix64) -> [UInt8] {
        var bytes = text
        let alphabet = Array("=[]{}\",.'#\n 0123456789-_:abcxyz\\".utf8)
        for _ in 0..<Int(generator.next() % 4) + 1 {
            guard !bytes.isEmpty else { break }
            let at = Int(generator.next() % UInt64(bytes.count))
            switch generator.next() % 6 {
            case 0: bytes[at] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
            case 1: bytes.remove(at: at)
            case 2: bytes.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: at)
            case 3:
                let end = min(bytes.count, at + Int(generator.next() % 40))
                bytes.removeSubrange(at..<end)
            case 4:
                let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
                let line = lines[Int(generator.next() % UInt64(lines.count))]
                bytes.insert(contentsOf: Array(line) + [UInt8(ascii: "\n")], at: at)
            default:
                bytes.insert(contentsOf: Array("\n[[variants]]\nname = \"x\"\nthreads = [1, 1]\n".utf8), at: at)
            }
        }
        return bytes
    }

    @Test("2,000 mutations of experiment.toml: a definition or a located error, never a crash")
    func mutatedDefinitions() throws {
        let file = Self.projectRoot.appendingPathComponent("experiments/aiohttp-vs-flask/experiment.toml")
        let original = try Array(Data(contentsOf: file))
        var generator = SplitMix64(seed: 2017)
        var valid = 0
        var invalid = 0
        for _ in 0..<2_000 {
            let text = String(decoding: Self.mutate(original, &generator), as: UTF8.self)
            do {
                let definition = try DefinitionLoader.parse(text: text, file: file)
                #expect(!definition.variants.isEmpty)
                #expect(Set(definition.variants.map(\.name)).count == definition.variants.count)
                valid += 1
            } catch let error as ReportgenError {
                #expect(error.code == .badDefinition)
                #expect(error.location?.file.hasSuffix("experiment.toml") == true, "located: \(error)")
                #expect(!error.message.isEmpty && !error.message.contains("Swift."), "readable: \(error.message)")
                invalid += 1
            } catch {
                Issue.record("not a ReportgenError: \(error)")
            }
        }
        // The mutations must exercise both outcomes, or the test proves little.
        #expect(valid > 50)
        #expect(invalid > 500)
    }
}
