/// A rectangle of a page bitmap in pixels, from a box in another unit of the same page (the
/// layout sidecar's: the bitmap the engine saw, or points for a text layer). Boxes come from
/// engines and models, so any box is taken: one reaching past the page is cut to it, one
/// outside the page or empty gives no region.
public struct PageRegion: Sendable, Equatable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// `box` (`[x1, y1, x2, y2]` on a `unitWidth` × `unitHeight` page) on an `imageWidth` ×
    /// `imageHeight` bitmap of the same page, widened on every side by `margin` of the
    /// bitmap's longer side, and cut to the bitmap; nil when nothing of it is on the page.
    public static func of(
        box: [Int],
        unitWidth: Int,
        unitHeight: Int,
        imageWidth: Int,
        imageHeight: Int,
        margin: Double
    ) -> PageRegion? {
        guard box.count == 4, unitWidth > 0, unitHeight > 0, imageWidth > 0, imageHeight > 0 else { return nil }
        let scaleX = Double(imageWidth) / Double(unitWidth)
        let scaleY = Double(imageHeight) / Double(unitHeight)
        let widen = max(0, margin) * Double(max(imageWidth, imageHeight))
        // In Double, so no box, however large, overflows before it is cut to the page.
        let left = (Double(min(box[0], box[2])) * scaleX - widen).clamped(0, Double(imageWidth))
        let right = (Double(max(box[0], box[2])) * scaleX + widen).clamped(0, Double(imageWidth))
        let top = (Double(min(box[1], box[3])) * scaleY - widen).clamped(0, Double(imageHeight))
        let bottom = (Double(max(box[1], box[3])) * scaleY + widen).clamped(0, Double(imageHeight))
        // A box wholly off the page is cut to a sliver of the margin: nothing of it is shown.
        let onPage =
            Double(max(box[0], box[2])) * scaleX > 0 && Double(min(box[0], box[2])) * scaleX < Double(imageWidth)
            && Double(max(box[1], box[3])) * scaleY > 0 && Double(min(box[1], box[3])) * scaleY < Double(imageHeight)
        let x = Int(left.rounded(.down))
        let y = Int(top.rounded(.down))
        let width = Int(right.rounded(.up)) - x
        let height = Int(bottom.rounded(.up)) - y
        guard onPage, width > 0, height > 0 else { return nil }
        return PageRegion(x: x, y: y, width: width, height: height)
    }
}

extension Double {
    fileprivate func clamped(_ low: Double, _ high: Double) -> Double { Swift.min(Swift.max(self, low), high) }
}
