import OCRFleetDocuments
import OCRFleetModel

/// The text layer of a document's first pages, read before any page is written: heading
/// levels come from their type sizes, so they agree from page to page, and running headers
/// and footers from what those pages repeat. Their text is kept for the pages' own turn.
struct TextLayerSample {
    /// The sampled pages' text, by page index.
    var pages: [Int: PageText]
    var writing: TextLayerWriting

    /// Samples `document` when its text layer is to be read (not in `ocr` mode, not an image).
    init(
        _ document: any DocumentPages,
        indexes: [Int],
        mode: RecognitionMode,
        headersFooters: HeaderFooterPolicy
    ) async throws {
        var pages: [Int: PageText] = [:]
        var scale: TextLayerMarkdown.Scale?
        var running = RunningLines.none
        if mode != .ocr && document.hasTextLayer {
            for index in indexes.prefix(PageRecognizer.samplePages) {
                pages[index] = try await document.text(page: index, includeInvisible: mode == .text)
            }
            let usable = pages.sorted { $0.key < $1.key }.map(\.value).filter(\.isUsable)
            scale = TextLayerMarkdown.Scale(usable)
            running = RunningLines(usable)
        }
        self.pages = pages
        writing = TextLayerWriting(scale: scale, runningLines: running, headersFooters: headersFooters)
    }
}
