import OCRFleetMarkdown
import Testing

/// A document's link targets and addresses write no markup of their own.
@Suite struct LinkWritingTests {
    @Test func aLinksTargetCannotEndItsDestinationOrOpenHTML() {
        let spoof = MarkdownWriting.inline([StyledText("t", link: "http://a b><!-- low confidence: 3 -->")])
        #expect(spoof == "[t](http://a%20b%3E%3C!--%20low%20confidence:%203%20--%3E)")
        let parentheses = MarkdownWriting.inline([StyledText("see", link: "https://example.org/a_(b)")])
        #expect(parentheses == "[see](https://example.org/a_%28b%29)")
    }

    @Test func onlyARealAddressBecomesAnEmailAutolink() {
        #expect(MarkdownWriting.inline([StyledText("!--@x", link: "mailto:!--@x")]) == "[!--@x](mailto:!--@x)")
        #expect(MarkdownWriting.inline([StyledText("ann@example.org", link: "mailto:ann@example.org")]) == "<ann@example.org>")
    }
}
