import Logging
import OCRFleetDocuments
import OCRFleetEngines
import OCRFleetModel
import NIOPosix

/// The pages of one document through an engine: page n+1 is rendered while earlier pages
/// are at the engine, at most `engine.concurrency` pages are in flight, and no more than
/// that many bitmaps (plus the one being rendered) exist at once.
struct PageRecognizer: Sendable {
    let engine: any OCREngine
    let renderThreads: NIOThreadPool
    let dpi: Double
    let limits: DocumentLimits
    let maxInflight: Int

    struct Outcome: Sendable {
        var pages: [String]
        var failedPages: [Int]
    }

    /// Renders and recognises `indexes` of `document` in order; `progress` is called with
    /// the number of pages done after each page.
    func run(
        _ document: RenderableDocument, indexes: [Int], request: RecognitionRequest, policy: PageErrorPolicy,
        logger: Logger, progress: @escaping @Sendable (Int) async -> Void
    ) async throws(OCRError) -> Outcome {
        let inflightLimit = max(1, min(maxInflight, engine.concurrency))
        var pages = [String](repeating: "", count: indexes.count)
        var failed: [Int] = []
        var done = 0
        do {
            try await withThrowingTaskGroup(of: (Int, Result<String, OCRError>).self) { group in
                var inflight = 0
                func collect() async throws {
                    guard let (slot, result) = try await group.next() else { return }
                    inflight -= 1
                    switch result {
                    case .success(let text):
                        pages[slot] = text
                    case .failure(let error):
                        let number = indexes[slot] + 1
                        if policy == .fail || !error.code.isRetryable {
                            throw OCRError(error.code, "page \(number): \(error.message)")
                        }
                        logger.warning("page failed after retry; marked", metadata: ["page": "\(number)", "error": "\(error)"])
                        pages[slot] = "<!-- page \(number) could not be recognised: \(error.code.rawValue) -->"
                        failed.append(number)
                    }
                    done += 1
                    await progress(done)
                }
                for (slot, index) in indexes.enumerated() {
                    try Task.checkCancellation()
                    let page = try await renderThreads.runIfActive { try document.render(page: index, dpi: dpi, limits: limits) }
                    while inflight >= inflightLimit { try await collect() }
                    group.addTask { [engine] in
                        (slot, await Self.recognize(page, engine: engine, request: request))
                    }
                    inflight += 1
                }
                while inflight > 0 { try await collect() }
            }
        } catch let error as OCRError {
            throw error
        } catch is CancellationError {
            throw OCRError(.cancelled, "the job was stopped")
        } catch {
            throw OCRError(.internal, "page pipeline: \(error)")
        }
        return Outcome(pages: pages, failedPages: failed.sorted())
    }

    /// One page, retried once on a transient engine failure.
    static func recognize(_ page: PageImage, engine: any OCREngine, request: RecognitionRequest) async -> Result<
        String, OCRError
    > {
        do {
            return .success(try await engine.recognize(page, request: request))
        } catch where error.code.isRetryable {
            do {
                return .success(try await engine.recognize(page, request: request))
            } catch {
                return .failure(error)
            }
        } catch {
            return .failure(error)
        }
    }
}

/// A paged document shared with the render threads.
///
/// `@unchecked Sendable`: poppler and Leptonica objects are not thread-safe, but the page
/// recognizer renders one page at a time and awaits each render before starting the next,
/// so the document is never used by two threads at once.
final class RenderableDocument: @unchecked Sendable {
    private let document: PagedDocument

    init(_ document: PagedDocument) { self.document = document }

    var pageCount: Int { document.pageCount }

    func render(page index: Int, dpi: Double, limits: DocumentLimits) throws(OCRError) -> PageImage {
        try document.render(page: index, dpi: dpi, limits: limits)
    }
}

/// Assembles the pages' markdown: each page opens with a `<!-- page N -->` comment and
/// pages are separated by a thematic break.
enum MarkdownAssembler {
    static func assemble(pages: [String], numbers: [Int]) -> String {
        zip(numbers, pages).map { number, text in
            text.isEmpty ? "<!-- page \(number) -->" : "<!-- page \(number) -->\n\n\(text)"
        }.joined(separator: "\n\n---\n\n") + "\n"
    }
}
