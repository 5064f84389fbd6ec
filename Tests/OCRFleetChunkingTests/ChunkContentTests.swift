import OCRFleetChunking
import OCRFleetModel
import Testing

@Suite struct ChunkContentTests {
    @Test func tablesAreCutBetweenRowsOnly() throws {
        let rows = (1...10).map { "| cell \($0) one | cell \($0) two |" }
        let table = (["| head one | head two |", "|---|---|"] + rows).joined(separator: "\n")
        let page = ChunkingPage(number: 1, markdown: "Before the table.\n\n\(table)\n\nAfter the table.")
        for strategy in ChunkingOptions.Strategy.allCases {
            let chunks = try chunk([page], strategy, size: 20)
            #expect(chunks.count > 3)
            let tableLines = chunks.flatMap { $0.text.split(separator: "\n\n") }
                .filter { $0.hasPrefix("|") }
                .flatMap { $0.split(separator: "\n") }
            // Every piece of the table is whole rows, and together they are the table.
            #expect(tableLines.map(String.init) == table.split(separator: "\n").map(String.init))
        }
    }

    @Test func anHTMLTableOnOneLineIsCutAtRowEnds() throws {
        let rows = (1...8).map { "<tr><td>cell \($0)</td><td>more \($0)</td></tr>" }.joined()
        let page = ChunkingPage(number: 1, markdown: "<table>\(rows)</table>")
        let chunks = try chunk([page], .page, size: 32)
        #expect(chunks.count > 2)
        for (index, chunk) in chunks.enumerated() {
            #expect(chunk.tokens <= 32)
            if index > 0 { #expect(chunk.text.hasPrefix("<tr>")) }
            if index < chunks.count - 1 { #expect(chunk.text.hasSuffix("</tr>")) }
        }
        #expect(chunks.map(\.text).joined() == "<table>\(rows)</table>")
    }

    @Test func fencedCodeIsCutAtLineEndsOnly() throws {
        let lines = (1...12).map { "let value\($0) = compute(\($0), \($0 * 2))" }
        let code = (["```swift"] + lines + ["```"]).joined(separator: "\n")
        let chunks = try chunk([ChunkingPage(number: 1, markdown: code)], .tokens, size: 24)
        #expect(chunks.count > 3)
        let pieces = chunks.flatMap { $0.text.split(separator: "\n").map(String.init) }
        #expect(pieces == code.split(separator: "\n").map(String.init))
    }

    @Test func commentsAndThematicBreaksAreNoChunkText() throws {
        let page = ChunkingPage(
            number: 3,
            markdown: """
                <!-- header: Journal of Fleet Studies, Vol 2 -->

                <!-- low confidence: 41 -->

                # Part 3: Repairs

                9. Name of the applicant agency
                <!-- -->
                11. Employer identification number
                    - Federal
                      - Assigned by the IRS
                      <!-- -->
                      4) Other

                <!-- a comment
                over lines -->

                ---

                Closing words.

                <!-- footer: Page 3 of 5 -->
                """
        )
        for strategy in ChunkingOptions.Strategy.allCases {
            let chunks = try chunk([page], strategy, size: 64)
            #expect(
                chunks.map(\.text) == [
                    "# Part 3: Repairs\n\n9. Name of the applicant agency\n\n11. Employer identification number\n    - Federal\n      - Assigned by the IRS\n\n4) Other\n\nClosing words."
                ]
            )
        }
    }

    @Test func chunksNameTheBoxesOfTheLayoutBlocksTheyHold() throws {
        let page = ChunkingPage(
            number: 2,
            markdown: """
                <!-- header: Acme Ltd -->

                # Invoice 2041

                **Total** due: 40 &lt; 50 euros.

                Thank you for your order.
                """,
            width: 612,
            height: 792,
            blocks: [
                ChunkingBlock(type: "header", box: [10, 5, 100, 15], text: "Acme Ltd"),
                ChunkingBlock(type: "title", box: [72, 40, 300, 60], text: "Invoice 2041"),
                ChunkingBlock(type: "text", box: [72, 80, 400, 95], text: "Total due: 40 < 50 euros."),
                ChunkingBlock(type: "image", box: [72, 100, 200, 200], text: ""),
                ChunkingBlock(type: "text", box: [72, 300, 400, 320], text: "Words that are not on the page."),
                ChunkingBlock(type: "text", box: [72, 400, 400, 415], text: "Thank you for your order."),
            ]
        )
        let plain = ChunkingPage(number: 3, markdown: "A page without layout.")
        let chunks = try chunk([page, plain], .page, size: 16)
        #expect(
            chunks.map(\.text) == [
                "# Invoice 2041\n\n**Total** due: 40 &lt; 50 euros.", "Thank you for your order.", "A page without layout.",
            ]
        )
        #expect(
            chunks.map(\.boxes) == [
                [
                    ChunkBox(page: 2, box: [72, 40, 300, 60], width: 612, height: 792),
                    ChunkBox(page: 2, box: [72, 80, 400, 95], width: 612, height: 792),
                ],
                [ChunkBox(page: 2, box: [72, 400, 400, 415], width: 612, height: 792)],
                [],
            ]
        )
    }

    @Test func aChunkHoldingPartOfABlockNamesItsBox() throws {
        let line = "one two three four five six seven eight nine ten eleven twelve"
        let page = ChunkingPage(
            number: 1,
            markdown: line,
            width: 100,
            height: 100,
            blocks: [ChunkingBlock(type: "line", box: [1, 2, 3, 4], text: line)]
        )
        let chunks = try chunk([page], .tokens, size: 16, overlap: 0)
        #expect(chunks.count == 1)
        let split = try chunk(
            [ChunkingPage(number: 1, markdown: line + " " + line, width: 100, height: 100, blocks: page.blocks + page.blocks)],
            .tokens,
            size: 16
        )
        #expect(split.map(\.boxes.count) == [2, 1])
    }

    @Test func chineseAndJapaneseAreCutBetweenCharactersAtSentenceEnds() throws {
        let text = "漢字の文章です。次の文もです。三番目の文です。"
        #expect(ApproximateTokens.count(text) == 23)
        let chunks = try chunk([ChunkingPage(number: 1, markdown: "# 見出し\n\n\(text)")], .heading, size: 16)
        #expect(chunks.map(\.text) == ["# 見出し\n\n漢字の文章です。", "次の文もです。三番目の文です。"])
        #expect(chunks.map(\.headingPath) == [["見出し"], ["見出し"]])
        let windows = try chunk([ChunkingPage(number: 1, markdown: String(repeating: "漢", count: 40))], .tokens, size: 16, overlap: 4)
        #expect(windows.map(\.tokens) == [16, 16, 16])
        #expect(windows.map(\.text.count) == [16, 16, 16])
    }

    @Test func markdownRangesPointIntoTheAssembledMarkdown() throws {
        let pages = [
            ChunkingPage(number: 7, markdown: "<!-- low confidence: 50 -->\n\n# Über\n\nErste Seite. ✓"),
            ChunkingPage(number: 8, markdown: ""),
            ChunkingPage(number: 9, markdown: "Zweite Seite, 漢字."),
        ]
        let markdown = Array(assembled(pages).unicodeScalars)
        for strategy in ChunkingOptions.Strategy.allCases {
            for chunk in try chunk(pages, strategy, size: 16) {
                let range = chunk.markdownRange
                var slice = String.UnicodeScalarView()
                slice.append(contentsOf: markdown[range[0]..<range[1]])
                let blocks = chunk.text.split(separator: "\n\n").map(String.init)
                #expect(String(slice).hasPrefix(blocks.first!))
                #expect(String(slice).hasSuffix(blocks.last!))
            }
        }
    }
}
