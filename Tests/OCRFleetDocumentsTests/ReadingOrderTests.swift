import Foundation
import OCRFleetDocuments
import OCRFleetModel
import OCRFleetTesting
import Testing

@testable import OCRFleetEngines

/// Pages whose text blocks a layout analysis lists out of reading order: the engine reads
/// them as a person would, and better than the tesseract CLI reads the same scans.
@Suite struct ReadingOrderTests {
    typealias Block = ReadingOrder.Block

    static func block(_ left: Int, _ top: Int, _ right: Int, _ bottom: Int, lines: Int = 1) -> Block {
        Block(left: left, top: top, right: right, bottom: bottom, lines: lines)
    }

    /// A magazine page: three columns, the headline printed under the second and third, a
    /// running header above and the page number and footer below, listed as a column finder
    /// lists them.
    @Test func aHeadlineUnderTheColumnsIsReadAfterThemAndFootersLast() {
        let blocks = [
            Self.block(225, 313, 753, 1262, lines: 18),  // 0 first column
            Self.block(226, 3107, 825, 3134),  // 1 page number and footer
            Self.block(1084, 150, 1358, 176),  // 2 running header
            Self.block(968, 1850, 2053, 1947),  // 3 headline
            Self.block(966, 313, 1500, 1217, lines: 17),  // 4 second column
            Self.block(1709, 313, 2247, 1163, lines: 16),  // 5 third column
            Self.block(967, 1998, 1273, 2039),  // 6 byline
        ]
        #expect(ReadingOrder.order(blocks) == [2, 0, 4, 5, 3, 6, 1])
    }

    /// A paper's first page: the second author beside the first, the centred address before
    /// the abstract's heading further down, and the left column, longer than the right one,
    /// read whole before it.
    @Test func anAuthorBlockAndUnequalColumnsReadInOrder() {
        let blocks = [
            Self.block(628, 254, 1751, 314),  // 0 title
            Self.block(626, 391, 814, 426),  // 1 first author
            Self.block(1667, 391, 1915, 426),  // 2 second author
            Self.block(1001, 469, 1493, 568, lines: 2),  // 3 address
            Self.block(1043, 602, 1457, 643),  // 4 e-mail
            Self.block(625, 765, 810, 801),  // 5 "Abstract"
            Self.block(333, 855, 1108, 1100, lines: 5),  // 6 abstract
            Self.block(303, 1202, 608, 1238),  // 7 "1 Introduction"
            Self.block(301, 1292, 1083, 1492, lines: 4),  // 8 introduction
            Self.block(1333, 772, 2120, 1134, lines: 7),  // 9 right column
        ]
        #expect(ReadingOrder.order(blocks) == Array(0...9))
        // The same page listed in any other order reads the same.
        let shuffled = [9, 3, 7, 0, 5, 2, 8, 1, 6, 4]
        #expect(ReadingOrder.order(shuffled.map { blocks[$0] }).map { shuffled[$0] } == Array(0...9))
    }

    /// A page number and a running footer, each in a band of its own under two columns (the
    /// UNLV magazine page), are read after both columns.
    @Test func aFooterInTwoBandsIsReadAfterTheColumns() {
        let blocks = [
            Self.block(219, 3175, 277, 3191),  // 0 page number
            Self.block(1111, 387, 1434, 424),  // 1 running header
            Self.block(281, 600, 1237, 3137, lines: 53),  // 2 left column
            Self.block(217, 3192, 1053, 3225),  // 3 footer
            Self.block(1311, 602, 2267, 3139, lines: 53),  // 4 right column
            Self.block(1082, 2319, 1462, 2612, lines: 7),  // 5 caption between the columns
        ]
        #expect(ReadingOrder.order(blocks) == [1, 2, 4, 5, 0, 3])
    }

