import OCRFleetDocuments
import OCRFleetEngines
import OCRFleetModel
import OCRFleetTesting
import Testing

/// Scans turned sideways, upside down or slightly skewed read as well as upright ones.
@Suite struct PageStraightenerTests {
    @Test(arguments: [
        ("invoice.png", 0), ("invoice-rotated-90.png", 1), ("invoice-rotated-180.png", 2), ("invoice-skewed.png", 0),
    ])
    func turnedAndSkewedScansReadAsWellAsUpright(fixture: String, quarterTurns: Int) async throws {
        let straightener = try #require(PageStraightener(), "osd.traineddata (tesseract-ocr-osd) is installed")
        let (_, document) = try PagedDocument.open(path: Fixtures.path(fixture), password: nil, limits: DocumentLimits())
        let (page, correction) = straightener.straighten(try document.render(page: 0, dpi: 300, limits: DocumentLimits()))
        #expect(correction.quarterTurns == quarterTurns)
        if fixture == "invoice-skewed.png" { #expect(abs(abs(correction.skew) - 2.5) < 0.5, "skew \(correction.skew)") }

        let engine = try TesseractEngine(concurrency: 1)
        let text = try await engine.text(of: page, request: .init())
        let truth = try #require(Fixtures.truth[fixture]?.first)
        #expect(Fixtures.recall(truth: truth, recognised: text) >= 0.95, "\(text)")
    }
}
