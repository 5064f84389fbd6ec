import Foundation

/// What an image file's headers declare, read from its bytes without decoding a pixel, for
/// the formats whose decoders allocate more than the page they return: Leptonica reads a
/// GIF or BMP "header" by decoding the whole image, giflib decodes every frame of a GIF
/// although one is used, and libjpeg keeps every coefficient of a progressive or
/// multi-scan JPEG in memory whatever the scale it decodes at.
struct ImageHeader: Equatable {
    /// The size of the page the decoder returns.
    var width: Int
    var height: Int
    /// Pixels the decoder holds at once while it decodes the page.
    var decodedPixels: Int
    /// JPEG: libjpeg buffers the whole image's coefficients (progressive or multi-scan).
    var buffersWholeImage = false

    /// The header of the GIF, BMP or JPEG at `path`; nil when it cannot be read (or
    /// for other formats).
    static func read(path: String, format: DocumentFormat) -> ImageHeader? {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return nil }
        return read(data, format: format)
    }

    /// The header of the GIF, BMP or JPEG in `data`; nil when it cannot be read (or for other
    /// formats).
    static func read(_ data: Data, format: DocumentFormat) -> ImageHeader? {
        switch format {
        case .gif: return gif(data)
        case .bmp: return bmp(data)
        case .jpeg: return jpeg(data)
        default: return nil
        }
    }

    /// GIF: the first frame is the page; every frame is decoded (its descriptor's size, not
    /// the logical screen's).
    static func gif(_ bytes: Data) -> ImageHeader? {
        var reader = ByteReader(bytes)
        guard reader.skip(6), let _ = reader.u16le(), let _ = reader.u16le(), let flags = reader.u8(), reader.skip(2)
        else { return nil }
        if flags & 0x80 != 0, !reader.skip(3 << (Int(flags & 7) + 1)) { return nil }
        var first: (Int, Int)?
        var pixels = 0
        loop: while let block = reader.u8() {
            switch block {
            case 0x2C:
                guard reader.skip(4), let width = reader.u16le(), let height = reader.u16le(), let local = reader.u8()
                else { break loop }
                // giflib allocates a frame before reading its data, so a truncated frame counts.
                pixels += width * height
                if first == nil { first = (width, height) }
                if local & 0x80 != 0, !reader.skip(3 << (Int(local & 7) + 1)) { break loop }
                guard reader.skip(1), reader.skipSubBlocks() else { break loop }
            case 0x21:
                guard reader.skip(1), reader.skipSubBlocks() else { break loop }
            default:
                break loop
            }
        }
        guard let (width, height) = first else { return nil }
        return ImageHeader(width: width, height: height, decodedPixels: pixels)
    }

    /// BMP: the info header's width and height (negative height: rows top down).
    static func bmp(_ bytes: Data) -> ImageHeader? {
        var reader = ByteReader(bytes)
        guard reader.skip(14), let size = reader.u32le() else { return nil }
        let width: Int
        let height: Int
        if size == 12 {
            guard let w = reader.u16le(), let h = reader.u16le() else { return nil }
            (width, height) = (w, h)
        } else {
            guard let w = reader.u32le(), let h = reader.u32le() else { return nil }
            (width, height) = (abs(Int(Int32(bitPattern: w))), abs(Int(Int32(bitPattern: h))))
        }
        return ImageHeader(width: width, height: height, decodedPixels: width * height)
    }

    /// JPEG: the frame header's size, and whether the first scan leaves components or
    /// coefficients for later scans.
    static func jpeg(_ bytes: Data) -> ImageHeader? {
        var reader = ByteReader(bytes)
        guard reader.u8() == 0xFF, reader.u8() == 0xD8 else { return nil }
        var frame: (width: Int, height: Int, components: Int, progressive: Bool)?
        while true {
            // libjpeg skips stray bytes between segments too.
            var byte = reader.u8()
            while let value = byte, value != 0xFF { byte = reader.u8() }
            var marker = reader.u8()
            while marker == 0xFF { marker = reader.u8() }
            guard let marker else { return nil }
            if marker == 0x01 || (0xD0...0xD7).contains(marker) { continue }
            guard let length = reader.u16be(), length >= 2 else { return nil }
            let isFrame = (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker)
            if isFrame, frame == nil {
                guard reader.skip(1), let height = reader.u16be(), let width = reader.u16be(),
                    let components = reader.u8(), reader.skip(length - 8)
                else { return nil }
                frame = (width, height, Int(components), [0xC2, 0xC6, 0xCA, 0xCE].contains(marker))
            } else if marker == 0xDA, let frame {
                guard let scanComponents = reader.u8() else { return nil }
                let multiScan = frame.progressive || Int(scanComponents) < frame.components
                return ImageHeader(
                    width: frame.width,
                    height: frame.height,
                    decodedPixels: frame.width * frame.height,
                    buffersWholeImage: multiScan
                )
            } else if marker == 0xD9 || marker == 0xDA {
                return nil
            } else if !reader.skip(length - 2) {
                return nil
            }
        }
    }
}

/// Reads integers from bytes, nil past their end.
private struct ByteReader {
    let bytes: Data
    var offset: Int

    init(_ bytes: Data) {
        self.bytes = bytes
        offset = bytes.startIndex
    }

    mutating func u8() -> UInt8? {
        guard offset < bytes.endIndex else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16le() -> Int? {
        guard let low = u8(), let high = u8() else { return nil }
        return Int(low) | Int(high) << 8
    }

    mutating func u16be() -> Int? {
        guard let high = u8(), let low = u8() else { return nil }
        return Int(high) << 8 | Int(low)
    }

    mutating func u32le() -> UInt32? {
        guard let low = u16le(), let high = u16le() else { return nil }
        return UInt32(low) | UInt32(high) << 16
    }

    mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, count <= bytes.endIndex - offset else { return false }
        offset += count
        return true
    }

    /// GIF data sub-blocks up to their zero-length terminator.
    mutating func skipSubBlocks() -> Bool {
        while let length = u8() {
            if length == 0 { return true }
            guard skip(Int(length)) else { return false }
        }
        return false
    }
}
