import OCRFleetMarkdown
import OCRFleetTesting
import Testing

@testable import OCRFleetDocuments

/// NFKC folding: ligatures and other compatibility characters become their plain letters,
/// and markdown's structure, link targets and code stay as they are.
@Suite struct CompatibilityFoldingTests {
    @Test func aLigatureHeavyPageIsFoundByItsPlainWords() throws {
        let pdf = try PDFDocument(path: Fixtures.path("text-layer/ligatures.pdf"), password: nil)
        let markdown = TextLayerMarkdown(try pdf.text(page: 0, includeInvisible: false)).markdown
        #expect(markdown.contains("diﬀerently"), "the text layer holds U+FB00")
        #expect(
            CompatibilityFolding.fold(markdown: markdown) == """
                # On the effect of finite differences

                We first show that the two schemes behave differently: the flux is off by a fixed amount, an efficient \
                filter removes it, and the baffling figures of Section 2 follow.

                The office staff filed the final figures.
                """
        )
    }

    @Test func foldingKeepsMarkdownStructure() {
        let cases: [(String, String)] = [
            ("a ﬁne [ﬁgure](https://example.org/ﬁgure) here", "a fine [figure](https://example.org/ﬁgure) here"),
            ("see <https://example.org/ﬀ> and <!-- page ﬁ -->", "see <https://example.org/ﬀ> and <!-- page ﬁ -->"),
            ("code `ﬁ＊` and ﬁ", "code `ﬁ＊` and fi"),
            ("```\nﬁ\n```\nﬁ", "```\nﬁ\n```\nfi"),
            ("＊not emphasis＊ ＿x＿ ［y］", "\\*not emphasis\\* \\_x\\_ \\[y\\]"),
            ("＃ not a heading", "\\# not a heading"),
            ("⒈ not a list\n1． nor this", "1\\. not a list\n1\\. nor this"),
            ("x² m³ ½ …", "x2 m3 1⁄2 ..."),
            ("ﻻ ﷲ", "لا الله"),
            ("e\u{301}t\u{E9} ﬁ", "été fi"),
            ("\\＊ stays escaped", "\\＊ stays escaped"),
            ("plain ascii *as is*", "plain ascii *as is*"),
            // Text inside a comment is not folded, so `﹣->` cannot become a closing `-->`.
            ("<!-- header: A ﹣-> <b> ﬁ --> ﬁ", "<!-- header: A ﹣-> <b> ﬁ --> fi"),
            // Openers with no closer on their line fold as text.
            ("< ﬁ ](ﬁ ` ﬁ", "< fi ](fi ` fi"),
        ]
        for (markdown, folded) in cases {
            #expect(CompatibilityFolding.fold(markdown: markdown) == folded, "\(markdown)")
        }
        #expect(CompatibilityFolding.fold(text: "oﬃce ﬁles") == "office files")
    }
}
