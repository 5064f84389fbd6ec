import Foundation
import OCRFleetDocuments
import OCRFleetModel
import OCRFleetOffice

/// libFuzzer over what the worker does with a downloaded file: format detection (zip and
/// OLE2 containers looked into), then, within small limits, opening, rendering and encoding
/// the first pages of PDFs and images, reading PDF text layers into markdown, and reading
/// DOCX, PPTX and XLSX from their XML. Any crash or sanitizer report is a bug; errors with
/// contract codes are the expected outcome for garbage. Built and run by `scripts/fuzz.sh`,
/// not by the tests. (Formats LibreOffice converts are left out: it runs out of process.)
func fuzzOne(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    let path = NSTemporaryDirectory() + "ocrfleet-fuzz-\(getpid())"
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes: start, count: count))
    let limits = DocumentLimits(maxPages: 20, maxPagePixels: 4_000_000, zip: ZipLimits(maxEntries: 1000, maxBytes: 16 << 20))
    guard let format = try? DocumentFormat.detect(fileAt: path, zipLimits: limits.zip) else { return 0 }
    switch format {
    case .docx, .pptx, .xlsx:
        guard let archive = try? ZipArchive(path: path, limits: limits.zip) else { return 0 }
        switch format {
        case .docx: _ = try? WordDocument(archive: archive).content(images: true)
        case .pptx: _ = try? PresentationDocument(archive: archive).content(images: true)
        default: _ = try? WorkbookDocument(archive: archive).content()
        }
    case _ where format == .pdf || format.isImage:
        guard let document = try? PagedDocument.open(path: path, format: format, password: nil, limits: limits) else {
            return 0
        }
        for index in 0..<min(document.pageCount, 3) {
            if case .pdf(let pdf) = document, let text = try? pdf.text(page: index, includeInvisible: true) {
                _ = TextLayerMarkdown(text).markdown
            }
            if let page = try? document.render(page: index, target: .longestSide(256), gray: true, limits: limits) {
                _ = try? page.encoded(as: .png(level: 1), longestSide: 128)
            }
        }
    default:
        break
    }
    return 0
}

// SwiftPM links an executable's entry point under the name `<module>_main`. In a fuzzing
// build (`-D FUZZING`, by scripts/fuzz.sh) it hands control to libFuzzer's driver; in an
// ordinary build, which has no libFuzzer, it says how to build it.
#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_cdecl("ocrfleet_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return runFuzzerDriver(&count, &arguments) { fuzzOne($0, $1) }
}
#else
@_cdecl("ocrfleet_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FileHandle.standardError.write(Data("ocrfleet-fuzz is built for fuzzing by scripts/fuzz.sh\n".utf8))
    return 2
}
#endif
