import Foundation

/// The `data` of an `ocrfleet.job.requested` CloudEvent.
public struct JobRequest: Codable, Sendable, Equatable {
    public var jobID: String
    public var source: SourceDocument
    public var result: ResultTarget
    public var options: JobOptions
    public var metadata: [String: String]?

    public init(
        jobID: String,
        source: SourceDocument,
        result: ResultTarget,
        options: JobOptions = JobOptions(),
        metadata: [String: String]? = nil
    ) {
        self.jobID = jobID
        self.source = source
        self.result = result
        self.options = options
        self.metadata = metadata
    }

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id"
        case source, result, options, metadata
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        jobID = try container.decode(String.self, forKey: .jobID)
        source = try container.decode(SourceDocument.self, forKey: .source)
        result = try container.decode(ResultTarget.self, forKey: .result)
        options = try container.decodeIfPresent(JobOptions.self, forKey: .options) ?? JobOptions()
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata)
    }
}

public struct SourceDocument: Codable, Sendable, Equatable {
    public var url: String
    public var contentType: String?
    public var filename: String?
    public var size: Int?
    public var sha256: String?

    public init(url: String, contentType: String? = nil, filename: String? = nil, size: Int? = nil, sha256: String? = nil) {
        self.url = url
        self.contentType = contentType
        self.filename = filename
        self.size = size
        self.sha256 = sha256
    }

    enum CodingKeys: String, CodingKey {
        case url, filename, size, sha256
        case contentType = "content_type"
    }
}

public struct ResultTarget: Codable, Sendable, Equatable {
    public var url: String
    public var contentType: String?
    /// Optional presigned PUT URL for the layout sidecar: JSON with each page's blocks
    /// (type, box in page pixels, text), written when the engine reports them.
    public var layoutURL: String?
    /// Presigned PUT URL for `chunks.jsonl`; required when the job asks for `options.chunk`.
    public var chunksURL: String?
    /// Presigned PUT URL for `extraction.json`; required when the job asks for
    /// `options.classify`, `options.split` or `options.extract`.
    public var extractionURL: String?

    public init(
        url: String,
        contentType: String? = "text/markdown; charset=utf-8",
        layoutURL: String? = nil,
        chunksURL: String? = nil,
        extractionURL: String? = nil
    ) {
        self.url = url
        self.contentType = contentType
        self.layoutURL = layoutURL
        self.chunksURL = chunksURL
        self.extractionURL = extractionURL
    }

    enum CodingKeys: String, CodingKey {
        case url
        case contentType = "content_type"
        case layoutURL = "layout_url"
        case chunksURL = "chunks_url"
        case extractionURL = "extraction_url"
    }
}

public enum EngineChoice: String, Codable, Sendable, CaseIterable {
    case auto, deepseek, tesseract
}

public enum RecognitionMode: String, Codable, Sendable, CaseIterable {
    case ocr, text, hybrid
}

public enum Resolution: String, Codable, Sendable, CaseIterable {
    case tiny, small, base, large, gundam

    /// Longest side of the page bitmap sent to DeepSeek-OCR.
    public var longestSide: Int {
        switch self {
        case .tiny: 512
        case .small: 640
        case .base: 1024
        case .large: 1280
        case .gundam: 1600
        }
    }
}

public enum PromptStyle: String, Codable, Sendable, CaseIterable {
    case markdown, free
}

public enum PageErrorPolicy: String, Codable, Sendable, CaseIterable {
    case mark, fail
}

/// What becomes of a PDF's running headers, footers and page numbers in the markdown.
public enum HeaderFooterPolicy: String, Codable, Sendable, CaseIterable {
    /// Written as `<!-- header: … -->` / `<!-- footer: … -->` comments where they stand.
    case mark
    /// Left out (for retrieval, where they repeat on every chunk).
    case drop
}

