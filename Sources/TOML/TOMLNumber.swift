import Core

/// Reads TOML integers and floats from an unquoted token, with TOML's rules on underscores,
/// leading zeros and signs.
enum TOMLNumber {
    enum Outcome: Equatable {
        case number(TOMLValue.Kind)
        /// Looks like a number (or a date) but breaks a rule; the message says which.
        case invalid(String, hint: String?)
        /// Does not start like a number at all.
        case notANumber
    }

    static func classify(_ token: String) -> Outcome {
        switch token {
        case "inf", "+inf": return .number(.float(.infinity))
        case "-inf": return .number(.float(-.infinity))
        case "nan", "+nan", "-nan": return .number(.float(.nan))
        default: break
        }
        let characters = Array(token)
        if looksLikeDateOrTime(characters) {
            return .invalid(
                "dates and times are not supported ('\(token)')",
                hint: "write it as a string: \"\(token)\"")
        }
        let signed = characters.first == "+" || characters.first == "-"
        let body = signed ? Array(characters.dropFirst()) : characters
        guard let first = body.first, first.isASCII, first.isNumber else { return .notANumber }

        if body.count > 2, first == "0", let radix = radix(of: body[1]) {
            if signed {
                return .invalid(
                    "a sign is not allowed before '0\(body[1])' in '\(token)'",
                    hint: "only decimal integers take a sign")
            }
            let digits = Array(body.dropFirst(2))
            guard isDigitRun(digits[...], radix: radix),
                let value = Int(String(digits.filter { $0 != "_" }), radix: radix)
            else {
                return invalidNumber(token, digitsValid: isDigitRun(digits[...], radix: radix))
            }
            return .number(.integer(value))
        }

        if body.allSatisfy({ $0 == "_" || ($0.isASCII && $0.isNumber) }) {
            guard isDigitRun(body[...], radix: 10) else { return invalidNumber(token, digitsValid: false) }
            if body.count > 1 && first == "0" {
                return .invalid(
                    "leading zeros are not allowed in '\(token)'",
                    hint: "write \(Int(String(body.filter { $0 != "_" })) ?? 0)")
            }
            guard let value = Int(String(characters.filter { $0 != "_" && $0 != "+" })) else {
                return invalidNumber(token, digitsValid: true)
            }
            return .number(.integer(value))
        }

        guard isFloat(body), let value = Double(String(characters.filter { $0 != "_" })) else {
            return .invalid(
                "'\(token)' is not a valid number",
                hint: "write numbers like 42, 1_000, 0x1F, 1.5 or 2e-3")
        }
        guard value.isFinite else {
            return .invalid("'\(token)' is too large for a float", hint: nil)
        }
        return .number(.float(value))
    }

    private static func invalidNumber(_ token: String, digitsValid: Bool) -> Outcome {
        if digitsValid {
            return .invalid(
                "'\(token)' is out of range",
                hint: "integers must fit in 64 bits (at most 9223372036854775807)")
        }
        return .invalid(
            "'\(token)' is not a valid number",
            hint: "underscores may only separate digits, as in 1_000")
    }

    private static func radix(of character: Character) -> Int? {
        switch character {
        case "x": return 16
        case "o": return 8
        case "b": return 2
        default: return nil
        }
    }

    /// Digits of `radix`, where each underscore sits between two digits.
    private static func isDigitRun(_ characters: ArraySlice<Character>, radix: Int) -> Bool {
        guard let first = characters.first, let last = characters.last,
            first != "_", last != "_"
        else { return false }
        var previous: Character = "0"
        for character in characters {
            if character == "_" {
                if previous == "_" { return false }
            } else if !(character.isASCII && character.hexDigitValue.map({ $0 < radix }) == true) {
                return false
            }
            previous = character
        }
        return true
    }

    /// TOML's float grammar: an integer part, then a fraction, an exponent or both.
    private static func isFloat(_ body: [Character]) -> Bool {
        var mantissa = body[...]
        var exponent: ArraySlice<Character>?
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = body[..<e]
            var rest = body[(e + 1)...]
            if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
            exponent = rest
        }
        var integerPart = mantissa
        var fraction: ArraySlice<Character>?
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fraction = mantissa[(dot + 1)...]
        }
        guard fraction != nil || exponent != nil else { return false }
        guard isDigitRun(integerPart, radix: 10) else { return false }
        if integerPart.count > 1 && integerPart.first == "0" { return false }
        if let fraction, !isDigitRun(fraction, radix: 10) { return false }
        if let exponent, !isDigitRun(exponent, radix: 10) { return false }
        return true
    }

    /// `1979-05-27…` or `07:32:00…`.
    private static func looksLikeDateOrTime(_ characters: [Character]) -> Bool {
        func isDigit(_ index: Int) -> Bool {
            index < characters.count && characters[index].isASCII && characters[index].isNumber
        }
        func isCharacter(_ index: Int, _ expected: Character) -> Bool {
            index < characters.count && characters[index] == expected
        }
        let date = (0..<4).allSatisfy(isDigit) && isCharacter(4, "-") && isDigit(5) && isDigit(6)
        let time = isDigit(0) && isDigit(1) && isCharacter(2, ":") && isDigit(3) && isDigit(4)
        return date || time
    }
}
