import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

@testable import Report

/// What Cairo drew into an SVG file, read back as shapes in chart points, so a test can
/// check what a chart shows: where a bar stands, how tall it is, where a line runs.
///
/// It reads the SVG that Cairo's SVG surface writes and nothing more: `<path>` and `<rect>`
/// with their fill and stroke (from `style` or presentation attributes, inherited through
/// `<g>`). Text, which Cairo writes as `<use>` of glyph outlines, is skipped. Anything that
/// would change the geometry and that it does not read (a transform, a shape element Cairo
/// does not write, a path command, a colour syntax) throws, rather than hand a test a wrong
/// picture. Clip paths are not applied: a shape is the path as drawn, before clipping.
struct SVGDrawing {
    struct Point: Equatable, CustomStringConvertible {
        var x: Double
        var y: Double

        var description: String { "(\(x), \(y))" }
    }

    enum Segment: Equatable {
        case line(to: Point)
        case curve(Point, Point, to: Point)

        var end: Point {
            switch self {
            case .line(let end), .curve(_, _, let end): return end
            }
        }

        var isLine: Bool {
            if case .line = self { return true }
            return false
        }
    }

    /// One continuous run of a path, from a move to the next move or close.
    struct Subpath: Equatable {
        var start: Point
        var segments: [Segment]
        var closed: Bool

        /// The start and every segment's end point, in drawing order.
        var vertices: [Point] { [start] + segments.map(\.end) }
    }

    /// A colour as the file gives it, 0…1 per channel, with its opacity.
    struct Paint: Equatable, CustomStringConvertible {
        var red: Double
        var green: Double
        var blue: Double
        var opacity: Double

        /// Whether this is `color` (opacity aside), to within Cairo's 8-bit rounding.
        func isColor(_ color: Color) -> Bool {
            let tolerance = 0.6 / 255
            return abs(red - color.red) <= tolerance && abs(green - color.green) <= tolerance && abs(blue - color.blue) <= tolerance
        }

        var description: String {
            let hex = [red, green, blue].map { String(format: "%02X", Int(($0 * 255).rounded())) }.joined()
            return "#\(hex)" + (opacity < 1 ? " at \(opacity)" : "")
        }
    }

    /// One painted path or rectangle.
    struct Shape {
        var subpaths: [Subpath]
        /// Nil when the shape is not filled.
        var fill: Paint?
        /// Nil when the shape is not stroked.
        var stroke: Paint?
        var strokeWidth: Double
        /// Dash lengths; empty for a solid line.
        var dash: [Double]

        /// The box around every point of the path, curve control points included.
        var bounds: ChartRect {
            let points = subpaths.flatMap { subpath in
                [subpath.start] + subpath.segments.flatMap { segment -> [Point] in
                    switch segment {
                    case .line(let end): return [end]
                    case .curve(let c1, let c2, let end): return [c1, c2, end]
                    }
                }
            }
            let xs = points.map(\.x)
            let ys = points.map(\.y)
            let minX = xs.min() ?? 0
            let minY = ys.min() ?? 0
            return ChartRect(x: minX, y: minY, width: (xs.max() ?? 0) - minX, height: (ys.max() ?? 0) - minY)
        }

        /// The rectangle when the path is one axis-aligned rectangle (as `cairo_rectangle`
        /// draws it), else nil.
        var rectangle: ChartRect? {
            guard subpaths.count == 1, let path = subpaths.first, path.segments.allSatisfy(\.isLine) else { return nil }
            var corners = path.vertices
            let returnsToStart = corners.count == 5 && corners[4] == corners[0]
            if returnsToStart { corners.removeLast() }
            guard corners.count == 4, path.closed || returnsToStart else { return nil }
            for index in corners.indices {
                let a = corners[index]
                let b = corners[(index + 1) % 4]
                guard a.x == b.x || a.y == b.y else { return nil }
            }
            let box = bounds
            return box.width > 0 && box.height > 0 ? box : nil
        }

        /// Where a line drawn left to right crosses `x`: the y on its first straight segment
        /// spanning `x`, or nil when it does not reach `x`. Cairo rounds coordinates to
        /// 1/256 pt, so an `x` that close to a vertex is taken to mean that vertex (on a
        /// steep segment the rounding would otherwise move y a lot). Throws for a path with
        /// curves.
        func y(atX x: Double) throws -> Double? {
            if let curved = subpaths.first(where: { !$0.segments.allSatisfy(\.isLine) }) {
                throw SVGGeometryError("y(atX:) reads straight lines only, and this path has a curve: \(curved.vertices)")
            }
            let slack = 1.0 / 256
            if let vertex = subpaths.flatMap(\.vertices).first(where: { abs($0.x - x) <= slack }) {
                return vertex.y
            }
            for subpath in subpaths {
                var from = subpath.start
                for to in subpath.segments.map(\.end) {
                    if min(from.x, to.x) <= x && x <= max(from.x, to.x) {
                        if from.x == to.x { return from.y }
                        return from.y + (to.y - from.y) * (x - from.x) / (to.x - from.x)
                    }
                    from = to
                }
            }
            return nil
        }
    }

