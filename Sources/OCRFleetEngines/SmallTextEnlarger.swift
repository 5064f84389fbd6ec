import CTesseract
import OCRFleetDocuments

/// Enlarges scans whose letters are too small for Tesseract's LSTM models. In fax-grade and
/// screen-resolution images (letters 6-10 px tall) Tesseract's own binarisation loses strokes;
/// interpolated until letters are about 20 px tall, the same pages read nearly as well as at
/// 300 DPI (public scans reduced to 100 DPI: CER 0.32 before, 0.07 after; docs/benchmarks.md).
/// Pages rendered from PDFs at 300 DPI and ordinary scans are left as they are.
enum SmallTextEnlarger {
    /// Pages whose median glyph height is below this many pixels are enlarged. 300 DPI scans
    /// of 10-12 pt text measure 18-23 px and read well as they are.
    static let smallest: Int32 = 14
    /// Median glyph height an enlarged page is brought to.
    static let target = 20.0
    /// Never enlarged more: beyond it, specks grow into strokes and memory with the square.
    static let largestFactor = 4.0
    /// Fewer glyphs than this say nothing about the text's size (a logo, a blank page).
    static let fewestGlyphs = 20
    /// An enlarged page has at most this many pixels (40 MB in gray), fewer when the worker's
    /// page cap (`maxPixels`) is lower: a letter page at 100 DPI enlarged 2.5× has 5.8 million.
    static let largestPixels = 40_000_000

    /// `page`, enlarged when its text is small, to at most `maxPixels` pixels; otherwise `page`
    /// itself. Blocking.
    static func enlarged(_ page: PageImage, maxPixels: Int = largestPixels) -> PageImage {
        guard let height = medianGlyphHeight(page), height < smallest else { return page }
        let pixels = Double(page.width) * Double(page.height)
        let cap = Double(min(largestPixels, maxPixels))
        let factor = Float(min(largestFactor, target / Double(height), (cap / pixels).squareRoot()))
        guard factor > 1 else { return page }
        // Interpolating needs gray levels: a 1 bpp page would only have its pixels repeated.
        var source = pixGetDepth(page.pix) == 1 ? pixConvertTo8(page.pix, 0) : pixClone(page.pix)
        defer { pixDestroy(&source) }
        guard let gray = source, let scaled = pixScale(gray, factor, factor), let enlarged = PageImage(taking: scaled)
        else { return page }
        return enlarged
    }

    /// Median height in pixels of the page's glyph-like connected components: the dark
    /// shapes no more than three times as wide as tall, 4 to 300 px high.
    static func medianGlyphHeight(_ page: PageImage) -> Int32? {
        var binary = pixGetDepth(page.pix) == 1 ? pixClone(page.pix) : pixConvertTo1(page.pix, 128)
        defer { pixDestroy(&binary) }
        guard let bits = binary, let boxes = pixConnCompBB(bits, 8) else { return nil }
        defer {
            var owned: UnsafeMutablePointer<BOXA>? = boxes
            boxaDestroy(&owned)
        }
        var heights: [Int32] = []
        for index in 0..<boxaGetCount(boxes) {
            var width: Int32 = 0
            var height: Int32 = 0
            guard boxaGetBoxGeometry(boxes, index, nil, nil, &width, &height) == 0 else { continue }
            if height >= 4, height <= 300, width <= 3 * height { heights.append(height) }
        }
        guard heights.count >= fewestGlyphs else { return nil }
        heights.sort()
        return heights[heights.count / 2]
    }
}
