import Foundation

/// Names under the slots of a category chart, laid out so that none overlap: side by side
/// when they fit, on two lines split at a natural break ("flask:" / "meinheld"), else
/// rotated 45°, else 90°, else only every k-th name. Names longer than the space allowed
/// below the plot are shortened with "…". Every decision comes from measured text.
struct CategoryLabels {
    enum Mode: Equatable {
        case horizontal, wrapped, rotated45, rotated90
    }

    let mode: Mode
    /// The lines of each name, in slot order.
    let lines: [[String]]
    /// Vertical space the labels take below the axis.
    let height: Double
    /// How far each label reaches left of its slot's centre.
    let overhangs: [Double]
    /// Draw every `stride`-th label only (1 normally): the last resort for very narrow slots.
    let stride: Int
    let lineHeight: Double

    static let font = ChartStyle.tickFont
    static let padding = 6.0
    static let gap = 4.0
    private static let breakCharacters: Set<Character> = [":", " ", "-", "_", "/", "+", "."]

    init(_ names: [String], slotWidth: Double, maxHeight: Double, context: CairoContext) {
        let font = Self.font
        let lineHeight = context.labelSize("Ag", font: font).height
        self.lineHeight = lineHeight
        let widths = names.map { context.labelSize($0, font: font).width }
        let room = slotWidth - Self.padding
        let diagonal = sqrt(0.5)

        if widths.allSatisfy({ $0 <= room }) {
            mode = .horizontal
            lines = names.map { [$0] }
            height = names.isEmpty ? 0 : lineHeight + Self.gap
            overhangs = widths.map { $0 / 2 }
            stride = 1
        } else if let split = Self.split(names, room: room, context: context) {
            mode = .wrapped
            lines = split
            height = 2 * lineHeight + Self.gap
            overhangs = split.map { lines in (lines.map { context.labelSize($0, font: font).width }.max() ?? 0) / 2 }
            stride = 1
        } else if slotWidth * diagonal >= lineHeight + 1 {
            // Parallel 45° labels sit slot·sin45° apart; that must exceed one line's height.
            let maxTextWidth = max(20, (maxHeight - Self.gap) / diagonal - lineHeight)
            lines = names.map { [context.fitted($0, font: font, maxWidth: maxTextWidth)] }
            let fittedWidths = lines.map { context.labelSize($0[0], font: font).width }
            mode = .rotated45
            height = ((fittedWidths.max() ?? 0) + lineHeight) * diagonal + Self.gap
            overhangs = fittedWidths.map { ($0 + lineHeight / 2) * diagonal }
            stride = 1
        } else {
            let maxTextWidth = max(20, maxHeight - Self.gap)
            lines = names.map { [context.fitted($0, font: font, maxWidth: maxTextWidth)] }
            let widest = lines.map { context.labelSize($0[0], font: font).width }.max() ?? 0
            mode = .rotated90
            height = widest + Self.gap
            overhangs = names.map { _ in lineHeight / 2 }
            stride = max(1, Int(((lineHeight + 1) / max(slotWidth, 0.1)).rounded(.up)))
        }
    }

    /// How far the labels reach left of the first slot's left edge, for slots `slotWidth` wide.
    func leftReach(slotWidth: Double) -> Double {
        overhangs.enumerated().map { index, overhang in overhang - slotWidth * (Double(index) + 0.5) }.max() ?? 0
    }

    /// Every name on at most two lines that each fit `room`, or nil if any name cannot.
    private static func split(_ names: [String], room: Double, context: CairoContext) -> [[String]]? {
        var result: [[String]] = []
        for name in names {
            if context.labelSize(name, font: font).width <= room {
                result.append([name])
                continue
            }
            let characters = Array(name)
            var best: (lines: [String], widest: Double)?
            for (index, character) in characters.enumerated() where breakCharacters.contains(character) {
                // A space is dropped at the break; other break characters stay on the first line.
                let first = String(characters[..<(character == " " ? index : index + 1)])
                let second = String(characters[(index + 1)...])
                guard !first.isEmpty, !second.isEmpty else { continue }
                let widest = max(context.labelSize(first, font: font).width, context.labelSize(second, font: font).width)
                if widest <= room, widest < best?.widest ?? .infinity { best = ([first, second], widest) }
            }
            guard let best else { return nil }
            result.append(best.lines)
        }
        return result
    }

    /// Draws the labels below an axis at `top`, one per slot centre.
    func draw(_ context: CairoContext, centres: [Double], top: Double) {
        let color = ChartStyle.textColor
        for (index, (centre, label)) in zip(centres, lines).enumerated() where index % stride == 0 {
            switch mode {
            case .horizontal, .wrapped:
                for (row, line) in label.enumerated() {
                    let y = top + Self.gap + lineHeight * (Double(row) + 0.5)
                    context.label(line, at: centre, y, font: Self.font, color: color, alignment: .center)
                }
            case .rotated45:
                // Anchored at the text's right end, so each label ends under its own bar.
                let y = top + Self.gap + lineHeight * sqrt(0.5) / 2
                context.label(label[0], at: centre, y, font: Self.font, color: color, alignment: .right, rotation: -Double.pi / 4)
            case .rotated90:
                context.label(label[0], at: centre, top + Self.gap, font: Self.font, color: color, alignment: .right, rotation: -Double.pi / 2)
            }
        }
    }
}
