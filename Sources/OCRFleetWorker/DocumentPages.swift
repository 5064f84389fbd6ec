import OCRFleetDocuments
import OCRFleetEngines
import OCRFleetModel

/// An opened PDF or image, as the page recognizer uses it: in this process
/// (`InProcessPages`) or in a child process the worker can kill (`IsolatedPages`). Use it from
/// one task at a time.
protocol DocumentPages: Sendable {
    var pageCount: Int { get }
    /// PDFs have a text layer to read (which may be empty); images do not.
    var hasTextLayer: Bool { get }

    func text(page index: Int, includeInvisible: Bool) async throws(OCRError) -> PageText

    /// Page `index` as the engine gets it: rendered for `target`, and straightened when
    /// `straightener` is given and the page is a scan (`knownScanned`, else decided from its
    /// text layer; images are scans).
    func render(
        page index: Int,
        target: RenderTarget,
        gray: Bool,
        straightener: PageStraightener?,
        knownScanned: Bool?
    ) async throws(OCRError) -> PageImage

    /// Page `index` read by `engine` where the document's native work runs, retried once on
    /// a transient failure as the engine's pages are; nil when this document leaves that to
    /// the engine in the worker.
    func recognize(
        page index: Int,
        with engine: TesseractEngine,
        request: RecognitionRequest
    ) async
        -> Result<RecognizedPage, OCRError>?
}