    /// One-line blocks level with each other that open (or close) two columns are the columns'
    /// own headings (or last lines), not a running header or footer.
    @Test func headingsOpeningTwoColumnsStayWithTheirColumns() {
        let headings = [
            Self.block(0, 100, 400, 120),
            Self.block(0, 150, 400, 900, lines: 30),
            Self.block(500, 100, 900, 120),
            Self.block(500, 150, 900, 900, lines: 30),
        ]
        #expect(ReadingOrder.order(headings) == [0, 1, 2, 3])
        let endings = [
            Self.block(0, 100, 400, 850, lines: 30),
            Self.block(0, 870, 400, 895),
            Self.block(500, 100, 900, 850, lines: 30),
            Self.block(500, 870, 900, 895),
        ]
        #expect(ReadingOrder.order(endings) == [0, 1, 2, 3])
    }

    @Test func rightToLeftColumnsAreReadFromTheRight() {
        let blocks = [
            Self.block(100, 300, 900, 2000, lines: 40),  // left column
            Self.block(1000, 300, 1800, 2000, lines: 40),  // right column
            Self.block(300, 100, 1600, 200),  // title
        ]
        #expect(ReadingOrder.order(blocks, rightToLeft: false) == [2, 0, 1])
        #expect(ReadingOrder.order(blocks, rightToLeft: true) == [2, 1, 0])
    }

    @Test func oneBlockAndPagesOfNoiseKeepTheirOrder() {
        #expect(ReadingOrder.order([Self.block(0, 0, 10, 10)]) == [0])
        #expect(ReadingOrder.order([]) == [])
        let noise = (0...ReadingOrder.maxBlocks).map { Self.block(($0 * 37) % 2000, 3000 - $0 * 7, ($0 * 37) % 2000 + 20, 3010 - $0 * 7) }
        #expect(ReadingOrder.order(noise) == Array(noise.indices))
        // Degenerate boxes (empty, reversed) are ordered, not trapped on.
        let odd = [Self.block(50, 50, 40, 40), Self.block(0, 0, 0, 0), Self.block(10, 5, 10, 5, lines: 0)]
        #expect(Set(ReadingOrder.order(odd)) == [0, 1, 2])
    }

    @Test func scriptDirectionIsTheMajorityOfTheLettersRead() {
        #expect(TesseractHandle.runsRightToLeft(["مرحبا بالعالم", "page 3"]))
        #expect(TesseractHandle.runsRightToLeft(["שלום עולם"]))
        #expect(!TesseractHandle.runsRightToLeft(["Hello world", "مرحبا"]))
        #expect(!TesseractHandle.runsRightToLeft([]))
    }

    /// The scans of `fixtures/scans/` (made by `scripts/make-scan-fixtures.py`) read in the
    /// order of their text; the CLI reads the magazine's footer and header inside its columns.
    @Test(arguments: ["magazine", "paper"])
    func fixtureScansReadInReadingOrder(name: String) async throws {
        let truth = try String(contentsOfFile: Fixtures.path("scans/\(name).txt"), encoding: .utf8)
        let (_, document) = try PagedDocument.open(path: Fixtures.path("scans/\(name).png"), password: nil, limits: .init())
        let page = try document.render(page: 0, dpi: 300, limits: .init())
        let engine = try TesseractEngine(concurrency: 1)
        let recognised = try await engine.recognize(page: page, request: .init())
        let worker = Fixtures.characterErrorRate(truth: truth, recognised: recognised.markdown)
        #expect(worker <= 0.005, "\(name): worker CER \(worker)")
        // The sidecar's lines follow the same order as the markdown.
        let lines = recognised.blocks.map(\.text).joined(separator: "\n")
        #expect(Fixtures.characterErrorRate(truth: truth, recognised: lines) <= 0.005)
        if name == "magazine" {
            let cli = Fixtures.characterErrorRate(truth: truth, recognised: try SmallTextTests.tesseractCLI(page))
            #expect(cli >= 0.03, "the CLI reads the magazine out of order: CER \(cli)")
        }
    }
}
