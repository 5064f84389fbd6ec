import Foundation
import Logging
import OCRFleetDocuments
import OCRFleetEngines
import OCRFleetModel
import NIOPosix

/// The pages of one document through an engine: page n+1 is rendered (and prepared for
/// the engine) while earlier pages are at the engine, at most `maxInflight` pages of the
/// job are in flight, and no more than that many prepared pages (plus the one being
/// rendered) exist at once. The engine bounds its own work across jobs.
struct PageRecognizer: Sendable {
    let renderThreads: NIOThreadPool
    let limits: DocumentLimits
    let maxInflight: Int

    struct Outcome: Sendable {
        var pages: [RecognizedPage]
        var failedPages: [Int]
        var incompletePages: [Int]
    }

    /// Renders and recognises `indexes` of `document` in order; `progress` is called with
    /// the number of pages done after each page.
    func run<Engine: OCREngine>(
        _ document: RenderableDocument, indexes: [Int], engine: Engine, request: RecognitionRequest,
        policy: PageErrorPolicy, logger: Logger, progress: @escaping @Sendable (Int) async -> Void
    ) async throws(OCRError) -> Outcome {
        let inflightLimit = max(1, min(maxInflight, engine.concurrency))
        let target = engine.renderTarget(for: request)
        let gray = engine.rendersGray
        let limits = self.limits
        var pages = [RecognizedPage](repeating: RecognizedPage(markdown: ""), count: indexes.count)
        var failed: [Int] = []
        var incomplete: [Int] = []
        var done = 0
        do {
            try await withThrowingTaskGroup(of: (Int, Result<RecognizedPage, OCRError>).self) { group in
                var inflight = 0
                func collect() async throws {
                    guard let (slot, result) = try await group.next() else { return }
                    inflight -= 1
                    let number = indexes[slot] + 1
                    switch result {
                    case .success(let page):
                        pages[slot] = page
                        if page.incomplete { incomplete.append(number) }
                    case .failure(let error):
                        // A server that is down fails the attempt (retried later), rather
                        // than marking every page of the document.
                        if policy == .fail || !error.code.isRetryable || error.code == .engineUnavailable {
                            throw OCRError(error.code, "page \(number): \(error.message)")
                        }
                        logger.warning("page failed after retry; marked", metadata: ["page": "\(number)", "error": "\(error)"])
                        pages[slot] = RecognizedPage(markdown: "<!-- page \(number) could not be recognised: \(error.code.rawValue) -->")
                        failed.append(number)
                    }
                    done += 1
                    await progress(done)
                }
                for (slot, index) in indexes.enumerated() {
                    try Task.checkCancellation()
                    let prepared = try await renderThreads.runIfActive {
                        Result { () throws(OCRError) -> Engine.PreparedPage in
                            let page = try document.render(page: index, target: target, gray: gray, limits: limits)
                            return try engine.prepare(page, request: request)
                        }
                    }.get()
                    while inflight >= inflightLimit { try await collect() }
                    group.addTask {
                        (slot, await Self.recognize(prepared, engine: engine, request: request))
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
        return Outcome(pages: pages, failedPages: failed.sorted(), incompletePages: incomplete.sorted())
    }

    /// One page, retried once on a transient engine failure other than the engine being down.
    static func recognize<Engine: OCREngine>(
        _ page: Engine.PreparedPage, engine: Engine, request: RecognitionRequest
    ) async -> Result<RecognizedPage, OCRError> {
        do {
            return .success(try await engine.recognize(page, request: request))
        } catch where error.code.isRetryable && error.code != .engineUnavailable {
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

    func render(page index: Int, target: RenderTarget, gray: Bool, limits: DocumentLimits) throws(OCRError) -> PageImage {
        try document.render(page: index, target: target, gray: gray, limits: limits)
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

/// The layout sidecar: `{"pages": [{"page", "width", "height", "blocks": [{"type", "box", "text"}]}]}`
/// with boxes in pixels of the page bitmap the engine saw (`width` × `height`).
enum PageLayout {
    struct Page: Encodable {
        var page: Int
        var width: Int
        var height: Int
        var blocks: [LayoutBlock]
    }

    struct Document: Encodable { var pages: [Page] }

    static func document(pages: [RecognizedPage], numbers: [Int]) -> [UInt8] {
        let document = Document(
            pages: zip(numbers, pages).map { Page(page: $0, width: $1.width, height: $1.height, blocks: $1.blocks) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(document))) ?? Array("{\"pages\":[]}".utf8)
    }
}