public struct JobOptions: Codable, Sendable, Equatable {
    public var engine: EngineChoice
    public var mode: RecognitionMode
    public var pages: PageRanges?
    public var languages: [String]
    public var resolution: Resolution
    public var prompt: PromptStyle
    public var timeoutSeconds: Int?
    public var password: String?
    public var onPageError: PageErrorPolicy
    public var headersFooters: HeaderFooterPolicy
    /// Cut the markdown into `chunks.jsonl` too (uploaded to `result.chunks_url`); nil: no chunks.
    public var chunk: ChunkingOptions?
    /// Label each page and the document (`extraction.json`'s `classification`); nil: no labels.
    public var classify: ClassificationOptions?
    /// Cut the document into sections by page label; needs `classify`.
    public var split: SplitOptions?
    /// Extract a schema's values with citations; nil: no extraction.
    public var extract: ExtractionOptions?
    /// Send uncertain values to people (docs/review.md); needs `extract`.
    public var review: ReviewOptions?
    /// The lane the job waits in: `interactive` (the default) or `batch` (docs/lanes.md).
    public var priority: JobPriority

    public init(
        engine: EngineChoice = .auto,
        mode: RecognitionMode = .hybrid,
        pages: PageRanges? = nil,
        languages: [String] = ["eng"],
        resolution: Resolution = .base,
        prompt: PromptStyle = .markdown,
        timeoutSeconds: Int? = nil,
        password: String? = nil,
        onPageError: PageErrorPolicy = .mark,
        headersFooters: HeaderFooterPolicy = .mark,
        chunk: ChunkingOptions? = nil,
        classify: ClassificationOptions? = nil,
        split: SplitOptions? = nil,
        extract: ExtractionOptions? = nil,
        review: ReviewOptions? = nil,
        priority: JobPriority = .interactive
    ) {
        self.engine = engine
        self.mode = mode
        self.pages = pages
        self.languages = languages
        self.resolution = resolution
        self.prompt = prompt
        self.timeoutSeconds = timeoutSeconds
        self.password = password
        self.onPageError = onPageError
        self.headersFooters = headersFooters
        self.chunk = chunk
        self.classify = classify
        self.split = split
        self.extract = extract
        self.review = review
        self.priority = priority
    }

    enum CodingKeys: String, CodingKey {
        case engine, mode, pages, languages, resolution, prompt, password, chunk, classify, split, extract, review
        case priority
        case timeoutSeconds = "timeout_s"
        case onPageError = "on_page_error"
        case headersFooters = "headers_footers"
    }

    /// Whether the job asks for a stage that writes `extraction.json`.
    public var analyses: Bool { classify != nil || split != nil || extract != nil }

    /// Every field is optional on the wire; absent or null fields take the contract's defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = JobOptions()
        engine = try c.decodeIfPresent(EngineChoice.self, forKey: .engine) ?? defaults.engine
        mode = try c.decodeIfPresent(RecognitionMode.self, forKey: .mode) ?? defaults.mode
        pages = try c.decodeIfPresent(PageRanges.self, forKey: .pages)
        languages = try c.decodeIfPresent([String].self, forKey: .languages) ?? defaults.languages
        resolution = try c.decodeIfPresent(Resolution.self, forKey: .resolution) ?? defaults.resolution
        prompt = try c.decodeIfPresent(PromptStyle.self, forKey: .prompt) ?? defaults.prompt
        timeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .timeoutSeconds)
        password = try c.decodeIfPresent(String.self, forKey: .password)
        onPageError = try c.decodeIfPresent(PageErrorPolicy.self, forKey: .onPageError) ?? defaults.onPageError
        headersFooters = try c.decodeIfPresent(HeaderFooterPolicy.self, forKey: .headersFooters) ?? defaults.headersFooters
        chunk = try c.decodeIfPresent(ChunkingOptions.self, forKey: .chunk)
        classify = try c.decodeIfPresent(ClassificationOptions.self, forKey: .classify)
        split = try c.decodeIfPresent(SplitOptions.self, forKey: .split)
        extract = try c.decodeIfPresent(ExtractionOptions.self, forKey: .extract)
        review = try c.decodeIfPresent(ReviewOptions.self, forKey: .review)
        priority = try c.decodeIfPresent(JobPriority.self, forKey: .priority) ?? defaults.priority
    }
}
