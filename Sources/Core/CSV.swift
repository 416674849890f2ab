
/// Comma-separated values as RFC 4180 writes them: a field holding a comma, a quote or a
/// line break is quoted, its quotes doubled. Both the files reportgen writes (`results.csv`)
/// and the tables it reads (a published baseline) go through here.
public enum CSV {
    /// One field, quoted when it needs it.
    public static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One line of fields, ended by "\n".
    public static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\n"
    }

    /// A record of the text: its fields and the line it starts on (from 1).
    public struct Record: Sendable, Equatable {
        public var fields: [String]
        public var line: Int
    }

    /// What is wrong with the text, and on which line.
    public struct SyntaxError: Error, Sendable, Equatable {
        public var message: String
        public var line: Int
    }

    /// The records of `text`: quoted fields may hold commas, doubled quotes and line breaks;
    /// "\r\n" and "\n" both end a record; unquoted fields are trimmed of spaces around them.
    /// Blank lines give no record.
    public static func records(_ text: String) throws -> [Record] {
        var reader = Reader()
        for character in text {
            try reader.read(character)
        }
        return try reader.finish()
    }

    private struct Reader {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        /// Inside quotes; and whether the current field was quoted.
        var quoted = false
        var fieldWasQuoted = false
        /// The last character closed a quote, unless it was the first of a doubled quote.
        var afterQuote = false
        var line = 1
        var recordLine = 1
        var quoteLine = 1

        mutating func read(_ character: Character) throws {
            if quoted {
                if character == "\"" {
                    quoted = false
                    afterQuote = true
                } else {
                    if character.isNewline { line += 1 }
                    field.append(character)
                }
                return
            }
            if afterQuote {
                afterQuote = false
                if character == "\"" {
                    // A doubled quote inside a quoted field.
                    field.append("\"")
                    quoted = true
                    return
                }
            }
            switch character {
            case "\"":
                guard !fieldWasQuoted, field.allSatisfy({ $0 == " " }) else {
                    throw SyntaxError(message: "a quote inside an unquoted field", line: line)
                }
                field = ""
                quoted = true
                fieldWasQuoted = true
                quoteLine = line
            case ",":
                endField()
            case _ where character.isNewline:
                endRecord()
                line += 1
                recordLine = line
            case " ":
                if !fieldWasQuoted { field.append(character) }
            default:
                guard !fieldWasQuoted else {
                    throw SyntaxError(message: "text after a closing quote", line: line)
                }
                field.append(character)
            }
        }

        mutating func finish() throws -> [Record] {
            if quoted { throw SyntaxError(message: "a quoted field is never closed", line: quoteLine) }
            endRecord()
            return records
        }

        private mutating func endField() {
            fields.append(fieldWasQuoted ? field : String(field.trimmingSpaces))
            field = ""
            fieldWasQuoted = false
        }

        private mutating func endRecord() {
            let blank = fields.isEmpty && !fieldWasQuoted && field.allSatisfy({ $0 == " " || $0 == "\t" })
            if blank {
                field = ""
                return
            }
            endField()
            records.append(Record(fields: fields, line: recordLine))
            fields = []
        }
    }
}
