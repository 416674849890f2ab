import Core
import TOML

/// The app settings a `[[variants]]` entry may override, and that a list value expands over.
enum VariantField: String, CaseIterable {
    case module
    case workerClass = "worker_class"
    case workers
    case threads

    /// gunicorn's own worker class, when neither `[app]` nor the variant names one.
    static let defaultWorkerClass = "sync"
    /// Worker processes when neither `[app]` nor the variant sets them.
    static let defaultWorkers = 2

    /// The values every variant starts from before `[app]` and its own keys.
    static let defaults: [VariantField: Value] = [
        .workerClass: .text(defaultWorkerClass), .workers: .number(defaultWorkers),
    ]

    /// One field's value, printable into a variant name.
    enum Value: Equatable {
        case text(String)
        case number(Int)

        var text: String {
            switch self {
            case .text(let text): return text
            case .number(let number): return String(number)
            }
        }
    }

    /// Reads and checks one value of this field; `key` is how errors name it, e.g. "threads[2]".
    func read(_ value: TOMLValue, key: String, in section: DefinitionSection) throws -> Value {
        switch self {
        case .module:
            let module = try DefinitionSection.string(value, key: key, in: section)
            guard Self.isModuleReference(module) else {
                throw section.failure(
                    key, "\(module.quoted) is not a module reference", line: value.line,
                    hint: "write it as package.module:attribute, e.g. \"apps.flask_app:app\"")
            }
            return .text(module)
        case .workerClass:
            let workerClass = try DefinitionSection.string(value, key: key, in: section)
            guard !workerClass.trimmingSpaces.isEmpty else {
                throw section.failure(
                    key, "must not be empty", line: value.line,
                    hint: "e.g. worker_class = \"gthread\"; gunicorn's default is \"sync\"")
            }
            return .text(workerClass)
        case .workers:
            return .number(try DefinitionSection.integer(value, key: key, in: 1...64, section: section))
        case .threads:
            return .number(try DefinitionSection.integer(value, key: key, in: 1...Int.max, section: section))
        }
    }

    /// "package.module:attribute", each part a Python identifier.
    static func isModuleReference(_ text: String) -> Bool {
        let halves = text.split(separator: ":", omittingEmptySubsequences: false)
        guard halves.count == 2 else { return false }
        let modules = halves[0].split(separator: ".", omittingEmptySubsequences: false)
        return modules.allSatisfy(isIdentifier) && isIdentifier(halves[1])
    }

    private static func isIdentifier(_ text: Substring) -> Bool {
        guard let first = text.first, first == "_" || first.isLetter else { return false }
        return text.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
    }
}
