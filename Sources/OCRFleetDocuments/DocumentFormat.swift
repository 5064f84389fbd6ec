import Foundation
import OCRFleetModel

/// Formats the worker accepts, told apart by their first bytes, never by file name.
public enum DocumentFormat: String, Sendable, CaseIterable {
    case pdf, png, jpeg, tiff, bmp, gif, webp, pnm

    public var isImage: Bool { self != .pdf }

    /// Identifies a document from its leading bytes (16 are enough).
    public static func detect(_ header: some Collection<UInt8>) -> DocumentFormat? {
        let bytes = Array(header.prefix(16))
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && Array(bytes[offset..<(offset + prefix.count)]) == prefix
        }
        if starts(Array("%PDF-".utf8)) { return .pdf }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return .gif }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return .webp }
        if starts(Array("BM".utf8)), bytes.count >= 14 { return .bmp }
        if bytes.count >= 3, bytes[0] == UInt8(ascii: "P"), (UInt8(ascii: "1")...UInt8(ascii: "6")).contains(bytes[1]),
            [0x20, 0x09, 0x0A, 0x0D].contains(bytes[2])
        {
            return .pnm
        }
        // A PDF may have junk before its header; readers accept it within the first 1 KiB.
        return nil
    }

    /// Reads the start of a file and identifies it; `unsupported_format` when nothing matches.
    public static func detect(fileAt path: String) throws(OCRError) -> DocumentFormat {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw OCRError(.internal, "cannot open the downloaded document")
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 1024)) ?? Data()
        if let format = detect(head) { return format }
        if let range = head.range(of: Data("%PDF-".utf8)), range.lowerBound < 1024 { return .pdf }
        if head.isEmpty { throw OCRError(.unsupportedFormat, "the document is empty") }
        throw OCRError(
            .unsupportedFormat,
            "the document's first bytes match no supported format (PDF, PNG, JPEG, TIFF, BMP, GIF, WebP, PNM)")
    }
}
