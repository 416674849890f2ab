import Core
import Foundation
import TOML

/// One table of `experiment.toml` read with types checked, every error naming the file,
/// the key path and the line.
struct DefinitionSection {
    let table: TOMLTable
    /// Key path of the table itself: "" for the top level, "load", "variants[2]".
    let path: String
    /// How the file is named in messages.
    let file: String
    /// The header's line; nil for the top level, where there is none.
    let line: Int?
    /// How a hint names this section, e.g. "[load]".
    let header: String

    func keyPath(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    func value(_ key: String) -> TOMLValue? { table[key] }

    /// An error about `key` (nil: the section itself) at `line`, or the key's own line when known.
    func failure(
        _ key: String?, _ message: String, line: Int? = nil, hint: String? = nil
    ) -> ReportgenError {
        let keyPath = key.map(keyPath) ?? (path.isEmpty ? nil : path)
        let line = line ?? key.flatMap { value($0)?.line } ?? self.line
        return ReportgenError(
            .badDefinition, message, at: SourceLocation(file: file, keyPath: keyPath, line: line),
            hint: hint)
    }

    func typeMismatch(
        _ key: String, expected: String, found: TOMLValue, hint: String? = nil
    ) -> ReportgenError {
        failure(key, "expected \(expected), found \(found.typeDescription)", line: found.line, hint: hint)
    }

    /// Rejects the first key not in `allowed`, suggesting the key that was probably meant.
    func rejectUnknownKeys(allowed: [String]) throws {
        for entry in table.entries where !allowed.contains(entry.key) {
            let hint: String
            if let near = KeySuggestion.nearest(to: entry.key, in: allowed) {
                hint = "did you mean '\(keyPath(near))'?"
            } else if let home = DefinitionSchema.otherHome(of: entry.key, notIn: header) {
                hint = home
            } else {
                hint = "valid keys here: " + allowed.joined(separator: ", ")
            }
            throw failure(entry.key, "unknown key", line: entry.value.line, hint: hint)
        }
    }

    /// A nested table such as `[load]`; nil when absent.
    func section(_ key: String, header: String) throws -> DefinitionSection? {
        guard let value = value(key) else { return nil }
        guard case .table(let table) = value.kind else {
            throw typeMismatch(key, expected: "a table", found: value, hint: "write it as a \(header) section")
        }
        return DefinitionSection(
            table: table, path: keyPath(key), file: file, line: value.line, header: header)
    }

    func requiredSection(_ key: String, header: String, example: String) throws -> DefinitionSection {
        guard let section = try section(key, header: header) else {
            throw failure(key, "missing \(header) section", line: nil, hint: "add it, e.g.\n\(example)")
        }
        return section
    }

    func string(_ key: String) throws -> String? {
        guard let value = value(key) else { return nil }
        return try Self.string(value, key: key, in: self)
    }

    func requiredString(_ key: String, example: String) throws -> String {
        guard let text = try string(key) else { throw missing(key, example: example) }
        return text
    }

    /// Where `key`'s value is written, for `DefinitionRules`.
    func source(_ key: String) -> SettingSource {
        .file(line: value(key)?.line)
    }

    /// An integer of any size; the rules that bound it live in `DefinitionRules`.
    func integer(_ key: String) throws -> Int? {
        try integer(key, in: Int.min...Int.max)
    }

    func integer(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = value(key) else { return nil }
        return try Self.integer(value, key: key, in: range, section: self)
    }

    func requiredInteger(_ key: String, example: String) throws -> Int {
        guard let number = try integer(key) else { throw missing(key, example: example) }
        return number
    }

    /// A number written as an integer or a float (e.g. a rate); nil when absent. Whether it
    /// is in range is for `DefinitionRules`.
    func number(_ key: String, example: String) throws -> Double? {
        guard let value = value(key) else { return nil }
        switch value.kind {
        case .integer(let whole): return Double(whole)
        case .float(let real): return real
        default: throw typeMismatch(key, expected: "a number", found: value, hint: "e.g. \(key) = \(example)")
        }
    }

    /// A share written as a percentage, "1%" or "0.5%", as a fraction (0.01); nil when absent.
    func percentage(_ key: String, example: String) throws -> Double? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value.kind else {
            throw typeMismatch(key, expected: "a percentage such as \(example)", found: value, hint: "e.g. \(key) = \(example)")
        }
        guard let share = PercentSyntax.parse(text) else {
            throw failure(key, "\(text.quoted) is not a percentage", hint: "e.g. \(key) = \(example)")
        }
        guard (0...1).contains(share) else {
            throw failure(key, "must be between 0% and 100%, found \(text.quoted)", hint: "e.g. \(key) = \(example)")
        }
        return share
    }

