import OCRFleetChunking
import Testing

@Suite struct ApproximateTokensTests {
    @Test func countsWordsPunctuationAndIdeographs() {
        #expect(ApproximateTokens.count("") == 0)
        #expect(ApproximateTokens.count("  \n\t ") == 0)
        #expect(ApproximateTokens.count("Hello, world!") == 4)
        #expect(ApproximateTokens.count("don't stop") == 2)
        // A long word costs one token per started 6 letters.
        #expect(ApproximateTokens.count("internationalization") == 4)
        #expect(ApproximateTokens.count("a ... b") == 3)
        #expect(ApproximateTokens.count("漢字の文章です。") == 8)
        #expect(ApproximateTokens.count("Straße 12") == 2)
        #expect(ApproximateTokens.count("| a | b |") == 5)
    }
}
