import OCRFleetModel

/// Office formats, told apart by what their container holds.
public enum OfficeFormat: String, Sendable, CaseIterable {
    case docx, pptx, xlsx, odt, odp, ods, doc, xls, ppt, rtf

    /// The OOXML or OpenDocument format of the zip archive at `path`; nil for any other zip.
    public static func identify(zipAt path: String, limits: ZipLimits) throws(OCRError) -> OfficeFormat? {
        let archive = try ZipArchive(path: path, limits: limits)
        if archive.contains("word/document.xml") { return .docx }
        if archive.contains("ppt/presentation.xml") { return .pptx }
        if archive.contains("xl/workbook.xml") { return .xlsx }
        // OpenDocument names its type in a `mimetype` entry.
        switch try archive.read("mimetype").map({ String(decoding: $0, as: UTF8.self) }) {
        case "application/vnd.oasis.opendocument.text": return .odt
        case "application/vnd.oasis.opendocument.presentation": return .odp
        case "application/vnd.oasis.opendocument.spreadsheet": return .ods
        default: return nil
        }
    }

    /// Word, Excel or PowerPoint 97–2003 from the stream names in an OLE2 compound file (UTF-16
    /// in its directory); `encrypted_document` for a password-protected OOXML file, which
    /// Office stores as an OLE2 file with an `EncryptedPackage` stream.
    public static func identify(compoundFile bytes: [UInt8]) throws(OCRError) -> OfficeFormat? {
        func has(_ name: String) -> Bool {
            let utf16: [UInt8] = name.utf8.flatMap { [$0, 0] }
            let last = bytes.count - utf16.count
            guard last >= 0 else { return false }
            for start in 0...last where bytes[start] == utf16[0] {
                if bytes[start..<start + utf16.count].elementsEqual(utf16) { return true }
            }
            return false
        }
        if has("EncryptedPackage") {
            throw OCRError(.encryptedDocument, "the office document is password-protected")
        }
        if has("WordDocument") { return .doc }
        if has("Workbook") || has("Book") { return .xls }
        if has("PowerPoint Document") { return .ppt }
        return nil
    }
}
