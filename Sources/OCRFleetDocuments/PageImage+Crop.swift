import CTesseract
import OCRFleetModel

extension PageImage {
    /// The pixels of `region`, which must lie on the page (`PageRegion.of` cuts it to it).
    public func cropped(to region: PageRegion) throws(OCRError) -> PageImage {
        guard region.x >= 0, region.y >= 0, region.width > 0, region.height > 0, region.x + region.width <= width,
            region.y + region.height <= height
        else {
            throw OCRError(.internal, "a crop reaches past the page")
        }
        var box = boxCreate(Int32(region.x), Int32(region.y), Int32(region.width), Int32(region.height))
        defer { boxDestroy(&box) }
        guard let box, let clipped = pixClipRectangle(pix, box, nil), let image = PageImage(taking: clipped) else {
            throw OCRError(.internal, "cannot crop the page bitmap")
        }
        return image
    }

    /// The image as PNG of at most `maxBytes`: as it is if that fits, else scaled down by a
    /// fifth at a time until it does; nil when not even a 16-pixel image fits.
    public func png(atMost maxBytes: Int) throws(OCRError) -> [UInt8]? {
        var side = max(width, height)
        while side >= 16 {
            let encoded = try encoded(as: .png(level: 6), longestSide: side)
            if encoded.bytes.count <= maxBytes { return encoded.bytes }
            side = side * 4 / 5
        }
        return nil
    }
}
