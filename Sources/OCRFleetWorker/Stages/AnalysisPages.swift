import OCRFleetAnalysis
import OCRFleetMarkdown

extension JobWork {
    /// The assembled pages as the classify, split and extract stages read them: each page's
    /// markdown, where it starts in the uploaded markdown, and its blocks' boxes and words.
    /// Made once, by the first of those stages that runs.
    mutating func analysisPages() -> [AnalysisPage] {
        if let analysisPagesMade { return analysisPagesMade }
        let offsets = AssembledMarkdown.pageOffsets(
            numbers: pageNumbers,
            scalarCounts: pages.map { $0.markdown.unicodeScalars.count }
        )
        let made = zip(zip(pageNumbers, offsets), pages).map { numbered, page in
            AnalysisPage(
                number: numbered.0,
                markdown: page.markdown,
                markdownOffset: numbered.1,
                blocks: page.blocks.map { block in
                    AnalysisBlock(
                        box: block.box,
                        text: block.text,
                        words: (block.words ?? []).map { AnalysisWord(text: $0.text, box: $0.box, confidence: $0.confidence) }
                    )
                },
                ocrConfidence: page.confidence
            )
        }
        analysisPagesMade = made
        return made
    }

    /// The model's stages' part of `extraction.json`, begun by the first of them that runs.
    var analysisDocument: ExtractionDocument {
        get { analysis ?? ExtractionDocument() }
        set { analysis = newValue }
    }
}
