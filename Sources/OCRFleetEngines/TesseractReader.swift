import OCRFleetDocuments
import OCRFleetModel

/// Tesseract on the calling thread, with one handle kept from page to page: for a process
/// that reads one page at a time (the document child), where the engine's threads and handle
/// pool would only add hops.
public final class TesseractReader {
    private let handle = TesseractHandle()
    private let dataPath: String
    private let straightener: PageStraightener?

    /// `straightener`: pages read with low confidence are straightened and read again, as
    /// `TesseractEngine` does.
    public init(dataPath: String, straightener: PageStraightener?) {
        self.dataPath = dataPath
        self.straightener = straightener
    }

    public func recognize(_ page: PageImage, request: RecognitionRequest) throws(OCRError) -> RecognizedPage {
        try handle.prepare(languages: request.languages.joined(separator: "+"), dataPath: dataPath)
        defer { handle.clear() }
        let read = try TesseractEngine.recognizeUpright(
            page,
            handle: handle,
            straightener: straightener,
            timeout: request.pageTimeout,
            maxPixels: request.maxPagePixels
        )
        return handle.result(width: read.width, height: read.height)
    }
}
