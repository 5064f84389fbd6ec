import NIOPosix
import OCRFleetDocuments
import OCRFleetEngines
import OCRFleetModel

/// A paged document read in the worker's own process (`OCR_DOCUMENT_ISOLATION=off`), on the
/// render threads. A page that hangs poppler holds its thread until the process ends.
///
/// `@unchecked Sendable`: poppler and Leptonica objects are not thread-safe, but the page
/// recognizer renders one page at a time and awaits each render before starting the next,
/// so the document is never used by two threads at once.
final class InProcessPages: DocumentPages, @unchecked Sendable {
    private let document: PagedDocument
    private let threads: NIOThreadPool
    private let limits: DocumentLimits

    init(_ document: PagedDocument, threads: NIOThreadPool, limits: DocumentLimits) {
        self.document = document
        self.threads = threads
        self.limits = limits
    }

    var pageCount: Int { document.pageCount }

    var hasTextLayer: Bool {
        if case .pdf = document { true } else { false }
    }

    func text(page index: Int, includeInvisible: Bool) async throws(OCRError) -> PageText {
        try await onThreads { () throws(OCRError) in try self.textNow(page: index, includeInvisible: includeInvisible) }
    }

    func render(
        page index: Int,
        target: RenderTarget,
        gray: Bool,
        straightener: PageStraightener?,
        knownScanned: Bool?
    ) async throws(OCRError) -> PageImage {
        try await onThreads { () throws(OCRError) in
            let page = try self.document.render(page: index, target: target, gray: gray, limits: self.limits)
            // Born-digital pages are upright by construction: only scans are straightened.
            guard let straightener else { return page }
            var scanned = knownScanned ?? !self.hasTextLayer
            if knownScanned == nil, self.hasTextLayer {
                scanned = try self.textNow(page: index, includeInvisible: false).looksScanned
            }
            return scanned ? straightener.straighten(page).0 : page
        }
    }

    func recognize(
        page index: Int,
        with engine: TesseractEngine,
        request: RecognitionRequest
    ) async
        -> Result<RecognizedPage, OCRError>?
    { nil }

    private func textNow(page index: Int, includeInvisible: Bool) throws(OCRError) -> PageText {
        guard case .pdf(let pdf) = document else { throw OCRError(.internal, "text layer asked of an image") }
        return try pdf.text(page: index, includeInvisible: includeInvisible)
    }

    private func onThreads<T: Sendable>(_ body: @escaping @Sendable () throws(OCRError) -> T) async throws(OCRError) -> T {
        let result: Result<T, OCRError>
        do {
            result = try await threads.runIfActive { Result { () throws(OCRError) in try body() } }
        } catch {
            throw OCRError(.cancelled, "the worker is stopping")
        }
        return try result.get()
    }
}
