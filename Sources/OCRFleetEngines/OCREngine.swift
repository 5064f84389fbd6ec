import OCRFleetDocuments
import OCRFleetModel

/// What an engine needs to know about a page besides its bitmap.
public struct RecognitionRequest: Sendable {
    public var languages: [String]
    public var prompt: PromptStyle
    public var resolution: Resolution
    /// Time budget of one page; over it the page fails with `engine_timeout`.
    public var pageTimeout: Duration
    /// Most pixels of a page bitmap (`OCR_MAX_PAGE_PIXELS`), enlarged pages included.
    public var maxPagePixels: Int

    public init(
        languages: [String] = ["eng"],
        prompt: PromptStyle = .markdown,
        resolution: Resolution = .base,
        pageTimeout: Duration = .seconds(120),
        maxPagePixels: Int = DocumentLimits().maxPagePixels
    ) {
        self.languages = languages
        self.prompt = prompt
        self.resolution = resolution
        self.pageTimeout = pageTimeout
        self.maxPagePixels = maxPagePixels
    }
}

/// One region of a page as an engine located it.
public struct LayoutBlock: Codable, Sendable, Equatable {
    /// The engine's block type: `text`, `title`, `table`, `image`, ... (Tesseract: `line`)
    public var type: String
    /// `[x1, y1, x2, y2]` in pixels of the page bitmap the engine saw.
    public var box: [Int]
    public var text: String
    /// How sure the engine is of the text, 0-100, when it says (Tesseract).
    public var confidence: Double?
    /// The block's words, when the engine locates them (Tesseract).
    public var words: [LayoutWord]?

    public init(type: String, box: [Int], text: String, confidence: Double? = nil, words: [LayoutWord]? = nil) {
        self.type = type
        self.box = box
        self.text = text
        self.confidence = confidence
        self.words = words
    }
}

/// One word of a line, with its box and the engine's confidence in it (0-100).
public struct LayoutWord: Codable, Sendable, Equatable {
    public var text: String
    /// `[x1, y1, x2, y2]` in pixels of the page bitmap the engine saw.
    public var box: [Int]
    public var confidence: Double

    public init(text: String, box: [Int], confidence: Double) {
        self.text = text
        self.box = box
        self.confidence = confidence
    }
}

/// An engine's answer for one page.
public struct RecognizedPage: Sendable {
    public var markdown: String
    /// Regions with boxes, when the engine reports them (DeepSeek-OCR's grounded mode).
    public var blocks: [LayoutBlock]
    /// Size of the bitmap the boxes refer to.
    public var width: Int
    public var height: Int
    /// The answer is known to be incomplete (cut off at the token budget); the markdown
    /// carries a visible marker saying so.
    public var incomplete: Bool
    /// The engine's mean word confidence on the page, 0-100; nil when the engine reports
    /// none (DeepSeek-OCR, a text layer) or the page has no words.
    public var confidence: Double?

    public init(
        markdown: String,
        blocks: [LayoutBlock] = [],
        width: Int = 0,
        height: Int = 0,
        incomplete: Bool = false,
        confidence: Double? = nil
    ) {
        self.markdown = markdown
        self.blocks = blocks
        self.width = width
        self.height = height
        self.incomplete = incomplete
        self.confidence = confidence
    }
}

/// A page engine: bitmap in, markdown out.
///
/// A page goes through two steps: `prepare` runs on the worker's render thread right after
/// the page is rasterised (CPU work such as scaling and compressing), then `recognize`
/// awaits the engine. The page bitmap is released between the two, so pages queued for a
/// remote engine hold only their compressed bytes.
public protocol OCREngine: Sendable {
    associatedtype PreparedPage: Sendable

    /// The engine's name in events: `tesseract` or `deepseek`.
    var name: String { get }
    /// Pages this engine works on at once; the worker keeps that many in flight.
    var concurrency: Int { get }
    /// Fails fast, before any page is rendered, when the request cannot be served
    /// (a language that is not installed, say).
    func validate(_ request: RecognitionRequest) throws(OCRError)
    /// The bitmap this engine wants for `request`.
    func renderTarget(for request: RecognitionRequest) -> RenderTarget
    /// Whether PDFs are rendered in gray (else colour).
    var rendersGray: Bool { get }
    /// Whether the engine turns the pages it reads badly upright itself (so the worker need
    /// not straighten every scan before `prepare`).
    var straightensItself: Bool { get }
    func prepare(_ page: PageImage, request: RecognitionRequest) throws(OCRError) -> PreparedPage
    func recognize(_ page: PreparedPage, request: RecognitionRequest) async throws(OCRError) -> RecognizedPage
}

extension OCREngine {
    public var straightensItself: Bool { false }

    /// Prepares and recognises in one step: for tests and tools that hold a page already.
    public func recognize(page: PageImage, request: RecognitionRequest) async throws(OCRError) -> RecognizedPage {
        try await recognize(try prepare(page, request: request), request: request)
    }
}
