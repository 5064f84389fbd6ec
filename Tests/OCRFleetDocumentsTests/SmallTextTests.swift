import CTesseract
import Foundation
import OCRFleetDocuments
import OCRFleetModel
import OCRFleetTesting
import Testing

@testable import OCRFleetEngines

/// Low-resolution scans: the engine enlarges small text before Tesseract reads it, so a
/// fax-grade page reads nearly as well as a 300 DPI one, and far better than the tesseract CLI
/// reads the same image.
@Suite struct SmallTextTests {
    /// A dense page of `bench-10p.pdf` at 60 DPI: letters about 5 px tall.
    static func lowResolutionPage() throws -> PageImage {
        let (_, document) = try PagedDocument.open(path: Fixtures.path("bench-10p.pdf"), password: nil, limits: .init())
        return try document.render(page: 0, dpi: 60, limits: .init())
    }

    @Test func readsALowResolutionPageWellAndBetterThanTheCLI() async throws {
        let page = try Self.lowResolutionPage()
        let truth = Fixtures.truth["bench-10p.pdf"]![0]
        let engine = try TesseractEngine(concurrency: 1)
        let worker = Fixtures.characterErrorRate(truth: truth, recognised: try await engine.text(of: page, request: .init()))
        let cli = Fixtures.characterErrorRate(truth: truth, recognised: try Self.tesseractCLI(page))
        #expect(worker < 0.02)
        #expect(worker < 0.7 * cli, "worker CER \(worker), CLI CER \(cli)")
    }

    @Test func enlargesSmallTextToTheSizeTesseractReadsBest() throws {
        let page = try Self.lowResolutionPage()
        let small = try #require(SmallTextEnlarger.medianGlyphHeight(page))
        let enlarged = SmallTextEnlarger.enlarged(page)
        let height = try #require(SmallTextEnlarger.medianGlyphHeight(enlarged))
        #expect(small < SmallTextEnlarger.smallest)
        #expect(height >= SmallTextEnlarger.smallest, "median glyph \(small) px enlarged to \(height) px")
        #expect(SmallTextEnlarger.enlarged(enlarged) === enlarged)
    }

    /// An operator's `OCR_MAX_PAGE_PIXELS` bounds the enlarged page too.
    @Test func enlargesNoFurtherThanThePagePixelCap() throws {
        let page = try Self.lowResolutionPage()
        let cap = page.width * page.height * 2
        let enlarged = SmallTextEnlarger.enlarged(page, maxPixels: cap)
        #expect(enlarged.width * enlarged.height <= cap)
        #expect(enlarged.width > page.width, "still enlarged, as far as the cap allows")
        #expect(SmallTextEnlarger.enlarged(page, maxPixels: page.width * page.height) === page)
    }

    @Test func leaves300DpiPagesAsTheyAre() throws {
        let (_, document) = try PagedDocument.open(path: Fixtures.path("bench-10p.pdf"), password: nil, limits: .init())
        let page = try document.render(page: 0, dpi: 300, limits: .init())
        #expect(SmallTextEnlarger.enlarged(page) === page)
        let (_, report) = try PagedDocument.open(path: Fixtures.path("report-3p.pdf"), password: nil, limits: .init())
        let sparse = try report.render(page: 0, dpi: 300, limits: .init())
        #expect(SmallTextEnlarger.enlarged(sparse) === sparse)
    }

    /// The tesseract CLI with its defaults on the page written as PNG.
    static func tesseractCLI(_ page: PageImage) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("small-text-\(UUID()).png").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(pixWrite(file, page.pix, Int32(IFF_PNG)) == 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tesseract")
        process.arguments = [file, "-", "quiet"]
        process.environment = ["OMP_THREAD_LIMIT": "1"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: text, as: UTF8.self)
    }
}
