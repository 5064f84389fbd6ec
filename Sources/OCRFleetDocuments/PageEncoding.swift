import CPNG
import CTesseract
import Foundation
import Glibc
import OCRFleetModel

/// How a page bitmap is compressed for sending over the network.
public enum ImageEncoding: Sendable, Equatable {
    /// Lossless; `level` is zlib's 0-9 (1 is several times faster than the default 6 and
    /// barely larger on scanned or rendered text). Rows are not filtered: letting libpng try
    /// every filter on every row costs more than rendering the page, and on text pages no
    /// filter compresses best anyway (docs/engines.md).
    case png(level: Int)
    /// Lossy, smaller and faster to encode; `quality` 1-100.
    case jpeg(quality: Int)

    public var mediaType: String {
        switch self {
        case .png: "image/png"
        case .jpeg: "image/jpeg"
        }
    }
}

/// A page as compressed image bytes, with the size of the bitmap they decode to.
public struct EncodedPage: Sendable {
    public var bytes: [UInt8]
    public var mediaType: String
    public var width: Int
    public var height: Int
}

extension PageImage {
    /// Compresses the page, first scaling it down (never up) so its longest side is at
    /// most `longestSide` pixels. Bilevel pages are scaled to gray so thin strokes survive.
    public func encoded(as encoding: ImageEncoding, longestSide: Int? = nil) throws(OCRError) -> EncodedPage {
        var scaled: UnsafeMutablePointer<PIX>? = nil
        defer { if scaled != nil { pixDestroy(&scaled) } }
        let longest = max(width, height)
        if let longestSide, longest > longestSide, longest > 0 {
            let factor = Float(longestSide) / Float(longest)
            scaled = pixGetDepth(pix) == 1 ? pixScaleToGray(pix, factor) : pixScale(pix, factor, factor)
            guard scaled != nil else { throw OCRError(.internal, "cannot scale the page bitmap") }
        }
        let source = scaled ?? pix
        var data: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        switch encoding {
        case .png(let level) where pixGetDepth(source) != 1:
            guard ocr_png_write(source, Int32(level), 0, &data, &size) == 0, let data else {
                throw OCRError(.internal, "cannot encode the page bitmap")
            }
            defer { free(data) }
            return EncodedPage(data, size, encoding, source)
        case .png:
            // Bilevel pages are small as 1-bit PNGs whatever the filter.
            guard pixWriteMemPng(&data, &size, source, 0) == 0, let data else {
                throw OCRError(.internal, "cannot encode the page bitmap")
            }
            defer { lept_free(data) }
            return EncodedPage(data, size, encoding, source)
        case .jpeg(let quality):
            guard pixWriteMemJpeg(&data, &size, source, Int32(min(max(quality, 1), 100)), 0) == 0, let data else {
                throw OCRError(.internal, "cannot encode the page bitmap")
            }
            defer { lept_free(data) }
            return EncodedPage(data, size, encoding, source)
        }
    }

    /// Decodes an image file held in memory (PNG, JPEG, TIFF, ...); nil if it is not one, or
    /// if decoding it would hold more than `maxPixels` (every frame of a GIF counts).
    public convenience init?(decoding bytes: [UInt8], maxPixels: Int = 120_000_000) {
        guard let pixels = EncodedPage.decodedPixels(of: bytes), pixels <= maxPixels else { return nil }
        let decoded = bytes.withUnsafeBufferPointer { buffer -> UnsafeMutablePointer<PIX>? in
            guard let base = buffer.baseAddress, buffer.count > 0 else { return nil }
            return pixReadMem(base, buffer.count)
        }
        guard let decoded else { return nil }
        self.init(taking: decoded)
    }
}

extension EncodedPage {
    fileprivate init(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ encoding: ImageEncoding, _ pix: UnsafeMutablePointer<PIX>) {
        self.init(
            bytes: Array(UnsafeBufferPointer(start: data, count: size)),
            mediaType: encoding.mediaType,
            width: Int(pixGetWidth(pix)),
            height: Int(pixGetHeight(pix))
        )
    }

    /// Width and height of an image file held in memory, read from its header only; nil if
    /// it is not an image Leptonica knows.
    public static func dimensions(of bytes: [UInt8]) -> (width: Int, height: Int)? {
        // Leptonica reads a GIF's or BMP's header by decoding the whole image.
        if let format = DocumentFormat.detect(bytes), format == .gif || format == .bmp {
            return ImageHeader.read(Data(bytes), format: format).map { ($0.width, $0.height) }
        }
        return bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, buffer.count > 0 else { return nil }
            var format: Int32 = 0
            var width: Int32 = 0
            var height: Int32 = 0
            guard pixReadHeaderMem(base, buffer.count, &format, &width, &height, nil, nil, nil) == 0 else { return nil }
            return (Int(width), Int(height))
        }
    }

    /// Pixels that decoding an image file held in memory holds at once, from its headers: its
    /// size, or every frame of a GIF; nil if it is not an image Leptonica knows.
    static func decodedPixels(of bytes: [UInt8]) -> Int? {
        if let format = DocumentFormat.detect(bytes), format == .gif {
            return ImageHeader.read(Data(bytes), format: format)?.decodedPixels
        }
        return dimensions(of: bytes).map { $0.width * $0.height }
    }
}
