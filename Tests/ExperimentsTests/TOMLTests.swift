import Testing
@testable import Core
@testable import TOML


private func parse(_ text: String) throws -> TOMLTable {
    try TOMLParser.parse(text, file: "t.toml")
}

/// The error parsing `text` raises, or nil when it parses.
private func parseError(_ text: String) -> ReportgenError? {
    do {
        _ = try TOMLParser.parse(text, file: "t.toml")
        return nil
    } catch let error as ReportgenError {
        return error
    } catch {
        return nil
    }
}

private func table(_ value: TOMLValue?) -> TOMLTable? {
    if case .table(let table)? = value?.kind { return table }
    return nil
}

private func array(_ value: TOMLValue?) -> [TOMLValue]? {
    if case .array(let elements)? = value?.kind { return elements }
    return nil
}

/// Our TOML parser: every value kind, and every malformed case with its line.
struct TOMLTests {}

extension TOMLTests {
    struct Values {
        @Test func commentsAndKeys() throws {
            let doc = try parse(
                """
                # leading comment
                a = 1 # trailing comment
                "b c" = 2
                'd.e' = 3
                bare-key_9 = 4
                "" = 5
                """)
            #expect(doc.keys == ["a", "b c", "d.e", "bare-key_9", ""])
            #expect(doc["b c"]?.kind == .integer(2))
            #expect(doc["d.e"]?.line == 4)
        }

        @Test func dottedKeysMakeTables() throws {
            let doc = try parse("a.b.c = 1\na . b . d = 2\na.\"x y\" = 3")
            let b = try #require(table(table(doc["a"])?["b"]))
            #expect(b.keys == ["c", "d"])
            #expect(table(doc["a"])?["x y"]?.kind == .integer(3))
        }

        @Test func tablesAndArraysOfTables() throws {
            let doc = try parse(
                """
                title = "t"
                [server]
                port = 80
                [server.tls]
                on = true
                [[items]]
                n = 1
                [[items]]
                n = 2
                [items.extra]
                x = "y"
                """)
            #expect(doc.keys == ["title", "server", "items"])
            #expect(table(table(doc["server"])?["tls"])?["on"]?.kind == .boolean(true))
            let items = try #require(array(doc["items"]))
            #expect(items.count == 2)
            #expect(items.map(\.line) == [6, 8])
            #expect(table(items[1])?["n"]?.kind == .integer(2))
            #expect(table(table(items[1])?["extra"])?["x"]?.kind == .string("y"))
        }

        @Test func implicitTableMayGetItsHeaderLater() throws {
            let doc = try parse("[a.b]\nx = 1\n[a]\ny = 2")
            #expect(table(doc["a"])?.keys == ["b", "y"])
        }