    /// A string that must be one of `allowed`.
    func choice(_ key: String, allowed: [String], default fallback: String) throws -> String {
        guard let text = try string(key) else { return fallback }
        guard allowed.contains(text) else {
            let list = allowed.map { "'\($0)'" }.joined(separator: " or ")
            let near = KeySuggestion.nearest(to: text, in: allowed).map { "did you mean '\($0)'? " } ?? ""
            throw failure(key, "\(text.quoted) is not supported", hint: "\(near)\(key) must be \(list)")
        }
        return text
    }

    /// A string naming one case of `T`.
    func choice<T: RawRepresentable & CaseIterable>(_ key: String, default fallback: T) throws -> T
    where T.RawValue == String {
        let text = try choice(key, allowed: T.allCases.map(\.rawValue), default: fallback.rawValue)
        return T(rawValue: text) ?? fallback
    }

    /// `true` or `false`; nil when the key is absent.
    func bool(_ key: String) throws -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .boolean(let flag) = value.kind else {
            throw typeMismatch(key, expected: "true or false", found: value, hint: "write \(key) = true")
        }
        return flag
    }

    /// A duration written as text, e.g. "20s"; whether it may be zero is for `DefinitionRules`.
    func duration(_ key: String) throws -> Duration? {
        guard let value = value(key) else { return nil }
        return try Self.duration(value, key: key, in: self)
    }

    /// `value` as a duration; `key` is how errors name it, e.g. "delay[2]".
    static func duration(_ value: TOMLValue, key: String, in section: DefinitionSection) throws -> Duration {
        let name = key.split(separator: "[").first.map(String.init) ?? key
        // "duration = ..." for a key; a list's item is shown on its own.
        let assign = key.contains("[") ? "" : "\(key) = "
        switch value.kind {
        case .string(let text):
            if text.trimmingSpaces.hasPrefix("-") {
                throw section.failure(
                    key, "a duration cannot be negative, found \(text.quoted)", line: value.line,
                    hint: "write a length of time, e.g. \(assign)\"\(text.trimmingSpaces.dropFirst())\"")
            }
            guard let duration = DurationSyntax.parse(text) else {
                if Double(text.trimmingSpaces) != nil {
                    throw section.failure(
                        key, "\(text.quoted) has no unit", line: value.line,
                        hint: "add a unit: \(assign)\(String(text.trimmingSpaces + "s").quoted) (units: \(DurationSyntax.unitList))")
                }
                throw section.failure(
                    key, "\(text.quoted) is not a duration", line: value.line,
                    hint: "write durations like \"20s\", \"500ms\", \"1.5s\" or \"1m30s\"")
            }
            return duration
        case .integer(let number):
            throw section.typeMismatch(
                key, expected: "a duration such as \"20s\"", found: value,
                hint: "add a unit in quotes: \(assign)\"\(number)s\"")
        case .float(let number):
            throw section.typeMismatch(
                key, expected: "a duration such as \"20s\"", found: value,
                hint: "add a unit in quotes: \(assign)\"\(number)s\"")
        default:
            throw section.typeMismatch(
                key, expected: "a duration such as \"20s\"", found: value, hint: "e.g. \(name) = \"20s\"")
        }
    }

    func requiredDuration(_ key: String, example: String) throws -> Duration {
        guard let duration = try duration(key) else {
            throw missing(key, example: example)
        }
        return duration
    }

    /// `env`-style table whose values are all strings.
    func stringTable(_ key: String) throws -> [String: String]? {
        guard let value = value(key) else { return nil }
        guard case .table(let table) = value.kind else {
            throw typeMismatch(
                key, expected: "a table of strings", found: value,
                hint: "write \(key) = { NAME = \"value\" }")
        }
        var result: [String: String] = [:]
        for entry in table.entries {
            let entryKey = "\(key).\(entry.key)"
            guard !entry.key.isEmpty, !entry.key.contains("="), !entry.key.contains("\0") else {
                throw failure(
                    entryKey, "'\(entry.key)' is not a valid environment variable name",
                    line: entry.value.line)
            }
            guard case .string(let text) = entry.value.kind else {
                throw failure(
                    entryKey, "expected a string, found \(entry.value.typeDescription)",
                    line: entry.value.line, hint: "environment values are text: put them in quotes")
            }
            result[entry.key] = text
        }
        return result
    }

    /// A non-empty list of strings, such as a command's argv; nil when absent.
    func stringList(_ key: String, example: String) throws -> [String]? {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value.kind else {
            throw typeMismatch(key, expected: "a list of strings", found: value, hint: "e.g. \(key) = \(example)")
        }
        guard !items.isEmpty else {
            throw failure(key, "an empty command runs nothing", hint: "e.g. \(key) = \(example)")
        }
        return try items.enumerated().map { offset, item in
            try Self.string(item, key: "\(key)[\(offset)]", in: self)
        }
    }

    /// A file or folder named relative to `directory` that must exist; nil when absent.
    func optionalExistingPath(_ key: String, relativeTo directory: URL, folder: Bool, example: String) throws -> URL? {
        guard value(key) != nil else { return nil }
        return try existingPath(key, relativeTo: directory, folder: folder, example: example)
    }

    /// A file or folder named relative to `directory` that must exist.
    func existingPath(_ key: String, relativeTo directory: URL, folder: Bool, example: String) throws -> URL {
        let raw = try requiredString(key, example: example)
        guard !raw.isEmpty else { throw failure(key, "must not be empty", hint: "e.g. \(key) = \(example)") }
        let url = (raw.hasPrefix("/") ? URL(fileURLWithPath: raw) : directory.appendingPathComponent(raw))
            .standardizedFileURL
        guard DefinitionLoader.checksFiles else { return url }
        let kind = folder ? "folder" : "file"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw failure(
                key, "\(kind) not found: looked for \(DisplayPath.of(url))",
                hint: "the path is relative to \(DisplayPath.of(directory))/")
        }
        guard isDirectory.boolValue == folder else {
            throw failure(
                key, "\(DisplayPath.of(url)) is a \(folder ? "file" : "folder"), not a \(kind)")
        }
        return url
    }

    private func missing(_ key: String, example: String) -> ReportgenError {
        let place = path.isEmpty ? "at the top of the file" : "under \(header)"
        return failure(key, "missing required key", hint: "add \(key) = \(example) \(place)")
    }

    static func string(_ value: TOMLValue, key: String, in section: DefinitionSection) throws -> String {
        guard case .string(let text) = value.kind else {
            let hint: String?
            switch value.kind {
            case .integer, .float, .boolean: hint = "put it in quotes"
            default: hint = nil
            }
            throw section.typeMismatch(key, expected: "a string", found: value, hint: hint)
        }
        return text
    }

    static func integer(
        _ value: TOMLValue, key: String, in range: ClosedRange<Int>, section: DefinitionSection
    ) throws -> Int {
        guard case .integer(let number) = value.kind else {
            var hint: String?
            if case .string(let text) = value.kind, Int(text) != nil { hint = "remove the quotes: \(text)" }
            if case .float = value.kind { hint = "use a whole number" }
            throw section.typeMismatch(key, expected: "an integer", found: value, hint: hint)
        }
        guard range.contains(number) else {
            let rule = range.upperBound == Int.max
                ? "must be at least \(range.lowerBound)"
                : "must be between \(range.lowerBound) and \(range.upperBound)"
            throw section.failure(key, "\(rule), found \(number)", line: value.line)
        }
        return number
    }
}
