import Foundation
import OCRFleetChunking
import OCRFleetModel
import Testing

@Suite struct ChunkLinesTests {
    @Test func oneObjectPerLineWithSortedSnakeCaseKeys() throws {
        let pages = [
            ChunkingPage(
                number: 1,
                markdown: report,
                width: 10,
                height: 20,
                blocks: [ChunkingBlock(type: "text", box: [1, 2, 3, 4], text: "All depots.")]
            )
        ]
        let chunks = try chunk(pages, .heading, size: 40)
        let bytes = ChunkLines.encode(chunks)
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == chunks.count + 1 && lines.last == "")
        #expect(
            lines[0]
                == ##"{"boxes":[{"box":[1,2,3,4],"height":20,"page":1,"width":10}],"heading_path":["Report"],"index":0,"##
                + ##""markdown_range":[17,79],"pages":[1],"text":"# Report\n\nFleet report for the year.\n\n## 1. Scope\n\nAll depots.","tokens":15}"##
        )
        let decoded = try lines.dropLast().map { try JSONDecoder().decode(Chunk.self, from: Data($0.utf8)) }
        #expect(decoded == chunks)
        #expect(ChunkLines.encode(chunks) == bytes)
    }
}
