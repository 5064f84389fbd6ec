import Foundation
import OCRFleetModel
import OCRFleetTesting
import Testing

@testable import OCRFleetOffice

/// DOCX read from its XML into markdown with its structure.
@Suite struct WordDocumentTests {
    static func handbook(images: Bool) throws -> OfficeContent {
        let archive = try ZipArchive(path: Fixtures.path("office/handbook.docx"), limits: ZipLimits())
        return try WordDocument(archive: archive).content(images: images)
    }

    static func markdown(_ content: OfficeContent) -> String {
        content.pages.flatMap { $0 }.map { block in
            switch block {
            case .markdown(let text): text
            case .image(let image): "[image \(image.name)]"
            }
        }.joined(separator: "\n\n")
    }

    @Test func headingsInlineStylesAndLinks() throws {
        let markdown = Self.markdown(try Self.handbook(images: false))
        #expect(markdown.hasPrefix("# Fleet Handbook\n\n"))
        #expect(
            markdown.contains(
                "Every driver reads this handbook. It is **required** reading and *short*. Questions go to "
                    + "[the operations portal](https://example.com/portal)."
            )
        )
        #expect(markdown.contains("\n\n## Daily Checks\n\n") && markdown.contains("\n\n## Depots\n\n"))
    }

    @Test func listsKeepTheirNestingAndNumbering() throws {
        let markdown = Self.markdown(try Self.handbook(images: false))
        #expect(markdown.contains(Fixtures.handbookLists), "\(markdown)")
    }

    @Test func aTableWithAMergedCellIsAGFMTable() throws {
        let markdown = Self.markdown(try Self.handbook(images: false))
        #expect(
            markdown.contains(
                """
                | Depot | City | Vans |
                | --- | --- | --- |
                | North | Leeds | 12 |
                | South | Bristol | 9 |
                | Total |  | 21 |
                """
            )
        )
    }

    @Test func footnotesComeAtTheEnd() throws {
        let markdown = Self.markdown(try Self.handbook(images: false))
        #expect(markdown.contains("report every incident on the same day.[^1]"))
        #expect(markdown.hasSuffix("[^1]: Incidents are reported on the operations portal."))
    }

    @Test func embeddedPicturesStandWhereTheyAreWhenWanted() throws {
        let withImages = Self.markdown(try Self.handbook(images: true))
        #expect(
            withImages.contains(
                "pinned in every depot.\n\n[image word/media/image1.png]\n\nDrive carefully"
            )
        )
        #expect(!Self.markdown(try Self.handbook(images: false)).contains("[image"))
    }

    @Test func identifiesOfficeFormatsByTheirContents() throws {
        let limits = ZipLimits()
        #expect(try OfficeFormat.identify(zipAt: Fixtures.path("office/handbook.docx"), limits: limits) == .docx)
        #expect(try OfficeFormat.identify(zipAt: Fixtures.path("office/deck.pptx"), limits: limits) == .pptx)
        #expect(try OfficeFormat.identify(zipAt: Fixtures.path("office/ledger.xlsx"), limits: limits) == .xlsx)
        #expect(try OfficeFormat.identify(zipAt: Fixtures.path("office/handbook.odt"), limits: limits) == .odt)
        let doc = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path("office/handbook.doc"))))
        #expect(try OfficeFormat.identify(compoundFile: doc) == .doc)
    }

    @Test func theUnpackedSizeIsCappedAsItIsRead() throws {
        let archive = try ZipArchive(path: Fixtures.path("office/handbook.docx"), limits: ZipLimits(maxBytes: 4096))
        let error = #expect(throws: OCRError.self) { try WordDocument(archive: archive).content(images: true) }
        #expect(error?.code == .sourceTooLarge)
    }
}

/// PPTX read from its XML.
@Suite struct SlidesTests {
    @Test func aDeckIsOnePagePerSlideWithTitlesBulletsTablesAndNotes() throws {
        let archive = try ZipArchive(path: Fixtures.path("office/deck.pptx"), limits: ZipLimits())
        let content = try PresentationDocument(archive: archive).content(images: true)
        let pages = content.pages.map { WordDocumentTests.markdown(OfficeContent(pages: [$0])) }
        #expect(pages.count == 2)
        #expect(
            pages.first
                == """
                # Quarterly Review

                - Revenue grew by twelve percent
                - Two new depots opened

                > **Notes:** Thank the drivers before the numbers.
                """
        )
        #expect(
            pages.last
                == """
                # Depot Numbers

                | Depot | Vans |
                | --- | --- |
                | Leeds | 12 |
                | Bristol | 9 |

                Figures as of the end of March

                > **Notes:** Bristol grows next year.
                """
        )
    }
}
