import CPNG
import CTesseract
import Foundation
import OCRFleetModel

/// A raster image file decoded by Leptonica. Multi-page TIFFs have one page per image
/// directory; every other format has one page.
///
/// A PNG or JPEG over the page pixel limit, or bigger than the engine wants (over twice its
/// DPI as the file records it, or twice the side it views), is decoded shrunk as it is read,
/// so a 300-megapixel scan costs the memory of the bitmap the engine gets, not of the scan: PNG rows are averaged in blocks as they arrive (`CPNG`), JPEG is
/// decoded at 1/2, 1/4 or 1/8 by libjpeg's own scaling.
///
/// Nothing is decoded before its declared size is checked: every TIFF page from its own
/// directory, every GIF frame (giflib decodes them all), BMP and GIF from headers read here
/// (Leptonica's header reader decodes them), and a progressive or multi-scan JPEG, whose
/// coefficients libjpeg keeps whole at any scale, only within the limit.
public struct ImageDocument: Sendable {
    public let path: String
    public let format: DocumentFormat
    public let pageCount: Int
    /// Pixel size from the header (the first page's for a TIFF).
    public let width: Int
    public let height: Int
    /// Pixels per inch the file records (PNG, JPEG; 0 when it does not).
    public let resolution: Int
    /// A progressive or multi-scan JPEG: libjpeg holds all of its coefficients whatever the
    /// scale it decodes at, so it is decoded shrunk only when it is within the limit whole.
    let buffersWholeImage: Bool

    /// Reads the header only: the pixel count is checked before anything is decoded.
    public init(path: String, format: DocumentFormat, maxPixels: Int) throws(OCRError) {
        self.path = path
        self.format = format
        let name = format.rawValue.uppercased()
        // Leptonica reads a GIF's or BMP's header by decoding it, and its JPEG header does not
        // say how libjpeg will buffer it: those three are read here.
        let header = ImageHeader.read(path: path, format: format)
        if format == .gif || format == .bmp {
            guard let header else { throw OCRError(.corruptDocument, "the \(name) image cannot be decoded") }
            (width, height) = (header.width, header.height)
        } else {
            var fileFormat: Int32 = 0
            var width: Int32 = 0
            var height: Int32 = 0
            var bps: Int32 = 0
            var spp: Int32 = 0
            var colormapped: Int32 = 0
            guard pixReadHeader(path, &fileFormat, &width, &height, &bps, &spp, &colormapped) == 0 else {
                throw OCRError(.corruptDocument, "the \(name) image cannot be decoded")
            }
            (self.width, self.height) = (Int(width), Int(height))
        }
        resolution = Self.recordedResolution(path: path, format: format)
        // A JPEG whose scans cannot be told apart is taken to buffer everything.
        buffersWholeImage = format == .jpeg && header?.buffersWholeImage != false
        if let header, header.decodedPixels > maxPixels, header.decodedPixels > header.width * header.height {
            throw OCRError(
                .sourceTooLarge,
                "the \(name)'s frames are \(header.decodedPixels) pixels in all, all decoded, over the \(maxPixels)-pixel limit"
            )
        }
        if Self.shrinkFactor(
            format: format,
            width: width,
            height: height,
            maxPixels: maxPixels,
            wanted: 1,
            buffersWholeImage: buffersWholeImage
        ) == nil {
            throw OCRError(.sourceTooLarge, "the image is \(width)×\(height) pixels, over the \(maxPixels)-pixel limit")
        }
        if format == .tiff {
            guard let file = fopen(path, "rb") else { throw OCRError(.internal, "cannot open the image") }
            defer { fclose(file) }
            var count: Int32 = 0
            guard tiffGetCount(file, &count) == 0, count > 0 else {
                throw OCRError(.corruptDocument, "the TIFF has no readable pages")
            }
            pageCount = Int(count)
        } else {
            pageCount = 1
        }
    }

    /// How much to shrink an image while decoding it: 1 for formats decoded whole (refused
    /// over `maxPixels`), else `wanted` (what the engine would do without) or the least factor
    /// that brings it under `maxPixels`, whichever is larger; JPEG only shrinks by 2, 4 or 8.
    /// nil: it cannot be brought under the limit.
    static func shrinkFactor(
        format: DocumentFormat,
        width: Int,
        height: Int,
        maxPixels: Int,
        wanted: Int,
        buffersWholeImage: Bool = false
    ) -> Int? {
        let source = buffersWholeImage ? maxPixels : DocumentLimits.maxSourcePixels(pagePixels: maxPixels)
        if width * height > source { return nil }
        let fits = { (factor: Int) in ((width + factor - 1) / factor) * ((height + factor - 1) / factor) <= maxPixels }
        switch format {
        case .png:
            var least = 1
            while !fits(least) { least += 1 }
            return max(least, wanted)
        case .jpeg:
            guard let least = [1, 2, 4, 8].first(where: fits) else { return nil }
            return max(least, [1, 2, 4, 8].last(where: { $0 <= wanted }) ?? 1)
        default:
            return fits(1) ? 1 : nil
        }
    }

