import OCRFleetDocuments
import OCRFleetModel

/// What an engine needs to know about a page besides its bitmap.
public struct RecognitionRequest: Sendable {
    public var languages: [String]
    public var prompt: PromptStyle
    public var resolution: Resolution
    /// Time budget of one page; over it the page fails with `engine_timeout`.
    public var pageTimeout: Duration

    public init(
        languages: [String] = ["eng"], prompt: PromptStyle = .markdown, resolution: Resolution = .base,
        pageTimeout: Duration = .seconds(120)
    ) {
        self.languages = languages
        self.prompt = prompt
        self.resolution = resolution
        self.pageTimeout = pageTimeout
    }
}

/// A page engine: bitmap in, markdown out.
public protocol OCREngine: Sendable {
    /// The engine's name in events: `tesseract` or `deepseek`.
    var name: String { get }
    /// Pages this engine works on at once; the worker keeps that many in flight.
    var concurrency: Int { get }
    /// Fails fast, before any page is rendered, when the request cannot be served
    /// (a language that is not installed, say).
    func validate(_ request: RecognitionRequest) throws(OCRError)
    func recognize(_ page: PageImage, request: RecognitionRequest) async throws(OCRError) -> String
}
