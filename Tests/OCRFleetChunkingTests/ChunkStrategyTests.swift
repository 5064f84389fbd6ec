import OCRFleetChunking
import OCRFleetModel
import Testing

@Suite struct ChunkStrategyTests {
    @Test func headingGivesASectionPerChunkUnderItsHeadingPathJoiningTinyOnes() throws {
        let chunks = try chunk([ChunkingPage(number: 1, markdown: report)], .heading, size: 40)
        #expect(
            chunks.map(\.text) == [
                "# Report\n\nFleet report for the year.\n\n## 1. Scope\n\nAll depots.",
                "## 2. Methods\n\nWe counted every truck. We weighed every load.",
                "### 2.1 Setup\n\nScales were calibrated.",
                "# Appendix\n\nRaw tables follow.",
            ]
        )
        // "Report" (8 tokens, under a quarter of 40) took in its first subsection; "2.1 Setup"
        // stays alone, since "Appendix" is not under "2. Methods".
        #expect(chunks.map(\.headingPath) == [["Report"], ["Report", "2. Methods"], ["Report", "2. Methods", "2.1 Setup"], ["Appendix"]])
        #expect(chunks.map(\.tokens) == [15, 17, 10, 7])
        #expect(chunks.map(\.index) == [0, 1, 2, 3])
        #expect(chunks.allSatisfy { $0.pages == [1] && $0.boxes.isEmpty })
    }

    @Test func headingWithoutTinySectionsKeepsEverySectionAndSplitsLongOnes() throws {
        let chunks = try chunk([ChunkingPage(number: 1, markdown: report)], .heading, size: 16)
        #expect(
            chunks.map(\.text) == [
                "# Report\n\nFleet report for the year.",
                "## 1. Scope\n\nAll depots.",
                "## 2. Methods\n\nWe counted every truck.",
                "We weighed every load.",
                "### 2.1 Setup\n\nScales were calibrated.",
                "# Appendix\n\nRaw tables follow.",
            ]
        )
        #expect(
            chunks.map(\.headingPath) == [
                ["Report"], ["Report", "1. Scope"], ["Report", "2. Methods"], ["Report", "2. Methods"],
                ["Report", "2. Methods", "2.1 Setup"], ["Appendix"],
            ]
        )
    }

    @Test func headingSplitsALongSectionOnParagraphsThenSentences() throws {
        let paragraphs = """
            ## Long

            First sentence here. Second sentence is here.

            Another paragraph that goes on and on.
            """
        #expect(
            try chunk([ChunkingPage(number: 1, markdown: paragraphs)], .heading, size: 16).map(\.text) == [
                "## Long\n\nFirst sentence here. Second sentence is here.",
                "Another paragraph that goes on and on.",
            ]
        )
        let sentences = """
            ## Long

            One two three four five. Six seven eight nine ten. Eleven twelve thirteen fourteen fifteen.
            """
        let chunks = try chunk([ChunkingPage(number: 1, markdown: sentences)], .heading, size: 16)
        #expect(
            chunks.map(\.text) == [
                "## Long\n\nOne two three four five. Six seven eight nine ten.",
                "Eleven twelve thirteen fourteen fifteen.",
            ]
        )
        #expect(chunks.map(\.headingPath) == [["Long"], ["Long"]])
    }

    @Test func headingSectionsRunAcrossPages() throws {
        let pages = [
            ChunkingPage(number: 4, markdown: "# Part A\n\nStarts here."),
            ChunkingPage(number: 5, markdown: "Goes on here.\n\n# Part B\n\nOther text."),
        ]
        let chunks = try chunk(pages, .heading, size: 16)
        #expect(chunks.map(\.text) == ["# Part A\n\nStarts here.\n\nGoes on here.", "# Part B\n\nOther text."])
        #expect(chunks.map(\.pages) == [[4, 5], [5]])
    }

    @Test func pageGivesAChunkPerPageAndSkipsPagesWithoutText() throws {
        let pages = [
            ChunkingPage(number: 1, markdown: "# Title\n\nPage one text."),
            ChunkingPage(number: 2, markdown: "<!-- low confidence: 40 -->\n\nPage two text."),
            ChunkingPage(number: 3, markdown: ""),
            ChunkingPage(number: 4, markdown: "<!-- page 4 could not be recognised: engine_timeout -->"),
            ChunkingPage(number: 5, markdown: "## Sub\n\nPage five."),
        ]
        let chunks = try chunk(pages, .page, size: 64)
        #expect(chunks.map(\.text) == ["# Title\n\nPage one text.", "Page two text.", "## Sub\n\nPage five."])
        #expect(chunks.map(\.pages) == [[1], [2], [5]])
        // The heading in force carries over the page break.
        #expect(chunks.map(\.headingPath) == [["Title"], ["Title"], ["Title", "Sub"]])
    }

    @Test func pageSplitsALongPageOnParagraphs() throws {
        let page = """
            First paragraph has five words.

            Second paragraph has five words.

            Third paragraph has five words.
            """
        let chunks = try chunk([ChunkingPage(number: 9, markdown: page)], .page, size: 16)
        #expect(
            chunks.map(\.text) == [
                "First paragraph has five words.\n\nSecond paragraph has five words.",
                "Third paragraph has five words.",
            ]
        )
        #expect(chunks.map(\.pages) == [[9], [9]])
    }

    @Test func tokensMakesOverlappingWindowsOfTheWholeDocument() throws {
        let words = (0..<100).map { "w\($0)" }
        let pages = [
            ChunkingPage(number: 1, markdown: words[0..<60].joined(separator: " ")),
            ChunkingPage(number: 2, markdown: words[60...].joined(separator: " ")),
        ]
        let chunks = try chunk(pages, .tokens, size: 20, overlap: 5)
        let starts = [0, 15, 30, 45, 55, 70, 85]
        let ends = [20, 35, 50, 60, 75, 90, 100]
        #expect(chunks.map(\.tokens) == zip(starts, ends).map { $1 - $0 })
        for (index, chunk) in chunks.enumerated() {
            let expected = zip(starts, ends).map { words[$0..<$1] }[index]
            #expect(chunk.text.split(whereSeparator: \.isWhitespace).map(String.init) == Array(expected))
        }
        // The window reaching the page break ends at it, the best gap in its reach; the next
        // starts 5 tokens before it.
        #expect(chunks.map(\.pages) == [[1], [1], [1], [1], [1, 2], [2], [2]])
    }

    @Test func overlapNeverStartsOrEndsInsideAWord() throws {
        // Each word is two tokens (12 letters): cuts and overlap starts must fall between words.
        let words = (0..<30).map { String(repeating: Character(UnicodeScalar(UInt8(97 + $0 % 26))), count: 12) }
        let page = ChunkingPage(number: 1, markdown: words.joined(separator: " "))
        let chunks = try chunk([page], .tokens, size: 16, overlap: 3)
        #expect(chunks.count > 4)
        var covered: [String] = []
        for chunk in chunks {
            #expect(chunk.tokens <= 16)
            let chunkWords = chunk.text.split(separator: " ").map(String.init)
            #expect(chunkWords.allSatisfy { $0.count == 12 })
            #expect(chunk.tokens == chunkWords.count * 2)
            if let last = covered.last {
                // One word (2 tokens) of overlap: the last 3 tokens start inside a word.
                #expect(chunkWords.first == last)
            }
            covered += chunkWords.dropFirst(covered.isEmpty ? 0 : 1)
        }
        #expect(covered == words)
    }

    @Test func emptyDocumentsHaveNoChunks() throws {
        for strategy in ChunkingOptions.Strategy.allCases {
            #expect(try chunk([], strategy, size: 64).isEmpty)
            let blank = [
                ChunkingPage(number: 1, markdown: ""),
                ChunkingPage(number: 2, markdown: "<!-- header: A -->\n\n---\n\n   \n"),
            ]
            #expect(try chunk(blank, strategy, size: 64).isEmpty)
        }
        #expect(ChunkLines.encode([]).isEmpty)
    }
}
