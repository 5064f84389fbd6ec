import CTesseract
import Foundation
import OCRFleetModel

/// A raster image file decoded by Leptonica. Multi-page TIFFs have one page per image
/// directory; every other format has one page.
public struct ImageDocument: Sendable {
    public let path: String
    public let format: DocumentFormat
    public let pageCount: Int

    /// Reads the header only: the pixel count is checked before anything is decoded.
    public init(path: String, format: DocumentFormat, maxPixels: Int) throws(OCRError) {
        self.path = path
        self.format = format
        var fileFormat: Int32 = 0
        var width: Int32 = 0
        var height: Int32 = 0
        var bps: Int32 = 0
        var spp: Int32 = 0
        var colormapped: Int32 = 0
        guard pixReadHeader(path, &fileFormat, &width, &height, &bps, &spp, &colormapped) == 0 else {
            throw OCRError(.corruptDocument, "the \(format.rawValue.uppercased()) image cannot be decoded")
        }
        if Int(width) * Int(height) > maxPixels {
            throw OCRError(
                .sourceTooLarge, "the image is \(width)×\(height) pixels, over the \(maxPixels)-pixel limit")
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

    /// Decodes page `index` (0-based).
    public func render(page index: Int, maxPixels: Int) throws(OCRError) -> PageImage {
        let decoded: UnsafeMutablePointer<PIX>? = format == .tiff ? pixReadTiff(path, Int32(index)) : pixRead(path)
        guard let decoded else {
            throw OCRError(.corruptDocument, "page \(index + 1) of the \(format.rawValue.uppercased()) cannot be decoded")
        }
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
}
