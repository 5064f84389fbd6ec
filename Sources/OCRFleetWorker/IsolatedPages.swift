import NIOPosix
import OCRFleetDocuments
import OCRFleetEngines
import OCRFleetIsolation
import OCRFleetMetrics
import OCRFleetModel
import Tracing

/// A paged document read by a child process of its own (`DocumentChild`), which the worker
/// kills when the job stops, so a page that hangs or crashes poppler, Leptonica or Tesseract
/// ends the job, not the worker. With Tesseract the child reads the pages too; for DeepSeek
/// it sends each page's bitmap back to be encoded and sent from here.
final class IsolatedPages: DocumentPages {
    private let child: DocumentChild
    private let threads: NIOThreadPool
    private let limits: DocumentLimits
    private let said: NativeMessageTally
    let pageCount: Int
    let hasTextLayer: Bool

    /// Starts a child and opens the document in it.
    init(
        path: String,
        format: DocumentFormat,
        password: String?,
        limits: DocumentLimits,
        options: DocumentChildOptions,
        timeLimit: Duration,
        threads: NIOThreadPool,
        said: NativeMessageTally
    ) async throws(OCRError) {
        // Its CPU limit is a backstop under the job's time limit, which the worker enforces.
        let child = try await DocumentChild(
            options: options,
            cpuTime: timeLimit + .seconds(5),
            maxPagePixels: limits.maxPagePixels,
            io: threads
        )
        self.child = child
        self.threads = threads
        self.limits = limits
        self.said = said
        // What poppler said about a file it cannot open is kept too.
        defer { said.document(child.nativeMessages) }
        let reply = try await child.exchange(
            .open(ChildOpening(path: path, format: format, password: password, limits: limits)),
            doing: "opening the document"
        )
        guard case .opened(let count, let textLayer) = try Self.answer(reply.0) else {
            throw OCRError(.internal, "the document's process answered the opening with \(reply.0)")
        }
        // The child applied the limits; it read a hostile file, so its answer is checked again.
        guard count > 0, count <= limits.maxPages else {
            throw OCRError(.internal, "the document's process reports \(count) pages")
        }
        pageCount = count
        hasTextLayer = textLayer
    }

    func text(page index: Int, includeInvisible: Bool) async throws(OCRError) -> PageText {
        let (reply, _) = try await ask(
            .text(page: index, includeInvisible: includeInvisible),
            doing: "reading the text of page \(index + 1)"
        )
        guard case .text(let text) = try Self.answer(reply) else {
            throw OCRError(.internal, "the document's process answered a text request with \(reply)")
        }
        return text
    }

    func render(
        page index: Int,
        target: RenderTarget,
        gray: Bool,
        straightener: PageStraightener?,
        knownScanned: Bool?
    ) async throws(OCRError) -> PageImage {
        let rendering = ChildRendering(
            page: index,
            target: target,
            gray: gray,
            straighten: straightener != nil,
            knownScanned: knownScanned
        )
        let (reply, bytes) = try await ask(.render(rendering), doing: "rendering page \(index + 1)")
        guard case .image(let resolution) = try Self.answer(reply) else {
            throw OCRError(.internal, "the document's process answered a render request with \(reply)")
        }
        let maxPixels = limits.maxPagePixels
        let decoded: PageImage?
        do {
            decoded = try await threads.runIfActive { PageImage(serialized: bytes, resolution: resolution, maxPixels: maxPixels) }
        } catch {
            throw OCRError(.cancelled, "the worker is stopping")
        }
        guard let decoded else {
            throw OCRError(.internal, "the document's process sent a bitmap that is not one for page \(index + 1)")
        }
        return decoded
    }

    func recognize(
        page index: Int,
        with engine: TesseractEngine,
        request: RecognitionRequest
    ) async
        -> Result<RecognizedPage, OCRError>?
    {
        let recognition = ChildRecognition(
            page: index,
            dpi: engine.dpi,
            languages: request.languages,
            pageTimeout: request.pageTimeout,
            straighten: engine.straightensItself
        )
        func once() async -> Result<RecognizedPage, OCRError> {
            let started = ContinuousClock.now
            do throws(OCRError) {
                let page = try await engine.holdingPageSlot { () throws(OCRError) in
                    let (reply, _) = try await ask(.recognize(recognition), doing: "recognising page \(index + 1)")
                    guard case .recognized(let markdown, let width, let height, let blocks, let confidence) = try Self.answer(reply)
                    else {
                        throw OCRError(.internal, "the document's process answered a recognition request with \(reply)")
                    }
                    return RecognizedPage(markdown: markdown, blocks: blocks, width: width, height: height, confidence: confidence)
                }
                FleetMetrics.engineRequest(engine: engine.name, status: "ok", took: .now - started)
                return .success(page)
            } catch {
                FleetMetrics.engineRequest(engine: engine.name, status: error.code.rawValue, took: .now - started)
                return .failure(error)
            }
        }
        return await FleetMetrics.pageInFlight {
            await withSpan("ocr.page", ofKind: .client) { span in
                span.attributes["ocr.engine"] = engine.name
                var result = await once()
                if case .failure(let error) = result, error.code.isRetryable, error.code != .engineUnavailable,
                    error.code != .internal
                {
                    result = await once()
                }
                if case .failure(let error) = result { span.setStatus(.init(code: .error, message: error.code.rawValue)) }
                return result
            }
        }
    }

    /// Asks the child, and keeps what it says the libraries said, whatever the outcome.
    private func ask(_ request: ChildRequest, doing: String) async throws(OCRError) -> (ChildReply, [UInt8]) {
        defer { said.document(child.nativeMessages) }
        return try await child.exchange(request, doing: doing)
    }

    /// `reply`, unless it reports a failure: that is thrown.
    private static func answer(_ reply: ChildReply) throws(OCRError) -> ChildReply {
        if case .failed(let code, let message) = reply { throw OCRError(code, message) }
        return reply
    }
}
