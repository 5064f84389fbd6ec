import OCRFleetDocuments
import OCRFleetEngines
import OCRFleetModel

/// What the worker asks of a document's child, one request at a time, each answered by one
/// `ChildReply`.
public enum ChildRequest: Codable, Sendable, Equatable {
    /// Open the document; answered by `opened` (then every other request is about it).
    case open(ChildOpening)
    /// The text layer of a PDF page; answered by `text`.
    case text(page: Int, includeInvisible: Bool)
    /// A page as the engine gets it; answered by `image`, the bitmap attached.
    case render(ChildRendering)
    /// A page rendered and read by Tesseract; answered by `recognized`.
    case recognize(ChildRecognition)
}

/// The document the child opens, and the limits it opens it within.
public struct ChildOpening: Codable, Sendable, Equatable {
    public var path: String
    /// `DocumentFormat.rawValue`: a PDF or an image.
    public var format: String
    public var password: String?
    public var maxPages: Int
    public var maxPagePixels: Int

    public init(path: String, format: DocumentFormat, password: String?, limits: DocumentLimits) {
        self.path = path
        self.format = format.rawValue
        self.password = password
        maxPages = limits.maxPages
        maxPagePixels = limits.maxPagePixels
    }

    var limits: DocumentLimits { DocumentLimits(maxPages: maxPages, maxPagePixels: maxPagePixels) }
}

public struct ChildRendering: Codable, Sendable, Equatable {
    public var page: Int
    public var target: RenderTarget
    public var gray: Bool
    /// Straighten the page if it is a scan (`PageStraightener`).
    public var straighten: Bool
    /// Whether the page is a scan, when the worker knows it; nil: the child decides from its text.
    public var knownScanned: Bool?

    public init(page: Int, target: RenderTarget, gray: Bool, straighten: Bool, knownScanned: Bool?) {
        self.page = page
        self.target = target
        self.gray = gray
        self.straighten = straighten
        self.knownScanned = knownScanned
    }
}

public struct ChildRecognition: Codable, Sendable, Equatable {
    public var page: Int
    public var dpi: Double
    public var languages: [String]
    public var pageTimeoutMilliseconds: Int
    /// Straighten and read again the pages Tesseract reads with low confidence.
    public var straighten: Bool

    public init(page: Int, dpi: Double, languages: [String], pageTimeout: Duration, straighten: Bool) {
        self.page = page
        self.dpi = dpi
        self.languages = languages
        pageTimeoutMilliseconds = Int(pageTimeout.components.seconds * 1000 + pageTimeout.components.attoseconds / 1_000_000_000_000_000)
        self.straighten = straighten
    }
}

/// The child's answer to one request.
public enum ChildReply: Codable, Sendable, Equatable {
    case opened(pageCount: Int, hasTextLayer: Bool)
    case text(PageText)
    /// The bitmap is attached, serialized (`PageImage.serialized()`).
    case image(resolution: Int)
    /// Tesseract's lines and words with their boxes and confidences come along for the layout.
    case recognized(markdown: String, width: Int, height: Int, blocks: [LayoutBlock], confidence: Double?)
    /// The request failed as the in-process code would have: a corrupt page, a page too large.
    case failed(code: ErrorCode, message: String)
}

/// A reply as it crosses the pipe: with everything the native libraries said about the
/// document so far, so the worker has it even when the child dies after this reply.
struct ChildReplyFrame: Codable, Sendable {
    var reply: ChildReply
    var messages: NativeMessages
}