        @Test func basicStringEscapes() throws {
            let doc = try parse(#"s = "a\nb\t\"q\"\\ \u00E9 \U0001F600""#)
            #expect(doc["s"]?.kind == .string("a\nb\t\"q\"\\ é 😀"))
        }

        @Test func literalStringsKeepBackslashes() throws {
            let doc = try parse(#"p = 'C:\dir\n'"#)
            #expect(doc["p"]?.kind == .string(#"C:\dir\n"#))
        }

        @Test func multilineStrings() throws {
            let doc = try parse(
                "a = \"\"\"\nline one\nline two \\\n    joined\"\"\"\n"
                    + "b = '''\nraw \\n text\n'''\n"
                    + "c = \"\"\"\"quoted\"\"\"\"\"\n"
                    + "d = 1\n")
            #expect(doc["a"]?.kind == .string("line one\nline two joined"))
            #expect(doc["b"]?.kind == .string("raw \\n text\n"))
            #expect(doc["c"]?.kind == .string("\"quoted\"\""))
            #expect(doc["d"]?.line == 9)
        }

        @Test func integers() throws {
            let doc = try parse(
                """
                a = 42
                b = +17
                c = -5
                d = 1_000_000
                e = 0
                f = 0xDEAD_beef
                g = 0o755
                h = 0b1010
                i = 9223372036854775807
                j = -9223372036854775808
                """)
            let expected: [Int] = [42, 17, -5, 1_000_000, 0, 0xDEAD_BEEF, 0o755, 0b1010, Int.max, Int.min]
            #expect(doc.entries.map(\.value.kind) == expected.map { TOMLValue.Kind.integer($0) })
        }

        @Test func floats() throws {
            let doc = try parse("a = 1.5\nb = -2e3\nc = 6.626e-34\nd = +1_000.25\ne = inf\nf = -inf\ng = nan")
            #expect(doc["a"]?.kind == .float(1.5))
            #expect(doc["b"]?.kind == .float(-2000))
            #expect(doc["c"]?.kind == .float(6.626e-34))
            #expect(doc["d"]?.kind == .float(1000.25))
            #expect(doc["e"]?.kind == .float(.infinity))
            #expect(doc["f"]?.kind == .float(-.infinity))
            guard case .float(let nan)? = doc["g"]?.kind else {
                Issue.record("nan is not a float")
                return
            }
            #expect(nan.isNaN)
        }

        @Test func booleans() throws {
            let doc = try parse("yes = true\nno = false")
            #expect(doc["yes"]?.kind == .boolean(true))
            #expect(doc["no"]?.kind == .boolean(false))
        }

        @Test func arraysOverSeveralLines() throws {
            let doc = try parse(
                """
                a = [
                  10,   # ten
                  20,
                  # a comment line
                  30,
                ]
                b = []
                c = [[1, 2], ["x"], { k = 1 }]
                """)
            let a = try #require(array(doc["a"]))
            #expect(a.map(\.kind) == [.integer(10), .integer(20), .integer(30)])
            #expect(a.map(\.line) == [2, 3, 5])
            #expect(doc["a"]?.line == 1)
            #expect(array(doc["b"])?.isEmpty == true)
            #expect(array(doc["c"])?.count == 3)
        }

        @Test func inlineTables() throws {
            let doc = try parse(#"env = { A = "1", b.c = "2", "d e" = 3 }"#)
            let env = try #require(table(doc["env"]))
            #expect(env.keys == ["A", "b", "d e"])
            #expect(table(env["b"])?["c"]?.kind == .string("2"))
        }

        @Test func windowsLineEndingsAndByteOrderMark() throws {
            let doc = try parse("\u{FEFF}a = 1\r\nb = \"x\"\r\n[t]\r\nc = 2\r\n")
            #expect(doc["b"]?.line == 2)
            #expect(table(doc["t"])?["c"]?.line == 4)
        }
    }
}

extension TOMLTests {
    struct Errors {
        /// Each malformed document, the line the error must name, and a phrase its message must hold.
        @Test(arguments: [
            ("a = 1\nb = \"abc\nc = 2", 2, "unterminated string"),
            ("a = 1\n\nb = \"\"\"abc\n\ndef", 3, "unterminated multi-line string"),
            ("a = 'abc", 1, "unterminated string"),
            ("x = 1\ntitle \"x\"", 2, "expected '='"),
            ("a = 1\na = 2", 2, "duplicate key"),
            ("[load]\nx = 1\nx = 2", 3, "duplicate key"),
            ("[a]\nx = 1\n[b]\n[a]", 4, "defined twice"),
            ("a.b = 1\n[a]", 2, "dotted key"),
            ("[a]\nb = 1\n[a.b]", 3, "already has a value"),
            ("[a]\n[[a]]", 2, "conflicts"),
            ("[[a]]\n[a]", 2, "conflicts"),
            ("a = { x = 1 }\n[a]", 2, "already has a value"),
            ("a = { x = 1 }\na.y = 2", 2, "already has a value"),
            ("a = [1]\n[[a]]", 2, "already has a value"),
            ("s = \"bad \\q escape\"", 1, "invalid escape"),
            ("s = \"\\u12\"", 1, "hexadecimal digits"),
            ("s = \"\\uD800\"", 1, "not a Unicode character"),
            ("a = 1 2", 1, "unexpected '2' after the value"),
            ("a = \"x\" b = 2", 1, "unexpected 'b'"),
            ("[a] x = 1", 1, "after the table header"),
            ("d = 1979-05-27", 1, "not supported"),
            ("t = 07:32:00", 1, "not supported"),
            ("a = 012", 1, "leading zeros"),
            ("a = 1__0", 1, "not a valid number"),
            ("a = 9223372036854775808", 1, "out of range"),
            ("a = 0xFFFFFFFFFFFFFFFFF", 1, "out of range"),
            ("a = +0x10", 1, "sign"),
            ("a = 1.", 1, "not a valid number"),
            ("a = .5", 1, "not a valid value"),
            ("a = nginx", 1, "not a valid value"),
            ("a =\nb = 1", 1, "missing value"),
            ("a = ", 1, "missing value"),
            ("x = 1\na = [1, 2", 2, "unterminated list"),
            ("a = [1 2]", 1, "expected ',' or ']'"),
            ("a = [1,,2]", 1, "expected a value"),
            ("a = { x = 1", 1, "unterminated inline table"),
            ("a = { x = 1 y = 2 }", 1, "expected ',' or '}'"),
            ("a = { x = 1, x = 2 }", 1, "duplicate key"),
            ("= 1", 1, "expected a key"),
            ("[a", 1, "expected ']'"),
            ("[[a]", 1, "expected ']]'"),
            ("a = 1\rb = 2", 1, "carriage return"),
            ("s = \"tab\tok, bell\u{07}\"", 1, "control character U+0007"),
            ("a = \"\"\"x\"\"\"\"\"\"", 1, "too many quotes"),
            ("\"\"\"k\"\"\" = 1", 1, "multi-line string cannot be a key"),
        ])
        func malformed(text: String, line: Int, phrase: String) throws {
            let error = try #require(parseError(text), "parsed without error: \(text)")
            #expect(error.code == .badDefinition)
            #expect(error.location?.file == "t.toml")
            #expect(error.location?.line == line, "\(error)")
            #expect(error.message.contains(phrase), "\(error)")
        }

        @Test func errorsNameTheKeyPath() throws {
            let error = try #require(parseError("[load]\nconnections = 400\nconnections = 500"))
            #expect(error.location?.keyPath == "load.connections")
            #expect(error.message.contains("line 2"))
            #expect(error.description.hasPrefix("t.toml:3 (load.connections): duplicate key"))
        }

        @Test func unquotedTextGetsAQuotingHint() throws {
            let error = try #require(parseError("server = nginx"))
            #expect(error.hint == "put text in quotes: \"nginx\"")
        }

        @Test func deepNestingIsAnErrorNotACrash() throws {
            let arrays = try #require(parseError("a = " + String(repeating: "[", count: 100_000)))
            #expect(arrays.message.contains("nested"))
            let tables = try #require(parseError("a = " + String(repeating: "{b=", count: 100_000)))
            #expect(tables.message.contains("nested"))
            let key = try #require(parseError(Array(repeating: "k", count: 1_000).joined(separator: ".") + " = 1"))
            #expect(key.message.contains("dotted parts"))
        }

        /// Every prefix and many random mutations of a realistic document either parse or throw
        /// ReportgenError; none may trap.
        @Test func neverCrashesOnDamagedInput() {
            let sample = Array(DefinitionFixture.designExample.utf8)
            for end in 0...sample.count {
                _ = parseOutcome(Array(sample[0..<end]))
            }
            var random = SplitMix(seed: 42)
            let alphabet = Array("[]{}=\"'\\.,#\n\r\t 0x_+-:eE1uU".utf8) + [0, 0x7F, 0xC3, 0xA9]
            for _ in 0..<3_000 {
                var bytes = sample
                for _ in 0..<(1 + random.next(below: 6)) {
                    let index = random.next(below: bytes.count + 1)
                    switch random.next(below: 3) {
                    case 0: bytes.insert(alphabet[random.next(below: alphabet.count)], at: index)
                    case 1 where index < bytes.count: bytes.remove(at: index)
                    default: if index < bytes.count { bytes[index] = alphabet[random.next(below: alphabet.count)] }
                    }
                }
                _ = parseOutcome(bytes)
            }
            for _ in 0..<2_000 {
                let bytes = (0..<random.next(below: 64)).map { _ in alphabet[random.next(below: alphabet.count)] }
                _ = parseOutcome(bytes)
            }
        }

        private func parseOutcome(_ bytes: [UInt8]) -> Bool {
            do {
                _ = try TOMLParser.parse(String(decoding: bytes, as: UTF8.self), file: "fuzz.toml")
                return true
            } catch is ReportgenError {
                return false
            } catch {
                Issue.record("unexpected error type: \(error)")
                return false
            }
        }
    }
}

/// A small deterministic random source, so a failing mutation can be reproduced.
private struct SplitMix {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(below bound: Int) -> Int {
        bound <= 0 ? 0 : Int(next() % UInt64(bound))
    }
}
