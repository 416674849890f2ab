import Core
import Foundation

/// Turns `[[variants]]` entries into variants: merges each with the `[app]` defaults, expands
/// list values (several lists give every combination, the first list varying slowest) and fills
/// `{field}` in names.
enum VariantExpansion {
    /// More variants than this is almost certainly a mistake, and would take days to run.
    static let maximumVariants = 1000

    /// The `[app]` values every variant starts from.
    struct Defaults {
        var fields: [VariantField: VariantField.Value]
        var environment: [String: String]
        var server = ServerSettings()
        /// `[app]` itself, where an inherited value's errors point.
        var app: DefinitionSection
        var directory: URL
        var hasLock: Bool
    }

    private struct Expanded {
        var variant: VariantDefinition
        var entryIndex: Int
        var nameLine: Int
        var template: String
        var listKeys: [String]
    }

    static func expand(_ top: DefinitionSection, defaults: Defaults) throws -> [VariantDefinition] {
        let example = "[[variants]]\nname = \"baseline\""
        guard let value = top.value("variants") else {
            throw top.failure(
                "variants", "no variants: an experiment needs at least one [[variants]] section",
                hint: "add one, e.g.\n\(example)")
        }
        guard case .array(let entries) = value.kind else {
            throw top.typeMismatch(
                "variants", expected: "a list of [[variants]] tables", found: value,
                hint: "write each variant under [[variants]], with double brackets")
        }
        guard !entries.isEmpty else {
            throw top.failure(
                "variants", "no variants: an experiment needs at least one [[variants]] section",
                hint: "add one, e.g.\n\(example)")
        }
        var expanded: [Expanded] = []
        for (index, entry) in entries.enumerated() {
            guard case .table(let table) = entry.kind else {
                throw top.typeMismatch(
                    "variants[\(index)]", expected: "a table", found: entry,
                    hint: "write each variant under [[variants]]")
            }
            let section = DefinitionSection(
                table: table, path: "variants[\(index)]", file: top.file, line: entry.line,
                header: "[[variants]]")
            expanded += try expandEntry(section, index: index, defaults: defaults, already: expanded.count)
        }
        try rejectDuplicateNames(expanded, top: top)
        return expanded.enumerated().map { position, item in
            var variant = item.variant
            variant.position = position
            return variant
        }
    }

    private static func expandEntry(
        _ section: DefinitionSection, index: Int, defaults: Defaults, already: Int
    ) throws -> [Expanded] {
        try section.rejectUnknownKeys(allowed: DefinitionSchema.variant)
        if let name = section.value("name"), case .array = name.kind {
            throw section.failure(
                "name", "a name cannot be a list",
                hint: "name the variants after a list value with {field}, e.g. name = \"flask:{threads}\"")
        }
        let template = try section.requiredString("name", example: "\"flask:{threads}\"")
        let nameLine = section.value("name")?.line ?? section.line ?? 0

        var fixed = defaults.fields
        var lists: [(field: VariantField, values: [VariantField.Value])] = []
        for entry in section.table.entries {
            guard let field = VariantField(rawValue: entry.key) else { continue }
            if case .array(let items) = entry.value.kind {
                guard !items.isEmpty else {
                    throw section.failure(
                        entry.key, "an empty list expands into no variants",
                        hint: "give at least one value, or remove the key")
                }
                let values = try items.enumerated().map { offset, item in
                    try field.read(item, key: "\(entry.key)[\(offset)]", in: section)
                }
                lists.append((field, values))
            } else {
                fixed[field] = try field.read(entry.value, key: entry.key, in: section)
            }
        }
        let environment = defaults.environment.merging(try section.stringTable("env") ?? [:]) { $1 }
        let server = try defaults.server.reading(section)

        var count = 1
        for list in lists {
            let (product, overflow) = count.multipliedReportingOverflow(by: list.values.count)
            count = overflow ? Int.max : product
        }
        guard count <= maximumVariants - already else {
            throw section.failure(
                nil, "the variants expand into more than \(maximumVariants) variants", line: section.line,
                hint: "shorten the lists; every combination of list values becomes a variant")
        }

        var combinations: [[(VariantField, VariantField.Value)]] = [[]]
        for list in lists {
            combinations = combinations.flatMap { combination in
                list.values.map { combination + [(list.field, $0)] }
            }
        }
        return try combinations.map { combination in
            var fields = fixed
            for (field, value) in combination { fields[field] = value }
            let spec = try server.server(
                fields: fields, environment: environment, entry: section, app: defaults.app,
                directory: defaults.directory, hasLock: defaults.hasLock, template: template)
            let name = try renderName(template, fields: fields, section: section)
            let variant = VariantDefinition(
                name: name, position: 0, server: spec,
                workers: fields[.workers].flatMap(number) ?? VariantField.defaultWorkers,
                threads: fields[.threads].flatMap(number),
                environment: environment, readyPath: server.readyPath, readyTimeout: server.readyTimeout)
            return Expanded(
                variant: variant, entryIndex: index, nameLine: nameLine, template: template,
                listKeys: lists.map(\.field.rawValue))
        }
    }

