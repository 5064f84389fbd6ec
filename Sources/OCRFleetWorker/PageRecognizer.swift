import Foundation
import Logging
import NIOPosix
import OCRFleetDocuments
import OCRFleetEngines
import OCRFleetMetrics
import OCRFleetModel
import Tracing

/// The pages of one document to markdown, each by its best path: a PDF page with a usable
/// text layer is written from it (`hybrid`, `text`); the rest go through the engine, page
/// n+1 rendered (and prepared for the engine) while earlier pages are at the engine, at most
/// `maxInflight` pages of the job in flight, and no more than that many prepared pages (plus
/// the one being rendered) at once. The engine bounds its own work across jobs.
struct PageRecognizer: Sendable {
    let renderThreads: NIOThreadPool
    let limits: DocumentLimits
    let maxInflight: Int
    /// Turns scanned pages upright and straight before the engine; nil: pages go as rendered.
    let straightener: PageStraightener?
    /// Pages the engine reads with a lower mean confidence (0-100) are flagged in the markdown.
    let lowConfidence: Double

    /// Pages whose type sizes set the heading levels and whose repeated top and bottom lines
    /// are the running headers and footers recognised on every page.
    static let samplePages = 8

    struct Outcome: Sendable {
        var pages: [RecognizedPage]
        var failedPages: [Int]
        var incompletePages: [Int]
        /// Pages written from their text layer, without the engine.
        var textPages: Int
        /// Pages flagged for their low confidence.
        var lowConfidencePages: [Int] = []
    }