    /// Painted shapes in document order, so later ones are drawn on top.
    var shapes: [Shape]

    init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw SVGGeometryError("could not read \(url.path): \(error)")
        }
        try self.init(data: data, source: url.lastPathComponent)
    }

    init(data: Data, source: String = "SVG") throws {
        let reader = Reader()
        let parser = XMLParser(data: data)
        parser.delegate = reader
        let parsed = parser.parse()
        if let error = reader.error {
            throw SVGGeometryError("\(source): \(error.message)")
        }
        guard parsed else {
            throw SVGGeometryError("\(source) is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "unknown error")")
        }
        shapes = reader.shapes
    }

    /// Shapes filled with `color`, in document order.
    func filled(_ color: Color) -> [Shape] {
        shapes.filter { $0.fill?.isColor(color) == true }
    }

    /// Shapes stroked in `color`, in document order.
    func stroked(_ color: Color) -> [Shape] {
        shapes.filter { $0.stroke?.isColor(color) == true }
    }
}

/// Why an SVG could not be read back: the message names the element or path data and the
/// part this reader does not understand, so it can be taught, not silently guessed.
struct SVGGeometryError: Error, CustomStringConvertible {
    var message: String

    init(_ message: String) { self.message = message }

    var description: String { message }
}

/// XMLParser's delegate: collects what is painted outside `<defs>`.
private final class Reader: NSObject, XMLParserDelegate {
    var shapes: [SVGDrawing.Shape] = []
    var error: SVGGeometryError?

    /// Inherited paint properties, one level per open element.
    private var styles: [[String: String]] = [[:]]
    private var defsDepth = 0

    /// Properties that paint what this reader reports and are inherited by children.
    private static let paintProperties: Set<String> = ["fill", "fill-opacity", "stroke", "stroke-opacity", "stroke-width", "stroke-dasharray"]

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        guard error == nil else { return }
        if defsDepth > 0 || name == "defs" {
            defsDepth += 1
            return
        }
        do {
            let style = try resolvedStyle(name, attributes)
            styles.append(style)
            switch name {
            case "svg", "g", "title":
                break
            case "path":
                guard let d = attributes["d"] else { throw SVGGeometryError("a <path> without a d attribute") }
                shapes.append(try Self.shape(PathData.parse(d), style: style))
            case "rect":
                if attributes["rx"] != nil || attributes["ry"] != nil { throw SVGGeometryError("a <rect> with rounded corners: \(attributes)") }
                let number = { (key: String) throws -> Double in try PathData.number(attributes[key] ?? "0", in: "<rect> \(key)") }
                let x = try number("x"), y = try number("y"), width = try number("width"), height = try number("height")
                let corner = { (x: Double, y: Double) in SVGDrawing.Point(x: x, y: y) }
                let path = SVGDrawing.Subpath(
                    start: corner(x, y),
                    segments: [.line(to: corner(x + width, y)), .line(to: corner(x + width, y + height)), .line(to: corner(x, y + height))],
                    closed: true)
                shapes.append(try Self.shape([path], style: style))
            case "use":
                // Text is skipped; a <use> of anything else would be a shape left unread.
                let href = attributes["xlink:href"] ?? attributes["href"] ?? ""
                guard href.hasPrefix("#glyph") else {
                    throw SVGGeometryError("a <use> of \(href.isEmpty ? "nothing" : href), which is not a glyph of text")
                }
            default:
                throw SVGGeometryError("a <\(name)> element, which Cairo's SVG surface was not expected to paint outside <defs>")
            }
        } catch let failure as SVGGeometryError {
            error = failure
            parser.abortParsing()
        } catch {
            self.error = SVGGeometryError("\(error)")
            parser.abortParsing()
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if defsDepth > 0 {
            defsDepth -= 1
        } else if styles.count > 1 {
            styles.removeLast()
        }
    }

    /// The element's paint properties over those it inherits; `style` wins over attributes.
    private func resolvedStyle(_ name: String, _ attributes: [String: String]) throws -> [String: String] {
        for key in ["transform", "opacity", "mask", "filter"] where attributes[key] != nil {
            throw SVGGeometryError("<\(name) \(key)=\"\(attributes[key] ?? "")\">: \(key) is not read, so the shapes would be wrong")
        }
        var style = styles.last ?? [:]
        for key in Self.paintProperties {
            if let value = attributes[key] { style[key] = value }
        }
        for declaration in (attributes["style"] ?? "").split(separator: ";") {
            let parts = declaration.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            if ["transform", "opacity", "mask", "filter"].contains(parts[0]) {
                throw SVGGeometryError("<\(name) style=\"\(attributes["style"] ?? "")\">: \(parts[0]) is not read, so the shapes would be wrong")
            }
            if Self.paintProperties.contains(parts[0]) { style[parts[0]] = parts[1] }
        }
        return style
    }

