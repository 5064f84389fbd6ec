import OCRFleetAnalysis
import OCRFleetEngines
import OCRFleetModel

extension JobWork {
    /// The assembled pages as the classify, split and extract stages read them: each page's
    /// markdown, where it starts in the uploaded markdown, and its blocks' boxes and words.
    /// Made once, by the first of those stages that runs.
    mutating func analysisPages() -> [AnalysisPage] {
        if let analysisPagesMade { return analysisPagesMade }
        var made = AnalysisPage.laidOut(numbers: pageNumbers, markdown: pages.map(\.markdown))
        for (index, page) in pages.enumerated() {
            made[index].ocrConfidence = page.confidence
            made[index].blocks = page.blocks.map { block in
                AnalysisBlock(
                    box: block.box,
                    text: block.text,
                    words: (block.words ?? []).map { AnalysisWord(text: $0.text, box: $0.box, confidence: $0.confidence) }
                )
            }
        }
        analysisPagesMade = made
        return made
    }

    /// `extraction.json` as the model's stages fill it, begun by the first of them that runs.
    var analysisDocument: ExtractionDocument {
        get { analysis ?? ExtractionDocument() }
        set { analysis = newValue }
    }
}