    /// Renders and recognises `indexes` of `document` in order; `progress` is called with
    /// the number of pages done after each page.
    func run<Engine: OCREngine>(
        _ document: any DocumentPages,
        indexes: [Int],
        mode: RecognitionMode,
        engine: Engine,
        request: RecognitionRequest,
        policy: PageErrorPolicy,
        headersFooters: HeaderFooterPolicy,
        logger: Logger,
        progress: @escaping @Sendable (Int) async -> Void
    ) async throws(OCRError) -> Outcome {
        let inflightLimit = max(1, min(maxInflight, engine.concurrency))
        let target = engine.renderTarget(for: request)
        let gray = engine.rendersGray
        // Tesseract straightens the pages it doubts itself; other engines get every scan straightened.
        let straightener = engine.straightensItself ? nil : self.straightener
        var pages = [RecognizedPage](repeating: RecognizedPage(markdown: ""), count: indexes.count)
        var failed: [Int] = []
        var incomplete: [Int] = []
        var doubtful: [Int] = []
        var textPages = 0
        var done = 0
        do {
            try await withThrowingTaskGroup(of: (Int, Result<RecognizedPage, OCRError>).self) { group in
                var inflight = 0
                let readsText = mode != .ocr && document.hasTextLayer
                func readText(of index: Int) async throws -> PageText {
                    try await document.text(page: index, includeInvisible: mode == .text)
                }
                // Heading levels come from the type sizes of the first pages, so they agree
                // from page to page, and running headers and footers from what those pages
                // repeat; those pages' text is kept for the loop below.
                var sampled: [Int: PageText] = [:]
                var scale: TextLayerMarkdown.Scale?
                var running = RunningLines.none
                if readsText {
                    for index in indexes.prefix(Self.samplePages) { sampled[index] = try await readText(of: index) }
                    let usable = sampled.sorted { $0.key < $1.key }.map(\.value).filter(\.isUsable)
                    scale = TextLayerMarkdown.Scale(usable)
                    running = RunningLines(usable)
                }
                let writing = TextLayerWriting(scale: scale, runningLines: running, headersFooters: headersFooters)
                func finish(_ slot: Int, _ page: RecognizedPage) async {
                    pages[slot] = page
                    done += 1
                    await progress(done)
                }
                func collect() async throws {
                    guard let (slot, result) = try await group.next() else { return }
                    inflight -= 1
                    let number = indexes[slot] + 1
                    switch result {
                    case .success(var page):
                        if page.incomplete { incomplete.append(number) }
                        if let confidence = page.confidence, confidence < lowConfidence {
                            doubtful.append(number)
                            page.markdown = Self.lowConfidenceMarker(confidence) + (page.markdown.isEmpty ? "" : "\n\n" + page.markdown)
                        }
                        await finish(slot, page)
                    case .failure(let error):
                        // A server that is down fails the attempt (retried later), rather
                        // than marking every page of the document.
                        if policy == .fail || !error.code.isRetryable || error.code == .engineUnavailable {
                            throw OCRError(error.code, "page \(number): \(error.message)")
                        }
                        logger.warning("page failed after retry; marked", metadata: ["page": "\(number)", "error": "\(error)"])
                        failed.append(number)
                        await finish(slot, try await standIn(for: indexes[slot], of: document, error: error, writing: writing))
                    }
                }
                for (slot, index) in indexes.enumerated() {
                    try Task.checkCancellation()
                    // Whether the page is a scan, to be straightened; nil: not known yet.
                    var scanned: Bool? = document.hasTextLayer ? nil : true
                    if readsText {
                        let text: PageText
                        if let sample = sampled.removeValue(forKey: index) {
                            text = sample
                        } else {
                            text = try await readText(of: index)
                        }
                        if mode == .text || text.isUsable {
                            textPages += 1
                            await finish(slot, RecognizedPage(text, writing))
                            continue
                        }
                        logger.debug("page goes to the engine", metadata: ["page": "\(index + 1)", "reason": "\(text.unusableReason ?? "")"])
                        scanned = text.looksScanned
                    }
                    if let tesseract = engine as? TesseractEngine,
                        let result = await document.recognize(page: index, with: tesseract, request: request)
                    {
                        // Read where the document is, rendered and recognised in one step.
                        while inflight >= inflightLimit { try await collect() }
                        group.addTask { (slot, result) }
                        inflight += 1
                        continue
                    }
                    let page = try await document.render(
                        page: index,
                        target: target,
                        gray: gray,
                        straightener: straightener,
                        knownScanned: scanned
                    )
                    let prepared = try await renderThreads.runIfActive {
                        Result { () throws(OCRError) -> Engine.PreparedPage in try engine.prepare(page, request: request) }
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
        return Outcome(
            pages: pages,
            failedPages: failed.sorted(),
            incompletePages: incomplete.sorted(),
            textPages: textPages,
            lowConfidencePages: doubtful.sorted()
        )
    }

    /// What opens a page read with low confidence, for readers and scripts to route it.
    static func lowConfidenceMarker(_ confidence: Double) -> String {
        "<!-- low confidence: \(Int(confidence.rounded())) -->"
    }

    /// What stands in for a page the engine failed on: its text layer, invisible or not, if
    /// it has one; else a visible marker.
    private func standIn(
        for index: Int,
        of document: any DocumentPages,
        error: OCRError,
        writing: TextLayerWriting
    ) async throws -> RecognizedPage {
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

    /// One page, retried once on a transient engine failure other than the engine being down.
    static func recognize<Engine: OCREngine>(
        _ page: Engine.PreparedPage,
        engine: Engine,
        request: RecognitionRequest
    ) async -> Result<RecognizedPage, OCRError> {
        await FleetMetrics.pageInFlight {
            await withSpan("ocr.page", ofKind: .client) { span in
                span.attributes["ocr.engine"] = engine.name
                let result = await attempts(page, engine: engine, request: request)
                if case .failure(let error) = result { span.setStatus(.init(code: .error, message: error.code.rawValue)) }
                return result
            }
        }
    }

    private static func attempts<Engine: OCREngine>(
        _ page: Engine.PreparedPage,
        engine: Engine,
        request: RecognitionRequest
    ) async -> Result<RecognizedPage, OCRError> {
        do throws(OCRError) {
            return .success(try await engine.recognize(page, request: request))
        } catch  where error.code.isRetryable && error.code != .engineUnavailable {
            do throws(OCRError) {
                return .success(try await engine.recognize(page, request: request))
            } catch {
                return .failure(error)
            }
        } catch {
            return .failure(error)
        }
    }
}

/// What a document's text-layer pages are written with: what its first pages say about all
/// of them, and the job's choice for running headers and footers.
struct TextLayerWriting: Sendable {
    var scale: TextLayerMarkdown.Scale?
    var runningLines: RunningLines
    var headersFooters: HeaderFooterPolicy
}

extension RecognizedPage {
    /// A page written from its text layer; the layout's boxes are in points.
    init(_ text: PageText, _ writing: TextLayerWriting) {
        let written = TextLayerMarkdown(
            text,
            scale: writing.scale,
            runningLines: writing.runningLines,
            headersFooters: writing.headersFooters
        )
        self.init(
            markdown: written.markdown,
            blocks: written.blocks.map { block in
                let type =
                    switch block.kind {
                    case .heading: "title"
                    case .paragraph: "text"
                    case .list: "list"
                    case .table: "table"
                    case .header: "header"
                    case .footer: "footer"
                    }
                let box = [block.box.x0, block.box.y0, block.box.x1, block.box.y1].map(Self.points)
                return LayoutBlock(type: type, box: box, text: block.text)
            },
            width: Self.points(text.width),
            height: Self.points(text.height)
        )
    }

    /// A length in points as the sidecar's whole number; a document's absurd or non-finite
    /// coordinates (a box a billion points wide) are clamped, never a trap.
    static func points(_ value: Double) -> Int {
        guard value.isFinite else { return 0 }
        return Int(min(max(value, -1e9), 1e9).rounded())
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
            pages: zip(numbers, pages).map { Page(page: $0, width: $1.width, height: $1.height, blocks: $1.blocks) }
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(document))) ?? Array("{\"pages\":[]}".utf8)
    }
}
