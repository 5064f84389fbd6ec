/// A recognised page as the planner reads it: its markdown, where it is in the uploaded
/// markdown, and how sure the engine was of it.
public struct ReviewPage: Sendable, Equatable {
    /// 1-based page number in the source.
    public var number: Int
    /// The page's markdown, without the `<!-- page N -->` comment.
    public var markdown: String
    /// Where the page's text starts in the uploaded markdown, in Unicode scalars.
    public var markdownOffset: Int
    /// The engine's mean word confidence, 0-100; nil for a text layer, an office file or DeepSeek-OCR.
    public var confidence: Double?

    public init(number: Int, markdown: String, markdownOffset: Int, confidence: Double?) {
        self.number = number
        self.markdown = markdown
        self.markdownOffset = markdownOffset
        self.confidence = confidence
    }

    /// `[start, end)` of the page's text in the uploaded markdown.
    public var markdownRange: [Int] { [markdownOffset, markdownOffset + markdown.unicodeScalars.count] }
}
