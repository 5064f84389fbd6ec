import OCRFleetMarkdown

/// One recognised page, as the analysis stages read it.
public struct AnalysisPage: Sendable {
    /// 1-based page number in the source.
    public var number: Int
    /// The page's markdown, without the `<!-- page N -->` comment.
    public var markdown: String
    /// Where the page's text starts in the uploaded markdown, in Unicode scalars
    /// (`AssembledMarkdown.pageOffsets`).
    public var markdownOffset: Int
    /// The layout sidecar's blocks; empty when the engine gave none.
    public var blocks: [AnalysisBlock]
    /// The engine's mean word confidence, 0-100; nil for a text layer or an office file.
    public var ocrConfidence: Double?

    public init(number: Int, markdown: String, markdownOffset: Int, blocks: [AnalysisBlock], ocrConfidence: Double?) {
        self.number = number
        self.markdown = markdown
        self.markdownOffset = markdownOffset
        self.blocks = blocks
        self.ocrConfidence = ocrConfidence
    }
}

/// A block of the layout sidecar: its box, its text, and its words when the engine gave them.
public struct AnalysisBlock: Sendable {
    /// `[x1, y1, x2, y2]` in the sidecar's units for the page.
    public var box: [Int]
    public var text: String
    /// Empty when the engine gave no words.
    public var words: [AnalysisWord]

    public init(box: [Int], text: String, words: [AnalysisWord] = []) {
        self.box = box
        self.text = text
        self.words = words
    }
}

public struct AnalysisWord: Sendable {
    public var text: String
    /// `[x1, y1, x2, y2]` in the sidecar's units for the page.
    public var box: [Int]
    /// The engine's confidence, 0-100.
    public var confidence: Double

    public init(text: String, box: [Int], confidence: Double) {
        self.text = text
        self.box = box
        self.confidence = confidence
    }
}

extension AnalysisPage {
    /// Pages with their offsets in the markdown `AssembledMarkdown.assemble` writes of them;
    /// without blocks or OCR confidence, which the caller adds when the engine gave them.
    public static func laidOut(numbers: [Int], markdown: [String]) -> [AnalysisPage] {
        let offsets = AssembledMarkdown.pageOffsets(numbers: numbers, scalarCounts: markdown.map(\.unicodeScalars.count))
        return zip(zip(numbers, markdown), offsets).map { page, offset in
            AnalysisPage(number: page.0, markdown: page.1, markdownOffset: offset, blocks: [], ocrConfidence: nil)
        }
    }
}