    private static func number(_ value: VariantField.Value) -> Int? {
        if case .number(let number) = value { return number }
        return nil
    }

    /// Replaces each `{field}` in `template` with this variant's value of that field.
    static func renderName(
        _ template: String, fields: [VariantField: VariantField.Value], section: DefinitionSection
    ) throws -> String {
        let fieldList = VariantField.allCases.map { "{\($0.rawValue)}" }.joined(separator: ", ")
        var name = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            name += rest[..<open]
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: "}") else {
                throw section.failure(
                    "name", "unclosed '{' in the name \(template.quoted)",
                    hint: "write {field}, e.g. \"flask:{threads}\"; fields: \(fieldList)")
            }
            let fieldName = String(rest[afterOpen..<close].trimmingSpaces)
            guard let field = VariantField(rawValue: fieldName) else {
                let near = KeySuggestion.nearest(
                    to: fieldName, in: VariantField.allCases.map(\.rawValue)
                ).map { "did you mean '{\($0)}'? " } ?? ""
                throw section.failure(
                    "name", "unknown field '{\(fieldName)}' in the name \(template.quoted)",
                    hint: "\(near)fields: \(fieldList)")
            }
            guard let value = fields[field] else {
                throw section.failure(
                    "name", "the name uses {\(field.rawValue)}, but this variant has no \(field.rawValue)",
                    hint: "set \(field.rawValue) in this [[variants]] entry or in [app]")
            }
            name += value.text
            rest = rest[rest.index(after: close)...]
        }
        name += rest
        guard !name.trimmingSpaces.isEmpty else {
            throw section.failure("name", "a variant name must not be empty", hint: "e.g. name = \"flask:gevent\"")
        }
        guard !name.contains(",") else {
            throw section.failure(
                "name", "the variant name \(name.quoted) contains a comma",
                hint: "--variants separates names with commas; use another character, e.g. ':' or '-'")
        }
        // A write-up names a cell "variant @ levels"; a variant named so would read as a cell.
        guard !CellID.isAmbiguous(variantName: name) else {
            throw section.failure(
                "name", "the variant name \(name.quoted) contains '\(CellID.separator.trimmingSpaces)' between spaces, which separates a variant from its levels in a cell's name",
                hint: "use another character, e.g. ':' or '-', or write '@' without spaces around it")
        }
        return name
    }

    private static func rejectDuplicateNames(_ expanded: [Expanded], top: DefinitionSection) throws {
        var seen: [String: Expanded] = [:]
        for item in expanded {
            let name = item.variant.name
            guard let first = seen[name] else {
                seen[name] = item
                continue
            }
            let location = SourceLocation(
                file: top.file, keyPath: "variants[\(item.entryIndex)].name", line: item.nameLine)
            let unnamedList = item.listKeys.first { !item.template.contains("{\($0)}") }
            if first.entryIndex == item.entryIndex, let list = unnamedList {
                throw ReportgenError(
                    .badDefinition, "the list in '\(list)' expands into several variants named '\(name)'",
                    at: location, hint: "put the varying value in the name: name = \((item.template + ":{\(list)}").quoted)")
            }
            let firstList = first.listKeys.first { !first.template.contains("{\($0)}") }
            let (template, field) = unnamedList.map { (item.template, $0) }
                ?? firstList.map { (first.template, $0) } ?? (item.template, "worker_class")
            throw ReportgenError(
                .badDefinition,
                "duplicate variant name '\(name)' (lines \(first.nameLine) and \(item.nameLine))",
                at: location,
                hint: "variant names must be unique: rename one, or put a field that tells them apart in the name, e.g. \((template + ":{\(field)}").quoted)")
        }
    }
}
