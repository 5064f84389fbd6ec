import OCRFleetDeepSeek
import OCRFleetEngines
import Testing

@Suite struct GroundedMarkdownTests {
    @Test func tagsAreRemovedAndBoxesScaledToThePage() {
        let answer = """
            <|ref|>title<|/ref|><|det|>[[100, 50, 899, 90]]<|/det|>
            # Quarterly report

            <|ref|>text<|/ref|><|det|>[[100, 120, 899, 300]]<|/det|>
            Revenue grew \\coloneqq a lot.

            <|ref|>image<|/ref|><|det|>[[0, 400, 999, 999]]<|/det|>


            <|ref|>table<|/ref|><|det|>[[10, 10, 20, 20], [30, 30, 40, 40]]<|/det|>
            <table><tr><td>1</td></tr></table><｜end▁of▁sentence｜>
            """
        let (markdown, blocks) = GroundedMarkdown.parse(answer, width: 999 * 2, height: 999)
        #expect(markdown == "# Quarterly report\n\nRevenue grew := a lot.\n\n<table><tr><td>1</td></tr></table>")
        #expect(blocks.map(\.type) == ["title", "text", "image", "table", "table"])
        #expect(blocks[0].box == [200, 50, 1798, 90])
        #expect(blocks[0].text == "# Quarterly report")
        #expect(blocks[2].text.isEmpty)
    }

    @Test func plainAnswersPassThrough() {
        let (markdown, blocks) = GroundedMarkdown.parse("Free text\n\n\n\nmore<｜end▁of▁sentence｜>", width: 10, height: 10)
        #expect(markdown == "Free text\n\nmore" && blocks.isEmpty)
    }

    @Test func repeatedLinesAreCollapsed() {
        let (text, collapsed) = GroundedMarkdown.collapseRepeats("a\nb\nb\nb\nb\nb\nc")
        #expect(text == "a\nb\nb\nb\nc" && collapsed)
        #expect(!GroundedMarkdown.collapseRepeats("a\n\n\n\n\nb").collapsed)
    }

    @Test func imageTokensFollowVLLMsProcessor() {
        #expect(ImageTokens.count(width: 640, height: 640) == 273)
        // Over 640 px: a 1024 global view plus a grid of 640 px tiles (here 2 × 3 for a portrait page).
        #expect(ImageTokens.count(width: 1024, height: 1448) == 273 + 30 * 21)
    }
}
