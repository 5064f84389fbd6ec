import CTesseract
import Foundation
import OCRFleetDocuments
import OCRFleetEngines
import OCRFleetModel
import OCRFleetTesting
import Testing

@Suite struct FormatDetectionTests {
    @Test(arguments: [
        ("report-3p.pdf", DocumentFormat.pdf), ("invoice.png", .png), ("delivery.jpg", .jpeg), ("pages-3p.tif", .tiff),
    ])
    func detectsFixturesByTheirBytes(name: String, format: DocumentFormat) throws {
        #expect(try DocumentFormat.detect(fileAt: Fixtures.path(name)) == format)
    }

    @Test func ignoresTheFileName() throws {
        let copy = NSTemporaryDirectory() + "looks-like-a.pdf"
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: Fixtures.path("invoice.png"), toPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        #expect(try DocumentFormat.detect(fileAt: copy) == .png)
    }

    @Test func recognisesEveryImageSignature() {
        #expect(DocumentFormat.detect(Array("GIF89a....".utf8)) == .gif)
        #expect(DocumentFormat.detect(Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8)) == .webp)
        #expect(DocumentFormat.detect(Array("BM".utf8) + [UInt8](repeating: 0, count: 14)) == .bmp)
        #expect(DocumentFormat.detect(Array("P5\n640 480\n255\n".utf8)) == .pnm)
        #expect(DocumentFormat.detect([0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8]) == .tiff)
        #expect(DocumentFormat.detect(Array("PK\u{3}\u{4}".utf8)) == nil)
    }

    @Test func plainTextIsUnsupported() {
        #expect {
            try DocumentFormat.detect(fileAt: Fixtures.path("not-a-document.txt"))
        } throws: { ($0 as? OCRError)?.code == .unsupportedFormat }
    }
}

@Suite struct PagedDocumentTests {
    let limits = DocumentLimits()

    @Test func rendersPDFPagesAtTheRequestedResolution() throws {
        let (format, document) = try PagedDocument.open(path: Fixtures.path("report-3p.pdf"), password: nil, limits: limits)
        #expect(format == .pdf)
        #expect(document.pageCount == 3)
        let page = try document.render(page: 2, dpi: 150, limits: limits)
        // US Letter is 8.5 × 11 in.
        #expect(page.width == 1275 && page.height == 1650 && page.resolution == 150)
    }

    @Test func lowersTheResolutionOfOversizedPages() throws {
        let small = DocumentLimits(maxPages: 10, maxPagePixels: 1_000_000)
        let (_, document) = try PagedDocument.open(path: Fixtures.path("report-3p.pdf"), password: nil, limits: small)
        let page = try document.render(page: 0, dpi: 600, limits: small)
        #expect(page.width * page.height <= 1_000_000)
        #expect(page.width > 800)
    }

    @Test func aScannedPageIsReadFromItsOwnPixelsAndRenderedAtOtherResolutions() throws {
        var scan = pixConvertRGBToLuminance(pixRead(Fixtures.path("invoice.png")))
        defer { pixDestroy(&scan) }
        let path = NSTemporaryDirectory() + "scan-300dpi.pdf"
        try Self.imagePDF(gray: scan!, dpi: 300).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (_, document) = try PagedDocument.open(path: path, password: nil, limits: limits)

        let page = try document.render(page: 0, dpi: 300, limits: limits)
        var same: Int32 = 0
        pixEqual(page.pix, scan, &same)
        #expect(same == 1 && page.resolution == 300)
        let finer = try document.render(page: 0, dpi: 600, limits: limits)
        #expect(finer.width == 3400 && finer.height == 4400 && finer.resolution == 600)
    }

