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
        do {
            let sample = try await TextLayerSample(document, indexes: indexes, mode: mode, headersFooters: headersFooters)
            var pipeline = PagePipeline(
                self,
                document: document,
                indexes: indexes,
                mode: mode,
                engine: engine,
                request: request,
                policy: policy,
                logger: logger,
                progress: progress,
                sample: sample
            )
            try await withThrowingTaskGroup(of: (Int, Result<RecognizedPage, OCRError>).self) { group in
                try await pipeline.run(in: &group)
            }
            return pipeline.tally.outcome
        } catch let error as OCRError {
            throw error
        } catch is CancellationError {
            throw OCRError(.cancelled, "the job was stopped")
        } catch {
            throw OCRError(.internal, "page pipeline: \(error)")
        }
    }

    /// What opens a page read with low confidence, for readers and scripts to route it.
    static func lowConfidenceMarker(_ confidence: Double) -> String {
        "<!-- low confidence: \(Int(confidence.rounded())) -->"
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
