import OCRFleetChunking
import OCRFleetModel
import Testing

/// Inputs built to make the chunker slow, deep or huge: each must end, bounded, with chunks
/// no larger than asked.
@Suite struct HostileChunkingTests {
    @Test func aMegabyteLineWithoutSpacesIsCutIntoWindows() throws {
        let line = String(repeating: "a", count: 1_000_000)
        for strategy in ChunkingOptions.Strategy.allCases {
            let (chunks, work) = try chunkCountingWork([ChunkingPage(number: 1, markdown: line)], strategy, size: 512)
            #expect(chunks.allSatisfy { $0.tokens <= 512 })
            // Forced cuts every 512 tokens of 6 letters: the line comes back whole.
            #expect(chunks.count == 326)
            #expect(chunks.map(\.text).joined() == line)
            #expect(work < 10 * line.utf8.count)
        }
    }

    @Test func aMegabyteHeadingIsCutShortInHeadingPaths() throws {
        let title = String(repeating: "T", count: 1_000_000)
        let chunks = try chunk([ChunkingPage(number: 1, markdown: "# \(title)\n\nBody text.")], .heading, size: 8192, overlap: 100)
        #expect(chunks.count > 10)
        for chunk in chunks {
            #expect(chunk.headingPath == [String(repeating: "T", count: 200) + "\u{2026}"])
        }
    }

    @Test func tenThousandHeadingsNestedSixDeep() throws {
        let markdown = (0..<10_000).map { "\(String(repeating: "#", count: $0 % 6 + 1)) Heading \($0)\n\nText \($0)." }
            .joined(separator: "\n\n")
        let hashes = String(repeating: "#", count: 10_000) + " not a heading"
        let pages = [ChunkingPage(number: 1, markdown: markdown), ChunkingPage(number: 2, markdown: hashes)]
        let (chunks, work) = try chunkCountingWork(pages, .heading, size: 64)
        #expect(chunks.allSatisfy { $0.tokens <= 64 && $0.headingPath.count <= 6 })
        // Every heading's text is in some chunk once, in order.
        let headings = chunks.flatMap { $0.text.split(separator: "\n\n") }.filter { $0.hasPrefix("#") && $0.contains("Heading") }
        #expect(headings.count == 10_000)
        #expect(chunks.last?.headingPath == (9_996..<10_000).map { "Heading \($0)" })
        #expect(chunks.last?.text.hasSuffix("not a heading") == true)
        #expect(work < 20 * (markdown.unicodeScalars.count + hashes.unicodeScalars.count))
    }

    @Test func unclosedFencesCommentsAndTablesEndWithTheirPage() throws {
        let pages = [
            ChunkingPage(number: 1, markdown: "Intro.\n\n```\ncode line\n# not a heading\nmore code"),
            ChunkingPage(number: 2, markdown: "# After\n\nText after.\n\n<!-- never closed\nhidden text"),
            ChunkingPage(number: 3, markdown: "<table><tr><td>open table\n\n# still table"),
            ChunkingPage(number: 4, markdown: "Last page."),
        ]
        let chunks = try chunk(pages, .page, size: 64)
        #expect(
            chunks.map(\.text) == [
                "Intro.\n\n```\ncode line\n# not a heading\nmore code",
                "# After\n\nText after.",
                "<table><tr><td>open table\n\n# still table",
                "Last page.",
            ]
        )
        #expect(chunks.map(\.headingPath) == [[], ["After"], ["After"], ["After"]])
    }

    @Test func fiveThousandPagesTakeLinearWork() throws {
        func document(_ count: Int) -> [ChunkingPage] {
            (1...count).map { number in
                let lines = (0..<6).map { "Line \($0) of page \(number) says something about trucks." }
                let markdown = "## Page \(number)\n\n" + lines[0..<3].joined(separator: "\n") + "\n\n" + lines[3...].joined(separator: "\n")
                let blocks =
                    [ChunkingBlock(type: "title", box: [0, 0, 100, 9], text: "Page \(number)")]
                    + lines.enumerated().map { ChunkingBlock(type: "line", box: [0, $0 * 10 + 10, 100, $0 * 10 + 19], text: $1) }
                return ChunkingPage(number: number, markdown: markdown, width: 100, height: 200, blocks: blocks)
            }
        }
        // Chunks overlapping by half their size are the costliest: their text is the work.
        for (pages, size, overlap) in [(5_000, 512, 64), (500, 16, 8)] {
            let small = document(pages / 10)
            let large = document(pages)
            for strategy in ChunkingOptions.Strategy.allCases {
                let (smallChunks, smallWork) = try chunkCountingWork(small, strategy, size: size, overlap: overlap)
                let (largeChunks, largeWork) = try chunkCountingWork(large, strategy, size: size, overlap: overlap)
                #expect(largeChunks.count >= 9 * smallChunks.count)
                // Ten times the pages, ten times the work.
                #expect(Double(largeWork) <= 10.5 * Double(smallWork), "\(strategy) \(size)/\(overlap): \(smallWork) → \(largeWork)")
                #expect(largeChunks.allSatisfy { !$0.boxes.isEmpty && $0.boxes.count <= 7 * $0.pages.count })
            }
        }
    }
}
