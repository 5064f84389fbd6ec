import Foundation
import OCRFleetTesting
import Testing

@testable import OCRFleetDocuments

/// AcroForm values are written where they stand on the page, beside their labels, whether
/// or not the widget's appearance stream draws them; a flattened form reads as it did.
@Suite struct FormFieldTextLayerTests {
    @Test func filledFieldsAreWrittenBesideTheirLabelsOnce() throws {
        let path = NSTemporaryDirectory() + "ocrfleet-form-\(UUID().uuidString.prefix(8)).pdf"
        try Fixtures.filledFormPDF().write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let pdf = try PDFDocument(path: path, password: nil)
        let pages = try (0..<pdf.pageCount).map { try pdf.text(page: $0, includeInvisible: false) }
        let scale = TextLayerMarkdown.Scale(pages)

        #expect(
            TextLayerMarkdown(pages[0], scale: scale).markdown == """
                # Grant application

                Agency: National Science Foundation

                Award number: DMS-1234567

                [x] Renewal

                [ ] Amended

                State: Virginia

                Project title

                Coastal erosion survey
                """
        )
        #expect(
            TextLayerMarkdown(pages[1], scale: scale).markdown == """
                # Grant application

                Agency:

                National Science Foundation

                Award number:

                DMS-1234567

                Renewal

                Amended

                State:

                Virginia

                Project title

                Coastal erosion survey
                """,
            "the flattened form: its text as drawn, nothing added"
        )
    }
}