    private static func shape(_ subpaths: [SVGDrawing.Subpath], style: [String: String]) throws -> SVGDrawing.Shape {
        let dash = style["stroke-dasharray"].map { value in
            value == "none" ? [] : value.split(whereSeparator: { $0 == "," || $0 == " " }).map { String($0) }
        } ?? []
        return SVGDrawing.Shape(
            subpaths: subpaths,
            // SVG fills black by default and strokes nothing.
            fill: try paint(style, "fill"),
            stroke: try paint(style, "stroke", default: "none"),
            strokeWidth: try PathData.number(style["stroke-width"] ?? "1", in: "stroke-width"),
            dash: try dash.map { try PathData.number($0, in: "stroke-dasharray") })
    }

    /// The colour of `property` ("fill" or "stroke") with its opacity, nil for "none".
    static func paint(_ style: [String: String], _ property: String, default fallback: String = "rgb(0%,0%,0%)") throws -> SVGDrawing.Paint? {
        let value = (style[property] ?? fallback).trimmingCharacters(in: .whitespaces)
        if value == "none" { return nil }
        let opacity = try PathData.number(style["\(property)-opacity"] ?? "1", in: "\(property)-opacity")
        if value.hasPrefix("#"), value.count == 7, let hex = UInt32(value.dropFirst(), radix: 16) {
            let color = Color(hex: hex)
            return SVGDrawing.Paint(red: color.red, green: color.green, blue: color.blue, opacity: opacity)
        }
        guard value.hasPrefix("rgb("), value.hasSuffix(")") else {
            throw SVGGeometryError("\(property): \(value) is not a colour this reader knows (rgb(…) or #RRGGBB)")
        }
        let channels = try value.dropFirst(4).dropLast().split(separator: ",").map { part -> Double in
            let text = part.trimmingCharacters(in: .whitespaces)
            return text.hasSuffix("%")
                ? try PathData.number(String(text.dropLast()), in: "\(property) \(value)") / 100
                : try PathData.number(text, in: "\(property) \(value)") / 255
        }
        guard channels.count == 3 else { throw SVGGeometryError("\(property): \(value) does not have three channels") }
        return SVGDrawing.Paint(red: channels[0], green: channels[1], blue: channels[2], opacity: opacity)
    }
}

/// The path data of a `d` attribute: M, L, H, V, C and Z, absolute and relative, which
/// covers what Cairo writes (it writes M, L, C and Z, absolute).
private enum PathData {
    static func parse(_ d: String) throws -> [SVGDrawing.Subpath] {
        let tokens = try tokenize(d)
        var subpaths: [SVGDrawing.Subpath] = []
        var current: SVGDrawing.Subpath?
        var point = SVGDrawing.Point(x: 0, y: 0)
        var index = 0
        var command: Character?

        func finish() {
            // A move with nothing after it paints nothing (Cairo ends closed paths with one).
            if let path = current, !path.segments.isEmpty { subpaths.append(path) }
            current = nil
        }
        func numbers(_ count: Int) throws -> [Double] {
            guard index + count <= tokens.count else { throw SVGGeometryError("path d=\"\(d)\": \(command.map(String.init) ?? "?") needs \(count) numbers") }
            let values = try tokens[index..<(index + count)].map { token -> Double in
                guard case .number(let value) = token else { throw SVGGeometryError("path d=\"\(d)\": \(command.map(String.init) ?? "?") needs \(count) numbers") }
                return value
            }
            index += count
            return values
        }
        func add(_ segment: SVGDrawing.Segment) throws {
            guard current != nil else { throw SVGGeometryError("path d=\"\(d)\": a segment before any M") }
            current?.segments.append(segment)
            point = segment.end
        }

        while index < tokens.count {
            if case .command(let letter) = tokens[index] {
                command = letter
                index += 1
            } else if command == nil {
                throw SVGGeometryError("path d=\"\(d)\": a number where a command belongs")
            }
            guard let letter = command else { break }
            let relative = letter.isLowercase
            let offset = { (x: Double, y: Double) in SVGDrawing.Point(x: relative ? point.x + x : x, y: relative ? point.y + y : y) }
            switch letter {
            case "M", "m":
                let values = try numbers(2)
                let start = offset(values[0], values[1])
                finish()
                current = SVGDrawing.Subpath(start: start, segments: [], closed: false)
                point = start
                // Further pairs after a move are lines.
                command = relative ? "l" : "L"
            case "L", "l":
                let values = try numbers(2)
                try add(.line(to: offset(values[0], values[1])))
            case "H", "h":
                let x = try numbers(1)[0]
                try add(.line(to: SVGDrawing.Point(x: relative ? point.x + x : x, y: point.y)))
            case "V", "v":
                let y = try numbers(1)[0]
                try add(.line(to: SVGDrawing.Point(x: point.x, y: relative ? point.y + y : y)))
            case "C", "c":
                let values = try numbers(6)
                try add(.curve(offset(values[0], values[1]), offset(values[2], values[3]), to: offset(values[4], values[5])))
            case "Z", "z":
                guard let path = current else { throw SVGGeometryError("path d=\"\(d)\": Z before any M") }
                current?.closed = true
                point = path.start
                finish()
                // A segment right after Z starts from the closed subpath's start.
                current = SVGDrawing.Subpath(start: point, segments: [], closed: false)
                command = nil
            default:
                throw SVGGeometryError("path d=\"\(d)\": command \(letter) is not one this reader knows (M L H V C Z)")
            }
        }
        finish()
        return subpaths
    }

