/// A drawing step kept until the page count is known (the footer says "page N of M").
typealias DrawStep = (CairoContext) throws -> Void

/// Places content top to bottom on pages: breaks pages before content would cross the
/// bottom margin, collapses spacing at page tops, and carries block-quote rules and list
/// markers along with the content they belong to.
final class PageComposer {
    let geometry: PageGeometry
    private(set) var pages: [[DrawStep]] = [[]]
    /// Where the next content goes.
    private(set) var y: Double
    /// Bottom of the last content placed on this page.
    private var contentBottom: Double
    private var pendingSpace = 0.0
    private var rules: [OpenRule] = []
    private var pendingMarker: ((Double) -> DrawStep)?
    private let ruleColor: Color
    private let ruleWidth: Double

    private struct OpenRule {
        var x: Double
        var startY: Double
    }

    init(geometry: PageGeometry, ruleColor: Color, ruleWidth: Double) {
        self.geometry = geometry
        self.ruleColor = ruleColor
        self.ruleWidth = ruleWidth
        y = geometry.top
        contentBottom = geometry.top
    }

    /// Pages so far, counting from 1.
    var pageNumber: Int { pages.count }

    /// True until something is placed on the current page.
    var atPageTop: Bool { contentBottom <= geometry.top }

    /// Room left on this page once pending space is taken.
    var remaining: Double { geometry.bottom - y - (atPageTop ? 0 : pendingSpace) }

    /// The next content starts at least `amount` below the last (spacing does not add up
    /// between nested blocks, and disappears at the top of a page).
    func space(_ amount: Double) {
        pendingSpace = max(pendingSpace, amount)
    }

    /// The next placed content also draws this marker (a list bullet) at its top.
    func markNext(_ marker: @escaping (Double) -> DrawStep) {
        pendingMarker = marker
    }

    /// Starts a new page unless `height` (plus `keep`, content that must stay with it) fits.
    func ensure(_ height: Double, keep: Double = 0) {
        if !atPageTop, height + keep > remaining { newPage() }
    }

    /// Places content `height` tall, on a new page if it does not fit here;
    /// `draw` receives the content's top. Returns that top.
    @discardableResult
    func place(height: Double, keep: Double = 0, _ draw: (Double) -> DrawStep) -> Double {
        ensure(height, keep: keep)
        if !atPageTop { y += pendingSpace }
        pendingSpace = 0
        let top = y
        if let marker = pendingMarker {
            pages[pages.count - 1].append(marker(top))
            pendingMarker = nil
        }
        pages[pages.count - 1].append(draw(top))
        y += height
        contentBottom = y
        return top
    }

    /// Adds a drawing step to the current page without taking room (backgrounds, rules).
    func decorate(_ step: @escaping DrawStep) {
        pages[pages.count - 1].append(step)
    }

    func newPage() {
        closeRules(at: contentBottom)
        pages.append([])
        y = geometry.top
        contentBottom = geometry.top
        pendingSpace = 0
        for index in rules.indices { rules[index].startY = geometry.top }
    }

    /// Starts a block-quote rule at `x`; it follows the content down, across pages.
    func beginRule(x: Double) {
        let start = atPageTop ? geometry.top : y + pendingSpace
        rules.append(OpenRule(x: x, startY: start))
    }

    func endRule() {
        guard let rule = rules.popLast() else { return }
        drawRule(rule, to: contentBottom)
    }

    private func closeRules(at bottom: Double) {
        for rule in rules { drawRule(rule, to: bottom) }
    }

    private func drawRule(_ rule: OpenRule, to bottom: Double) {
        guard bottom > rule.startY else { return }
        let (color, width) = (ruleColor, ruleWidth)
        decorate { context in
            context.setColor(color)
            context.rectangle(rule.x, rule.startY, width, bottom - rule.startY)
            context.fill()
        }
    }
}
