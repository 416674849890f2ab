import Foundation

/// What `render` and `build` write into an experiment's output folder. Every format writes
/// the charts (PNG, SVG, PDF), results.csv and results.json; they differ in the documents.
public enum ReportFormat: String, Sendable, CaseIterable {
    /// report.md for a repository, report.html (one self-contained page) and report.pdf.
    case standard
    /// A Hugo leaf bundle: index.md with YAML front matter, the charts beside it.
    case hugo
    /// A Jekyll page: index.md with Jekyll's front matter (`layout: post`), the charts beside it.
    case jekyll

    var isSiteBundle: Bool { self != .standard }
}

/// The page of a static-site bundle: the report's Markdown under YAML front matter that Hugo
/// and Jekyll both read, without its first heading (site themes print the title themselves).
enum SitePage {
    struct FrontMatter: Equatable {
        var title: String
        var date: Date
        var summary: String
        var tags: [String]
    }

    static func text(markdown: String, frontMatter: FrontMatter, format: ReportFormat) -> String {
        var lines = ["---", "title: \(yaml(frontMatter.title))"]
        let utc = TimeZone(identifier: "UTC") ?? .current
        switch format {
        case .jekyll:
            lines.append("layout: post")
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = utc
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss Z"
            lines.append("date: \(formatter.string(from: frontMatter.date))")
            lines.append("excerpt: \(yaml(frontMatter.summary))")
        case .hugo, .standard:
            lines.append("date: \(ISO8601DateFormatter.string(from: frontMatter.date, timeZone: utc, formatOptions: [.withInternetDateTime]))")
            lines.append("summary: \(yaml(frontMatter.summary))")
        }
        lines.append("tags: [\(frontMatter.tags.map(yaml).joined(separator: ", "))]")
        lines.append("generator: reportgen")
        lines.append("---")
        return lines.joined(separator: "\n") + "\n\n" + inertTemplates(withoutTitle(markdown))
    }

    /// The page with no template tag for the site generator to run: Hugo reads `{{< … >}}`
    /// and `{{% … %}}` as shortcodes (even inside code blocks) and Jekyll reads `{{ … }}` and
    /// `{% … %}` as Liquid, so a stored name or write-up could embed a video or print the
    /// site's settings. A backslash between the two characters breaks the tag; Markdown
    /// drops it again in prose (inside code it shows).
    static func inertTemplates(_ markdown: String) -> String {
        var result = ""
        result.reserveCapacity(markdown.utf8.count)
        for character in markdown {
            if result.last == "{", character == "{" || character == "%" { result.append("\\") }
            result.append(character)
        }
        return result
    }

    /// The first paragraph of prose after the title: not the run's italic label line, not a
    /// warning box; cut at a word near `limit` characters.
    static func summary(of document: MarkdownDocument, limit: Int = 300) -> String {
        for block in document.blocks {
            guard case .paragraph(let inlines) = block else { continue }
            if inlines.count == 1, case .emphasis = inlines[0] { continue }
            let text = inlines.plainText.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            guard !text.isEmpty else { continue }
            if text.count <= limit { return text }
            let cut = text.prefix(limit)
            let atWord = cut.lastIndex(of: " ").map { cut[..<$0] } ?? cut
            return atWord.trimmingCharacters(in: .punctuationCharacters) + "…"
        }
        return ""
    }

    /// `markdown` without its first level-1 heading line (and the blank line after it).
    static func withoutTitle(_ markdown: String) -> String {
        var lines = markdown.split(separator: "\n", omittingEmptySubsequences: false)
        guard let index = lines.firstIndex(where: { $0.hasPrefix("# ") }) else { return markdown }
        lines.remove(at: index)
        if index < lines.count, lines[index].isEmpty { lines.remove(at: index) }
        return lines.joined(separator: "\n")
    }

    /// A double-quoted YAML scalar: valid for any text, the same in Hugo and Jekyll.
    static func yaml(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            default:
                if MarkdownText.isControl(scalar) || scalar == "\u{FEFF}" {
                    // YAML reads C1 controls and U+2028/2029 as line breaks: escaped like C0.
                    result += String(format: "\\u%04X", scalar.value)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
