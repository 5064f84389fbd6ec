import Foundation
import OCRFleetModel
import OCRFleetOffice

/// Formats the worker accepts, told apart by their bytes (and an archive's or compound
/// file's contents), never by file name.
public enum DocumentFormat: String, Sendable, CaseIterable {
    case pdf, png, jpeg, tiff, bmp, gif, webp, pnm
    case docx, pptx, xlsx, odt, odp, ods, doc, xls, ppt, rtf

    public var isImage: Bool { [.png, .jpeg, .tiff, .bmp, .gif, .webp, .pnm].contains(self) }

    /// The office format, for office documents.
    public var office: OfficeFormat? { OfficeFormat(rawValue: rawValue) }

    static let zipSignature: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
    static let compoundFileSignature: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
    /// How much of an OLE2 file is searched for its stream names.
    static let compoundFileScan = 16 << 20

    /// Identifies a document from its leading bytes (16 are enough).
    public static func detect(_ header: some Collection<UInt8>) -> DocumentFormat? {
        let bytes = Array(header.prefix(16))
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && Array(bytes[offset..<(offset + prefix.count)]) == prefix
        }
        if starts(Array("%PDF-".utf8)) { return .pdf }
        if starts(Array("{\\rtf".utf8)) { return .rtf }
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
    public static func detect(
        fileAt path: String,
        zipLimits: ZipLimits = ZipLimits()
    ) throws(OCRError)
        -> DocumentFormat
    {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw OCRError(.internal, "cannot open the downloaded document")
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 1024)) ?? Data()
        if let format = detect(head) { return format }
        if head.starts(with: zipSignature) {
            guard let office = try OfficeFormat.identify(zipAt: path, limits: zipLimits) else {
                throw OCRError(.unsupportedFormat, "the document is a zip archive, not an office document")
            }
            return DocumentFormat(rawValue: office.rawValue)!
        }
        if head.starts(with: compoundFileSignature) {
            try? handle.seek(toOffset: 0)
            let bytes = [UInt8]((try? handle.read(upToCount: compoundFileScan)) ?? Data())
            guard let office = try OfficeFormat.identify(compoundFile: bytes) else {
                throw OCRError(.unsupportedFormat, "the document is an OLE2 file but not Word, Excel or PowerPoint")
            }
            return DocumentFormat(rawValue: office.rawValue)!
        }
        if let range = head.range(of: Data("%PDF-".utf8)), range.lowerBound < 1024 { return .pdf }
        if head.isEmpty { throw OCRError(.unsupportedFormat, "the document is empty") }
        throw OCRError(
            .unsupportedFormat,
            "the document's first bytes match no supported format (PDF, PNG, JPEG, TIFF, BMP, GIF, WebP, PNM, "
                + "DOCX, PPTX, XLSX, ODT, ODP, ODS, DOC, XLS, PPT, RTF)"
        )
    }
}
