/// The page and the text area inside its margins, in points.
struct PageGeometry {
    var width: Double
    var height: Double
    var margin: Double

    var left: Double { margin }
    var top: Double { margin }
    var bottom: Double { height - margin }
    var textWidth: Double { width - 2 * margin }
    var textHeight: Double { bottom - top }
}
