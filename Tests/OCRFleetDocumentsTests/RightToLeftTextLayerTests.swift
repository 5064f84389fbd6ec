import OCRFleetTesting
import Testing

@testable import OCRFleetDocuments

/// Arabic and Hebrew in PDF text layers come out in logical order, as they were typed, not
/// in the visual order poppler reads them in.
@Suite struct RightToLeftTextLayerTests {
    @Test func arabicHebrewAndMixedLinesReadInLogicalOrder() throws {
        let pdf = try PDFDocument(path: Fixtures.path("text-layer/rtl.pdf"), password: nil)
        let page = try pdf.text(page: 0, includeInvisible: false)
        #expect(page.isUsable)
        #expect(
            TextLayerMarkdown(page).markdown == """
                Greetings in two scripts, each written from right to left, with numbers and Latin words.

                مرحبا بالعالم

                שלום עולם

                הגרסה Swift 6 יצאה בשנת 2024

                המחיר (כולל מע״מ) הוא 120 ₪

                العدد 42 في (القائمة)
                """
        )
        let line = try #require(page.words.first { $0.text == "הגרסה" }).line
        let mixed = page.words.filter { $0.line == line }
        #expect(mixed.map(\.text) == ["הגרסה", "Swift", "6", "יצאה", "בשנת", "2024"], "words in logical order, each with its box")
        #expect(mixed.first!.box.x0 > mixed.last!.box.x0, "the first word stands rightmost")
    }
}
