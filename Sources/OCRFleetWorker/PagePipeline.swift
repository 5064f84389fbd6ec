import Logging
import NIOPosix
import OCRFleetDocuments
import OCRFleetEngines
import OCRFleetModel

/// One document's pages on their way through `PageRecognizer.run`, in the order asked: each
/// written from its text layer when that is usable, else rendered, prepared on the render
/// threads and sent to the engine in a task of `group`, with at most `inflightLimit` pages
/// sent and not yet collected. A page is prepared before room is waited for, so no more than
/// that many prepared pages (plus the one being rendered) are held at once.
struct PagePipeline<Engine: OCREngine> {
    typealias Group = ThrowingTaskGroup<(Int, Result<RecognizedPage, OCRError>), any Error>

    let recognizer: PageRecognizer
    let document: any DocumentPages
    let indexes: [Int]
    let mode: RecognitionMode
    let engine: Engine
    let request: RecognitionRequest
    let policy: PageErrorPolicy
    let logger: Logger
    let progress: @Sendable (Int) async -> Void
    let writing: TextLayerWriting
    let inflightLimit: Int
    let target: RenderTarget
    let gray: Bool
    let straightener: PageStraightener?
    /// The first pages' text, read for `writing`; each is taken when its page's turn comes.
    private var sampled: [Int: PageText]
    private(set) var tally: PageTally
    /// Pages sent to the engine whose results are not collected yet.
    private var inflight = 0

    init(
        _ recognizer: PageRecognizer,
        document: any DocumentPages,
        indexes: [Int],
        mode: RecognitionMode,
        engine: Engine,
        request: RecognitionRequest,
        policy: PageErrorPolicy,
        logger: Logger,
        progress: @escaping @Sendable (Int) async -> Void,
        sample: TextLayerSample
    ) {
        (self.recognizer, self.document, self.indexes, self.mode) = (recognizer, document, indexes, mode)
        (self.engine, self.request, self.policy, self.logger, self.progress) = (engine, request, policy, logger, progress)
        (writing, sampled) = (sample.writing, sample.pages)
        tally = PageTally(count: indexes.count)
        inflightLimit = max(1, min(recognizer.maxInflight, engine.concurrency))
        target = engine.renderTarget(for: request)
        gray = engine.rendersGray
        // Tesseract straightens the pages it doubts itself; other engines get every scan straightened.
        straightener = engine.straightensItself ? nil : recognizer.straightener
    }

    /// Sends every page on its way and collects them all.
    mutating func run(in group: inout Group) async throws {
        let readsText = mode != .ocr && document.hasTextLayer
        for (slot, index) in indexes.enumerated() {
            try Task.checkCancellation()
            // Whether the page is a scan, to be straightened; nil: not known yet.
            var scanned: Bool? = document.hasTextLayer ? nil : true
            if readsText {
                let text = try await pageText(of: index)
                if mode == .text || text.isUsable {
                    tally.textPages += 1
                    await finish(slot, RecognizedPage(text, writing))
                    continue
                }
                logger.debug("page goes to the engine", metadata: ["page": "\(index + 1)", "reason": "\(text.unusableReason ?? "")"])
                scanned = text.looksScanned
            }
            try await send(slot, scanned: scanned, in: &group)
        }
        while inflight > 0 { try await collect(from: &group) }
    }

    /// The page's text layer: sampled already for the first pages, read now for the rest.
    private mutating func pageText(of index: Int) async throws -> PageText {
        if let sample = sampled.removeValue(forKey: index) { return sample }
        return try await document.text(page: index, includeInvisible: mode == .text)
    }

    /// Sends the page in `slot` to the engine once fewer than `inflightLimit` pages are there.
    private mutating func send(_ slot: Int, scanned: Bool?, in group: inout Group) async throws {
        let index = indexes[slot]
        let (engine, request) = (self.engine, self.request)
        if let tesseract = engine as? TesseractEngine,
            let result = await document.recognize(page: index, with: tesseract, request: request)
        {
            // Read where the document is, rendered and recognised in one step.
            try await waitForRoom(in: &group)
            group.addTask { (slot, result) }
            inflight += 1
            return
        }
        let page = try await document.render(
            page: index,
            target: target,
            gray: gray,
            straightener: straightener,
            knownScanned: scanned
        )
        let prepared = try await recognizer.renderThreads.runIfActive {
            Result { () throws(OCRError) -> Engine.PreparedPage in try engine.prepare(page, request: request) }
        }.get()
        try await waitForRoom(in: &group)
        group.addTask {
            (slot, await PageRecognizer.recognize(prepared, engine: engine, request: request))
        }
        inflight += 1
    }

    private mutating func waitForRoom(in group: inout Group) async throws {
        while inflight >= inflightLimit { try await collect(from: &group) }
    }

    /// Takes the next page the engine finished: flagged when its confidence is low, or, when
    /// it failed, marked (or its text layer standing in) or the job failed, by `policy`.
    private mutating func collect(from group: inout Group) async throws {
        guard let (slot, result) = try await group.next() else { return }
        inflight -= 1
        let number = indexes[slot] + 1
        switch result {
        case .success(var page):
            if page.incomplete { tally.incomplete.append(number) }
            if let confidence = page.confidence, confidence < recognizer.lowConfidence {
                tally.doubtful.append(number)
                page.markdown =
                    PageRecognizer.lowConfidenceMarker(confidence) + (page.markdown.isEmpty ? "" : "\n\n" + page.markdown)
            }
            await finish(slot, page)
        case .failure(let error):
            // A server that is down fails the attempt (retried later), rather
            // than marking every page of the document.
            if policy == .fail || !error.code.isRetryable || error.code == .engineUnavailable {
                throw OCRError(error.code, "page \(number): \(error.message)")
            }
            logger.warning("page failed after retry; marked", metadata: ["page": "\(number)", "error": "\(error)"])
            tally.failed.append(number)
            await finish(slot, try await standIn(for: indexes[slot], error: error))
        }
    }

    private mutating func finish(_ slot: Int, _ page: RecognizedPage) async {
        await progress(tally.finish(slot, page))
    }

    /// What stands in for a page the engine failed on: its text layer, invisible or not, if
    /// it has one; else a visible marker.
    private func standIn(for index: Int, error: OCRError) async throws -> RecognizedPage {
        let marker = "<!-- page \(index + 1) could not be recognised: \(error.code.rawValue) -->"
        guard document.hasTextLayer,
            let text = try? await document.text(page: index, includeInvisible: true),
            !text.words.isEmpty
        else { return RecognizedPage(markdown: marker) }
        var page = RecognizedPage(text, writing)
        page.markdown =
            "<!-- page \(index + 1) could not be recognised (\(error.code.rawValue)); its text layer stands in -->\n\n"
            + page.markdown
        return page
    }
}
