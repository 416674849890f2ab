/// Text made safe inside XML-family markup (Pango markup, SVG, HTML): the one place where
/// "&", "<", ">" and quotes are escaped. Pango rejects a whole paragraph over one stray "<".
enum MarkupText {
    static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}
