import OCRFleetEngines
import OCRFleetMarkdown

extension RecognizedPage {
    /// The page with its markdown and its layout blocks' text in NFKC (`OCR_NORMALIZE_NFKC`).
    var compatibilityFolded: RecognizedPage {
        var page = self
        page.markdown = CompatibilityFolding.fold(markdown: markdown)
        page.blocks = blocks.map { block in
            var folded = block
            folded.text = CompatibilityFolding.fold(text: block.text)
            folded.words = block.words?.map { word in
                var foldedWord = word
                foldedWord.text = CompatibilityFolding.fold(text: word.text)
                return foldedWord
            }
            return folded
        }
        return page
    }
}