    /// A one-page PDF whose page is `gray` (8 bpp) at `dpi`, stored uncompressed.
    static func imagePDF(gray pix: UnsafeMutablePointer<PIX>, dpi: Int) -> Data {
        var pnm: UnsafeMutablePointer<UInt8>?
        var size = 0
        pixWriteMemPnm(&pnm, &size, pix)
        defer { free(pnm) }
        let (width, height) = (Int(pixGetWidth(pix)), Int(pixGetHeight(pix)))
        let pixels = Data(UnsafeBufferPointer(start: pnm, count: size).suffix(width * height))
        let (points, content) = ((width * 72 / dpi, height * 72 / dpi), "q \(width * 72 / dpi) 0 0 \(height * 72 / dpi) 0 0 cm /Im0 Do Q")
        let objects: [Data] = [
            Data("<< /Type /Catalog /Pages 2 0 R >>".utf8),
            Data("<< /Type /Pages /Kids [3 0 R] /Count 1 >>".utf8),
            Data(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 \(points.0) \(points.1)] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>"
                    .utf8
            ),
            Data(
                "<< /Type /XObject /Subtype /Image /Width \(width) /Height \(height) /ColorSpace /DeviceGray /BitsPerComponent 8 /Length \(pixels.count) >>\nstream\n"
                    .utf8
            ) + pixels + Data("\nendstream".utf8),
            Data("<< /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream".utf8),
        ]
        var pdf = Data("%PDF-1.4\n".utf8)
        var offsets: [Int] = []
        for (number, body) in objects.enumerated() {
            offsets.append(pdf.count)
            pdf += Data("\(number + 1) 0 obj\n".utf8) + body + Data("\nendobj\n".utf8)
        }
        let xref = pdf.count
        pdf += Data("xref\n0 \(objects.count + 1)\n0000000000 65535 f \n".utf8)
        for offset in offsets { pdf += Data(String(format: "%010d 00000 n \n", offset).utf8) }
        pdf += Data("trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n".utf8)
        return pdf
    }

    @Test func readsEveryPageOfAMultiPageTIFF() throws {
        let (format, document) = try PagedDocument.open(path: Fixtures.path("pages-3p.tif"), password: nil, limits: limits)
        #expect(format == .tiff && document.pageCount == 3)
        for index in 0..<3 {
            let page = try document.render(page: index, dpi: 300, limits: limits)
            #expect(page.width == 1700 && page.height == 2200)
        }
    }

    @Test func refusesTooManyPagesAndTooManyPixels() {
        #expect {
            try PagedDocument.open(
                path: Fixtures.path("report-3p.pdf"),
                password: nil,
                limits: DocumentLimits(maxPages: 2)
            )
        } throws: { ($0 as? OCRError)?.code == .sourceTooLarge }
        // A TIFF is decoded whole, so one over the limit is refused before decoding.
        #expect {
            try PagedDocument.open(
                path: Fixtures.path("pages-3p.tif"),
                password: nil,
                limits: DocumentLimits(maxPagePixels: 1_000_000)
            )
        } throws: { ($0 as? OCRError)?.code == .sourceTooLarge }
    }

    @Test(arguments: [("invoice.png", 850, 1100), ("delivery.jpg", 638, 825)])
    func shrinksOversizedPhotosAsTheyAreDecodedAndTheyStillRead(name: String, width: Int, height: Int) async throws {
        let small = DocumentLimits(maxPagePixels: 1_000_000)
        let (_, document) = try PagedDocument.open(path: Fixtures.path(name), password: nil, limits: small)
        let page = try document.render(page: 0, target: .dpi(300), gray: true, limits: small)
        #expect(page.width == width && page.height == height)
        let text = try await TesseractEngine(concurrency: 1).text(of: page, request: .init())
        #expect(Fixtures.recall(truth: Fixtures.truth[name]![0], recognised: text) >= 0.9, "\(text)")
    }

    @Test func decodesAFineScanAtTheResolutionTesseractReads() throws {
        let path = NSTemporaryDirectory() + "invoice-600dpi.png"
        var pix = pixRead(Fixtures.path("invoice.png"))
        pixSetResolution(pix, 600, 600)
        #expect(pixWrite(path, pix, Int32(IFF_PNG)) == 0)
        pixDestroy(&pix)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (_, document) = try PagedDocument.open(path: path, password: nil, limits: limits)
        let page = try document.render(page: 0, target: .dpi(300), gray: true, limits: limits)
        #expect(page.width == 850 && page.height == 1100 && page.resolution == 300)
    }

    @Test func decodesAPhotoNoLargerThanTheEngineViewsIt() throws {
        let (_, document) = try PagedDocument.open(path: Fixtures.path("invoice.png"), password: nil, limits: limits)
        let page = try document.render(page: 0, target: .longestSide(1024), gray: false, limits: limits)
        #expect(page.width == 850 && page.height == 1100)
    }

    @Test(arguments: ["report-3p.pdf", "invoice.png", "pages-3p.tif"])
    func truncatedFilesAreCorruptNotCrashes(name: String) throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name)))
        let path = NSTemporaryDirectory() + "truncated-\(name)"
        try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            let (_, document) = try PagedDocument.open(path: path, password: nil, limits: limits)
            for index in 0..<document.pageCount { _ = try document.render(page: index, dpi: 100, limits: limits) }
        } throws: { error in
            let code = (error as? OCRError)?.code
            return code == .corruptDocument
        }
    }
}

@Suite struct ImageFormatTests {
    /// The PNG fixture written by Leptonica in another format, to a temporary file.
    static func convert(_ format: Int32, suffix: String) throws -> String {
        let path = NSTemporaryDirectory() + "invoice-\(UUID().uuidString.prefix(8)).\(suffix)"
        var pix = pixRead(Fixtures.path("invoice.png"))
        defer { pixDestroy(&pix) }
        guard pix != nil, pixWrite(path, pix, format) == 0 else {
            throw TestEnvironmentError("Leptonica cannot write .\(suffix)")
        }
        return path
    }

    @Test(arguments: [
        (Int32(IFF_BMP), "bmp", DocumentFormat.bmp), (Int32(IFF_GIF), "gif", .gif), (Int32(IFF_WEBP), "webp", .webp),
        (Int32(IFF_PNM), "pgm", .pnm), (Int32(IFF_TIFF_G4), "tif", .tiff),
    ])
    func everyImageFormatIsReadAndRecognised(format: Int32, suffix: String, expected: DocumentFormat) async throws {
        let path = try Self.convert(format, suffix: suffix)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (detected, document) = try PagedDocument.open(path: path, password: nil, limits: .init())
        #expect(detected == expected && document.pageCount == 1)
        let page = try document.render(page: 0, dpi: 300, limits: .init())
        #expect(page.width == 1700 && page.height == 2200)
        let text = try await TesseractEngine(concurrency: 1).text(of: page, request: .init())
        #expect(Fixtures.words(text) == Fixtures.words(Fixtures.truth["invoice.png"]![0]))
    }
}
