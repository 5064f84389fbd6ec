import Foundation
import OCRFleetModel
import OCRFleetTesting
import Testing

@testable import OCRFleetDocuments

/// PDF pages written from their text layer: structure rebuilt, scans with an OCR layer told apart.
@Suite struct TextLayerTests {
    static func markdown(_ fixture: String, page: Int) throws -> (PageText, String) {
        let pdf = try PDFDocument(path: Fixtures.path(fixture), password: nil)
        let text = try pdf.text(page: page, includeInvisible: false)
        return (text, TextLayerMarkdown(text).markdown)
    }

    @Test func bornDigitalPagesReadAsPdftotextDoesWithTheirStructure() throws {
        let truth = try String(contentsOfFile: Fixtures.path("office/report.txt"), encoding: .utf8)
            .components(separatedBy: "\u{0C}")
        let pdf = try PDFDocument(path: Fixtures.path("office/report.pdf"), password: nil)
        let pages = try (0..<pdf.pageCount).map { try pdf.text(page: $0, includeInvisible: false) }
        let scale = TextLayerMarkdown.Scale(pages)
        for (index, page) in pages.enumerated() {
            #expect(page.isUsable, "page \(index + 1): \(page.unusableReason ?? "")")
            let markdown = TextLayerMarkdown(page, scale: scale).markdown
            let lines = markdown.split(separator: "\n")
            #expect(lines.first == "# Section \(index + 1): Depot Operations")
            #expect(lines.contains("## Observations"))
            #expect(lines.filter { $0.hasPrefix("- ") }.count == 3, "\(markdown)")
            let cer = Fixtures.characterErrorRate(truth: truth[index], recognised: markdown)
            #expect(cer < 0.005, "page \(index + 1): CER \(cer)")
        }
    }

    @Test func aWordDocumentsStructureSurvivesItsPDF() throws {
        let (_, markdown) = try Self.markdown("office/handbook.pdf", page: 0)
        #expect(markdown.hasPrefix("# Fleet Handbook\n\n"))
        #expect(markdown.contains("It is **required** reading and *short*. Questions"))
        #expect(markdown.contains("## Daily Checks\n\n"))
        #expect(markdown.contains(Fixtures.handbookLists), "\(markdown)")
        // The DOCX's table, in its PDF, is a table again.
        #expect(
            markdown.contains(
                """
                ## Depots

                | Depot | City | Vans |
                | --- | --- | --- |
                | North | Leeds | 12 |
                | South | Bristol | 9 |
                | Total |  | 21 |

                ## Safety Notice
                """
            ),
            "\(markdown)"
        )
    }

    @Test func anInvisibleOCRLayerOverAScanIsNotUsableButCanStandIn() throws {
        let pdf = try PDFDocument(path: Fixtures.path("office/scanned.pdf"), password: nil)
        let visible = try pdf.text(page: 0, includeInvisible: false)
        #expect(!visible.isUsable && visible.unusableReason?.contains("invisible") == true)
        #expect(visible.words.isEmpty && visible.visibleGlyphs == 0 && visible.invisibleGlyphs > 500)
        #expect(visible.imageCoverage > 0.9)

        let hidden = try pdf.text(page: 0, includeInvisible: true)
        let truth = try String(contentsOfFile: Fixtures.path("office/report.txt"), encoding: .utf8)
            .components(separatedBy: "\u{0C}")[0]
        #expect(Fixtures.recall(truth: truth, recognised: TextLayerMarkdown(hidden).markdown) > 0.9)
    }

    @Test func headingLevelsFollowTheDocumentsTypeSizes() {
        func word(_ text: String, size: Double, block: Int, line: Int) -> PageText.Word {
            PageText.Word(
                text: text,
                box: .init(x0: 72, y0: Double(line) * 20, x1: 100, y1: Double(line) * 20 + size),
                fontSize: size,
                block: block,
                line: line,
                bold: false,
                italic: false,
                spaceAfter: true,
                hyphenated: false,
                link: nil
            )
        }
        let body = (0..<40).map { word("word\($0)", size: 11, block: 9, line: 9 + $0 / 10) }
        let first = PageText(
            width: 612,
            height: 792,
            words: [word("Title", size: 18, block: 0, line: 0)] + body,
            visibleGlyphs: 200,
            invisibleGlyphs: 0,
            unmappedGlyphs: 0,
            imageCoverage: 0
        )
        let second = PageText(
            width: 612,
            height: 792,
            words: [word("Subsection", size: 14, block: 0, line: 0)] + body,
            visibleGlyphs: 200,
            invisibleGlyphs: 0,
            unmappedGlyphs: 0,
            imageCoverage: 0
        )
        let scale = TextLayerMarkdown.Scale([first, second])
        #expect(TextLayerMarkdown(second, scale: scale).markdown.hasPrefix("## Subsection\n\n"))
        #expect(TextLayerMarkdown(second).markdown.hasPrefix("# Subsection\n\n"), "alone, its own largest size")
    }
}