    enum Token {
        case command(Character)
        case number(Double)
    }

    private static func tokenize(_ d: String) throws -> [Token] {
        var tokens: [Token] = []
        var number = ""
        func flush() throws {
            guard !number.isEmpty else { return }
            tokens.append(.number(try Self.number(number, in: "path d=\"\(d)\"")))
            number = ""
        }
        for character in d {
            if character == " " || character == "," || character == "\n" || character == "\t" || character == "\r" {
                try flush()
            } else if character.isLetter && character != "e" && character != "E" {
                try flush()
                tokens.append(.command(character))
            } else if (character == "-" || character == "+") && !(number.last == "e" || number.last == "E") {
                try flush()
                number.append(character)
            } else {
                number.append(character)
            }
        }
        try flush()
        return tokens
    }

    static func number(_ text: String, in place: String) throws -> Double {
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite else {
            throw SVGGeometryError("\(place): \"\(text)\" is not a number")
        }
        return value
    }
}

/// The reader reads the commands Cairo does not write today the way SVG defines them, and
/// refuses what it cannot read instead of guessing.
struct SVGGeometryTests {
    private func drawing(_ body: String) throws -> SVGDrawing {
        try SVGDrawing(data: Data("<svg xmlns=\"http://www.w3.org/2000/svg\">\(body)</svg>".utf8))
    }

    @Test func readsRelativeAndShorthandCommands() throws {
        let svg = try drawing(#"<g style="fill:rgb(100%,0%,0%)"><path d="m 10 20 h 30 v 5 H 10 z M 10 20"/></g>"#)
        let shape = try #require(svg.shapes.first)
        #expect(shape.rectangle == ChartRect(x: 10, y: 20, width: 30, height: 5))
        #expect(shape.fill?.isColor(Color(1, 0, 0)) == true, "fill inherited from the group")
        #expect(shape.stroke == nil)
        let both = try drawing(#"<path d="M 10 20 h 30 v 5 H 10 z M 0 0 l 1 1 2 2 c 1 0 1 1 0 1"/>"#).shapes[0]
        #expect(both.subpaths.count == 2)
        #expect(both.subpaths[1].vertices == [.init(x: 0, y: 0), .init(x: 1, y: 1), .init(x: 3, y: 3), .init(x: 3, y: 4)])
        #expect(throws: SVGGeometryError.self) { try both.y(atX: 2) }
        let line = try drawing(#"<path style="fill:none;stroke:rgb(0%,0%,100%);stroke-opacity:0.7;stroke-dasharray:6,3;" d="M 0 10 L 10 0 L 20 0"/>"#).shapes[0]
        #expect(try line.y(atX: 5) == 5)
        #expect(try line.y(atX: 21) == nil)
        #expect(line.stroke?.opacity == 0.7 && line.dash == [6, 3] && line.fill == nil)
    }

    @Test func refusesWhatItCannotRead() {
        for body in [
            #"<path d="M 0 0 A 5 5 0 0 1 10 10"/>"#,
            #"<path transform="matrix(2,0,0,2,0,0)" d="M 0 0 L 1 1"/>"#,
            #"<g opacity="0.5"><path d="M 0 0 L 1 1"/></g>"#,
            #"<circle cx="1" cy="1" r="1"/>"#,
            #"<path style="fill:url(#pattern1)" d="M 0 0 L 1 1 L 1 0 Z"/>"#,
            ##"<use xlink:href="#surface5" xmlns:xlink="http://www.w3.org/1999/xlink"/>"##,
        ] {
            #expect(throws: SVGGeometryError.self, "\(body)") { try drawing(body) }
        }
    }
}
