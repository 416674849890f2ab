/// How a bar is filled besides its colour. It is the second cue that still tells models
/// apart when printed in grey or seen with a colour-vision deficiency.
public enum FillPattern: Sendable, Equatable, CaseIterable {
    case solid, diagonal, dots, horizontal, crossHatch
}

/// The look of one bar family: a concurrency model, or a source in a grouped chart.
public struct BarStyle: Sendable, Equatable {
    public var color: Color
    public var pattern: FillPattern
}

/// Marker shapes that tell the lines of one model apart.
public enum MarkerShape: Sendable, Equatable, CaseIterable {
    case circle, square, triangleUp, diamond, triangleDown, cross, plus, star

    /// Cross and plus are strokes only, so they are never filled.
    var isStrokeOnly: Bool { self == .cross || self == .plus }
}

/// The look of one line in a line chart: the model's colour, plus a marker and dash pattern
/// that differ between the lines of the same model.
public struct SeriesStyle: Sendable, Equatable {
    public var color: Color
    public var marker: MarkerShape
    public var filled: Bool
    /// Cairo dash lengths in points; empty is a solid line.
    public var dash: [Double]
}

/// The palette and fonts every chart shares, so the report looks like one piece.
///
/// Colour choice: each concurrency model gets a colour whose Rec. 709 luma is at least 0.15
/// away from every other model's (async navy ≈ 0.20, threads vermillion ≈ 0.39, greenlet
/// green ≈ 0.56, process yellow ≈ 0.82), so they stay apart in grey print. Because luma
/// steps alone are subtle, bars also carry a fill pattern per model (threads solid, async
/// diagonal hatching, greenlet dots, process horizontal lines) and every bar has a dark
/// outline so light fills still read on white. Lines use the model colour plus a distinct
/// marker and dash pattern within the model.
public enum ChartStyle {
    public static let titleFont = Font.sans(13, bold: true)
    public static let axisLabelFont = Font.sans(10)
    public static let tickFont = Font.sans(9)
    public static let legendFont = Font.sans(9)
    public static let valueFont = Font.sans(8)
    public static let noteFont = Font("DejaVu Sans", size: 9, italic: true)

    static let textColor = Color(hex: 0x222222)
    static let mutedTextColor = Color(hex: 0x666666)
    static let axisColor = Color(hex: 0x555555)
    static let gridColor = Color(hex: 0xE2E2E2)
    static let minorGridColor = Color(hex: 0xF0F0F0)
    /// Behind a warm-up: load ran, nothing was counted.
    static let warmupColor = Color(hex: 0xF3F3F3)
    /// A stall's mark.
    static let stallColor = Color(hex: 0xC62828)
    static let markColor = Color(hex: 0x1A1A1A)

    /// Concurrency models in the order legends list them.
    public static let modelOrder = ["async", "greenlet", "threads", "process"]

    static let modelStyles: [String: BarStyle] = [
        "async": BarStyle(color: Color(hex: 0x17365F), pattern: .diagonal),
        "threads": BarStyle(color: Color(hex: 0xC8500A), pattern: .solid),
        "greenlet": BarStyle(color: Color(hex: 0x4FA37A), pattern: .dots),
        "process": BarStyle(color: Color(hex: 0xF2D45C), pattern: .horizontal),
    ]

    /// A model the palette does not know is grey and cross-hatched: visibly "other".
    static let unknownModel = BarStyle(color: Color(hex: 0x9A9A9A), pattern: .crossHatch)

    /// The bar style of a concurrency model (case-insensitive).
    public static func style(forModel model: String) -> BarStyle {
        modelStyles[model.lowercased()] ?? unknownModel
    }

    /// Styles for the sources of a grouped bar chart, in order; lumas ≈ 0.24, 0.59, 0.79
    /// and the patterns differ too, so "this machine" and "published" never look alike.
    public static let sourceStyles: [BarStyle] = [
        BarStyle(color: Color(hex: 0x1F3F66), pattern: .solid),
        BarStyle(color: Color(hex: 0xD98C2B), pattern: .diagonal),
        BarStyle(color: Color(hex: 0xC2D3E6), pattern: .dots),
        BarStyle(color: Color(hex: 0x6B6B6B), pattern: .crossHatch),
    ]

    static func sourceStyle(_ index: Int) -> BarStyle { sourceStyles[index % sourceStyles.count] }

    static let dashPatterns: [[Double]] = [[], [6, 3], [1.5, 2.5], [7, 2.5, 1.5, 2.5]]

    /// One style per series: colour from its model, then marker, fill and dash from its
    /// position among the series of the same model, so no two lines of a model look alike.
    public static func seriesStyles(forModels models: [String]) -> [SeriesStyle] {
        var seen: [String: Int] = [:]
        return models.map { model in
            let key = model.lowercased()
            let index = seen[key, default: 0]
            seen[key] = index + 1
            let shapes = MarkerShape.allCases
            return SeriesStyle(
                color: style(forModel: model).color,
                marker: shapes[index % shapes.count],
                filled: (index % 2 == 0) != ((index / shapes.count) % 2 == 1),
                dash: dashPatterns[index % dashPatterns.count])
        }
    }
}