    /// The factor that leaves the image no smaller than `target` (its DPI, as the file records
    /// it, or its longest side).
    func wantedFactor(for target: RenderTarget?) -> Int {
        switch target {
        case .dpi(let dpi) where resolution > 0 && dpi > 0: max(1, Int(Double(resolution) / dpi))
        case .longestSide(let side) where side > 0: max(1, max(width, height) / side)
        default: 1
        }
    }

    /// The resolution in a PNG's or JPEG's header, 0 if none.
    private static func recordedResolution(path: String, format: DocumentFormat) -> Int {
        guard format == .png || format == .jpeg, let file = fopen(path, "rb") else { return 0 }
        defer { fclose(file) }
        var x: Int32 = 0
        var y: Int32 = 0
        let status = format == .png ? fgetPngResolution(file, &x, &y) : fgetJpegResolution(file, &x, &y)
        return status == 0 && x > 0 && x == y ? Int(x) : 0
    }

    /// Decodes page `index` (0-based), shrunk as it is read towards `target` (never below it)
    /// and under `maxPixels`.
    public func render(page index: Int, maxPixels: Int, target: RenderTarget? = nil) throws(OCRError) -> PageImage {
        let wanted = wantedFactor(for: target)
        let factor =
            format == .tiff
            ? 1
            : Self.shrinkFactor(
                format: format,
                width: width,
                height: height,
                maxPixels: maxPixels,
                wanted: wanted,
                buffersWholeImage: buffersWholeImage
            ) ?? 1
        if format == .tiff { try checkTIFFPage(index, maxPixels: maxPixels) }
        let decoded: UnsafeMutablePointer<PIX>?
        switch (format, factor) {
        case (.tiff, _): decoded = pixReadTiff(path, Int32(index))
        case (_, 1): decoded = pixRead(path)
        case (.jpeg, _): decoded = pixReadJpeg(path, 0, Int32(factor), nil, 0)
        default:
            var shrunk: UnsafeMutablePointer<PIX>?
            switch ocr_png_read_reduced(path, Int32(factor), &shrunk) {
            case 0: decoded = shrunk
            case 2 where width * height <= maxPixels: decoded = pixRead(path)
            case 2: throw OCRError(.sourceTooLarge, "the PNG is interlaced and over the \(maxPixels)-pixel limit")
            default: decoded = nil
            }
        }
        guard let decoded else {
            throw OCRError(.corruptDocument, "page \(index + 1) of the \(format.rawValue.uppercased()) cannot be decoded")
        }
        if factor > 1 && resolution > 0 { pixSetResolution(decoded, Int32(resolution / factor), Int32(resolution / factor)) }
        if Int(pixGetWidth(decoded)) * Int(pixGetHeight(decoded)) > maxPixels {
            var owned: UnsafeMutablePointer<PIX>? = decoded
            pixDestroy(&owned)
            throw OCRError(.sourceTooLarge, "page \(index + 1) is over the \(maxPixels)-pixel limit")
        }
        guard let image = PageImage(taking: decoded) else {
            throw OCRError(.corruptDocument, "page \(index + 1) has a pixel format that cannot be converted")
        }
        return image
    }

    /// A TIFF's pages have sizes of their own: each is checked before it is decoded.
    private func checkTIFFPage(_ index: Int, maxPixels: Int) throws(OCRError) {
        var width: Int32 = 0
        var height: Int32 = 0
        var bps: Int32 = 0
        var spp: Int32 = 0
        var resolution: Int32 = 0
        var colormapped: Int32 = 0
        var compression: Int32 = 0
        guard
            readHeaderTiff(path, Int32(index), &width, &height, &bps, &spp, &resolution, &colormapped, &compression) == 0
        else {
            throw OCRError(.corruptDocument, "page \(index + 1) of the TIFF cannot be decoded")
        }
        if Int(width) * Int(height) > maxPixels {
            throw OCRError(
                .sourceTooLarge,
                "page \(index + 1) of the TIFF is \(width)×\(height) pixels, over the \(maxPixels)-pixel limit"
            )
        }
    }
}
