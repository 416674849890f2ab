import Core

extension TOMLParser {
    /// Stores `value` under a possibly dotted key, creating the tables the dots imply.
    mutating func insert(
        _ value: TOMLValue, at parts: [TOMLKeyPart], into table: TOMLTableBuilder
    ) throws {
        guard let last = parts.last else { return }
        var target = table
        for (offset, part) in parts.dropLast().enumerated() {
            let prefix = Array(parts[...offset]).dottedPath
            switch target[part.name] {
            case nil:
                let child = TOMLTableBuilder(origin: .dotted, line: part.line)
                target.add(part.name, .table(child))
                target = child
            case .table(let child) where child.origin == .dotted || child.origin == .implicit:
                target = child
            case .table(let child):
                throw error(
                    "'\(prefix)' is a table with its own header on line \(child.line); a dotted key cannot add to it",
                    line: part.line, hint: "put this key in that table's section")
            case .tableArray(let array):
                throw error(
                    "'\(prefix)' is an array of tables (line \(array.line)); a dotted key cannot add to it",
                    line: part.line)
            case .value(let existing):
                throw error(
                    "'\(prefix)' already has a value on line \(existing.line), so it cannot also be a table",
                    line: part.line)
            }
        }
        if let existing = target[last.name] {
            switch existing {
            case .value:
                throw error(
                    "duplicate key: it is already set on line \(existing.line)", line: last.line,
                    hint: "set each key only once")
            case .table, .tableArray:
                throw error(
                    "this key is already a table (line \(existing.line))", line: last.line,
                    hint: "set each key only once")
            }
        }
        target.add(last.name, .value(value))
    }

    /// Finds or creates the table a `[header]` or `[[header]]` names, under TOML's rules
    /// against defining a table twice.
    mutating func openTable(
        _ parts: [TOMLKeyPart], isArray: Bool, in root: TOMLTableBuilder, line headerLine: Int
    ) throws -> TOMLTableBuilder {
        guard let last = parts.last else { return root }
        let path = parts.dottedPath
        let header = isArray ? "[[\(path)]]" : "[\(path)]"
        var target = root
        for (offset, part) in parts.dropLast().enumerated() {
            switch target[part.name] {
            case nil:
                let child = TOMLTableBuilder(origin: .implicit, line: headerLine)
                target.add(part.name, .table(child))
                target = child
            case .table(let child):
                target = child
            case .tableArray(let array):
                guard let element = array.tables.last else { return root }
                target = element
            case .value(let existing):
                let prefix = Array(parts[...offset]).dottedPath
                throw error(
                    "'\(prefix)' already has a value on line \(existing.line), so \(header) cannot define a table inside it",
                    line: headerLine)
            }
        }
        switch target[last.name] {
        case nil:
            let table = TOMLTableBuilder(origin: .header, line: headerLine)
            if isArray {
                let array = TOMLTableArrayBuilder(line: headerLine)
                array.append(table)
                target.add(last.name, .tableArray(array))
            } else {
                target.add(last.name, .table(table))
            }
            return table
        case .table(let table):
            if !isArray && table.origin == .implicit {
                table.origin = .header
                table.line = headerLine
                return table
            }
            if isArray {
                throw error(
                    "\(header) conflicts with the table [\(path)] defined on line \(table.line)",
                    line: headerLine, hint: "use either [\(path)] or [[\(path)]], not both")
            }
            if table.origin == .dotted {
                throw error(
                    "table [\(path)] is already defined by a dotted key on line \(table.line)",
                    line: headerLine, hint: "move those keys under this header, or drop the header")
            }
            throw error(
                "table [\(path)] is defined twice (first on line \(table.line))",
                line: headerLine, hint: "merge the two sections into one")
        case .tableArray(let array):
            if isArray {
                let table = TOMLTableBuilder(origin: .header, line: headerLine)
                array.append(table)
                return table
            }
            throw error(
                "[\(path)] conflicts with the array of tables [[\(path)]] on line \(array.line)",
                line: headerLine, hint: "write [[\(path)]] to add another element")
        case .value(let existing):
            throw error(
                "'\(path)' already has a value on line \(existing.line), so \(header) cannot define it again",
                line: headerLine)
        }
    }
}
