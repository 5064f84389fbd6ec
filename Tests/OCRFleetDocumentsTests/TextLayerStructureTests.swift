import OCRFleetModel
import OCRFleetTesting
import Testing

@testable import OCRFleetDocuments

/// The structure of born-digital PDFs (`fixtures/structure/`, LibreOffice's PDFs of the HTML
/// and flat ODT beside them) as the markdown keeps it: items' own numbers, autolinks, tables,
/// running headers and footers.
@Suite struct TextLayerStructureTests {
    static func pages(_ fixture: String) throws -> [PageText] {
        let pdf = try PDFDocument(path: Fixtures.path("structure/\(fixture)"), password: nil)
        return try (0..<pdf.pageCount).map { try pdf.text(page: $0, includeInvisible: false) }
    }

    static func markdown(_ fixture: String) throws -> String {
        let pages = try pages(fixture)
        return pages.map { TextLayerMarkdown($0, scale: .init(pages)).markdown }.joined(separator: "\n\n")
    }

    @Test func numberedItemsKeepTheirOwnNumbersAndMarkers() throws {
        #expect(
            try Self.markdown("lists.pdf") == """
                Items of the form, as numbered on paper:

                9. Name of the applicant agency
                <!-- -->
                11. Employer identification number
                <!-- -->
                13. Congressional district of the applicant
                14. Areas affected by the project

                Steps in order:

                1) Open the valve
                2) Wait for the pressure to settle
                3) Close the valve

                Lettered choices:

                - a. the first choice
                - b. the second choice

                Roman clauses:

                - (i) the lessee pays the rent
                - (ii) the lessor keeps the roof sound
                """
        )
    }

    @Test func aLinkWhoseTextIsItsAddressIsAnAutolink() throws {
        #expect(
            try Self.markdown("links.pdf") == """
                The manual lives at <https://example.org/manual/index.html> and is updated monthly.

                Write to <depot@example.org> for a printed copy, or read [the answers to common \
                questions](https://example.org/faq) first.
                """
        )
    }

    @Test func aRuledTableIsAGFMTableInItsPlace() throws {
        let pages = try Self.pages("table.pdf")
        let written = TextLayerMarkdown(pages[0])
        #expect(
            written.markdown == """
                Fuel used by each depot in the first quarter of the year.

                | **Depot** | **Vehicles** | **Litres** | **Cost** |
                | --- | --- | --- | --- |
                | North Yard | 12 | 4,310 | 6,120.50 |
                | Harbour | 7 | 2,045 | 2,903.90 |
                | East Ridge | 21 | 8,770 | 12,453.40 |
                | Airport Road | 4 | 960 | 1,363.20 |

                The Harbour depot shares its pumps with the ferry company, so its figures are estimates.
                """
        )
        #expect(written.blocks.map(\.kind) == [.paragraph, .table, .paragraph])
    }

    @Test func proseInTwoColumnsIsNoTable() throws {
        let pages = try Self.pages("columns.pdf")
        let written = TextLayerMarkdown(pages[0])
        // Rows of two columns side by side line up as a table's do; five words a cell make them prose.
        #expect(!written.markdown.contains("|"), "\(written.markdown)")
        #expect(written.blocks.allSatisfy { $0.kind == .paragraph })
        #expect(written.markdown.hasPrefix("Two depots, side by side.\n\n"))
        #expect(written.markdown.hasSuffix("Both depots report to the same office."))
    }

    @Test func aReportWithHeadingsListsAndNoTablesGainsNone() throws {
        let pdf = try PDFDocument(path: Fixtures.path("office/bench-20p.pdf"), password: nil)
        let pages = try (0..<pdf.pageCount).map { try pdf.text(page: $0, includeInvisible: false) }
        // As the worker does: type sizes and running lines from the first 8 pages.
        let scale = TextLayerMarkdown.Scale(Array(pages.prefix(8)))
        let running = RunningLines(Array(pages.prefix(8)))
        for page in pages {
            let kinds = TextLayerMarkdown(page, scale: scale, runningLines: running).blocks.map(\.kind)
            #expect(!kinds.contains(.table) && !kinds.contains(.header) && !kinds.contains(.footer), "\(kinds)")
        }
    }

    static let runningBodies = [
        """
        # Part 1: Keys and checks

        The depot opens at six in the morning, and the first drivers collect their keys from the office beside the gate.

        Each vehicle is checked before it leaves: tyres, lights, fluids and the logbook.
        """,
        """
        # Part 2: Fuel

        Fuel is drawn from the pumps in the yard, and every litre is written in the book the attendant keeps.

        At the end of the week the book is compared with the meter readings of the pumps.
        """,
        """
        # Part 3: Repairs

        Repairs that take more than a day are done at the central workshop.

        The workshop sends a replacement vehicle the same afternoon.
        """,
        """
        # Part 4: Routes

        Routes are planned a week ahead and posted on the board in the drivers' room.

        A driver who swaps a route writes both names on the board.
        """,
        """
        # Part 5: Records

        Every record is kept for seven years in the archive above the office.

        Records older than that are shredded in January.
        """,
    ]

    @Test func runningHeadersFootersAndPageNumbersAreMarkedOnOddAndEvenPages() throws {
        let pages = try Self.pages("running.pdf")
        #expect(pages.count == 5)
        let scale = TextLayerMarkdown.Scale(pages)
        let running = RunningLines(pages)
        for (index, page) in pages.enumerated() {
            let header = index % 2 == 0 ? "Journal of Fleet Studies, Vol 2" : "Harbour depots compared"
            #expect(
                TextLayerMarkdown(page, scale: scale, runningLines: running).markdown == """
                    <!-- header: \(header) -->

                    \(Self.runningBodies[index])

                    <!-- footer: Page \(index + 1) of 5 -->
                    """
            )
            #expect(
                TextLayerMarkdown(page, scale: scale, runningLines: running, headersFooters: .drop).markdown
                    == Self.runningBodies[index]
            )
        }
    }

    @Test func runningLinesLearnedFromTheFirstPagesAreFoundOnLaterOnes() throws {
        let pages = try Self.pages("running.pdf")
        // Learned from pages 1-3 (a sample, as the worker takes one), recognised on 4 and 5.
        let running = RunningLines(Array(pages.prefix(3)))
        let scale = TextLayerMarkdown.Scale(pages)
        #expect(
            TextLayerMarkdown(pages[4], scale: scale, runningLines: running).markdown == """
                <!-- header: Journal of Fleet Studies, Vol 2 -->

                \(Self.runningBodies[4])

                <!-- footer: Page 5 of 5 -->
                """
        )
        // One page alone repeats nothing: nothing is taken for a running line.
        #expect(RunningLines(Array(pages.prefix(1))) == .none)
    }

    /// A page of 612 × 792 points: `lines` of (text, size, top), each line a block of its
    /// own, indented by `left` points (72 for all, unless given).
    static func page(_ lines: [(String, Double, Double)], left: [Double] = [], block: ((Int) -> Int)? = nil) -> PageText {
        var words: [PageText.Word] = []
        for (number, (text, size, top)) in lines.enumerated() {
            var x = number < left.count ? left[number] : 72.0
            for part in text.split(separator: " ") {
                let width = Double(part.count) * size * 0.5
                words.append(
                    PageText.Word(
                        text: String(part),
                        box: .init(x0: x, y0: top, x1: x + width, y1: top + size),
                        fontSize: size,
                        block: block?(number) ?? number,
                        line: number,
                        bold: false,
                        italic: false,
                        spaceAfter: true,
                        hyphenated: false,
                        link: nil
                    )
                )
                x += width + size * 0.25
            }
        }
        return PageText(
            width: 612,
            height: 792,
            words: words,
            visibleGlyphs: 400,
            invisibleGlyphs: 0,
            unmappedGlyphs: 0,
            imageCoverage: 0
        )
    }

    @Test func pageNumbersInRomanOrBetweenDashesAreFooters() {
        let numbers = ["iii", "iv", "v", "vi"]
        let pages = numbers.enumerated().map { index, roman in
            Self.page([
                ("Overview", 20, 40),
                ("Body text of page \(index + 1) goes on for a while here.", 10, 200),
                ("- \(index + 3) -", 10, 740),
                (roman, 10, 760),
            ])
        }
        let running = RunningLines(pages)
        let written = TextLayerMarkdown(pages[2], runningLines: running).markdown
        // The title set large on every page is a heading, not a running header.
        #expect(
            written == """
                # Overview

                Body text of page 3 goes on for a while here.

                <!-- footer: - 5 - -->

                <!-- footer: v -->
                """
        )
    }

    @Test func nestedItemsSitUnderTheContentOfANumberedItem() {
        let lines: [(String, Double, Double)] = [
            ("1. Check the vehicle", 10, 100),
            ("- the tyres", 10, 114),
            ("3. Sign the sheet", 10, 128),
            ("4. Hand in the keys", 10, 142),
            ("a. at the office", 10, 156),
        ]
        // One block, as poppler makes of a list; the dash and letter items are indented.
        let page = Self.page(lines, left: [72, 90, 72, 72, 90], block: { _ in 0 })
        #expect(
            TextLayerMarkdown(page).markdown == """
                1. Check the vehicle
                   - the tyres
                <!-- -->
                3. Sign the sheet
                4. Hand in the keys
                   - a. at the office
                """
        )
    }
}
