import CTesseract
import Glibc
import OCRFleetModel

/// A page bitmap as bytes, to pass between processes: Leptonica's uncompressed "spix" form
/// (a 28-byte header, then the raster as it lies in memory), which costs a copy, not an
/// encoding.
extension PageImage {
    /// The bitmap's bytes; nil when Leptonica cannot write them.
    public func serialized() -> [UInt8]? {
        var data: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        guard pixWriteMemSpix(&data, &size, pix) == 0, let data else { return nil }
        defer { lept_free(data) }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// A bitmap from `serialized()`'s bytes. The bytes come from another process that read a
    /// hostile file, so their header is checked against their size and `maxPixels` before
    /// Leptonica reads them: nil unless they are exactly one uncompressed page of 1, 8 or 32
    /// bits per pixel without a colour map. `resolution` is the page's pixels per inch, which
    /// the bytes do not carry.
    public convenience init?(serialized bytes: [UInt8], resolution: Int, maxPixels: Int) {
        guard bytes.count >= Self.spixHeaderSize, bytes.prefix(4).elementsEqual("spix".utf8) else { return nil }
        func field(_ index: Int) -> Int {
            let offset = 4 + 4 * index
            let value =
                UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
                | UInt32(bytes[offset + 3]) << 24
            return Int(Int32(bitPattern: value))
        }
        let (width, height, depth, wordsPerLine, colors, rasterBytes) = (field(0), field(1), field(2), field(3), field(4), field(5))
        guard width > 0, height > 0, [1, 8, 32].contains(depth), colors == 0,
            width <= maxPixels / height,
            wordsPerLine == (width * depth + 31) / 32,
            rasterBytes == 4 * wordsPerLine * height,
            bytes.count == Self.spixHeaderSize + rasterBytes
        else { return nil }
        let pix = bytes.withUnsafeBufferPointer { buffer in pixReadMemSpix(buffer.baseAddress, buffer.count) }
        guard let pix else { return nil }
        pixSetResolution(pix, Int32(clamping: resolution), Int32(clamping: resolution))
        self.init(taking: pix)
    }

    /// "spix", width, height, depth, words per line, colour count, raster size: 32-bit each.
    static let spixHeaderSize = 28
}
