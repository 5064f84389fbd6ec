import Foundation

/// `extraction.json`, what a job's `classify`, `split` and `extract` stages found, uploaded to
/// `result.extraction_url` (docs/extraction.md). Each part is present when the job asked for
/// it; a stage that failed keeps its part with an `error` and leaves the others standing.
public struct ExtractionDocument: Codable, Sendable, Equatable {
    public static let currentVersion = 1

    public var version: Int
    public var classification: DocumentClassification?
    /// `split`'s sections, the document's table of contents, in page order.
    public var sections: [DocumentSection]?
    /// `extract`'s values for the whole document; nil when each section has its own
    /// (`options.split.extract_each`).
    public var extraction: FieldExtraction?

    public init(
        classification: DocumentClassification? = nil,
        sections: [DocumentSection]? = nil,
        extraction: FieldExtraction? = nil
    ) {
        version = Self.currentVersion
        self.classification = classification
        self.sections = sections
        self.extraction = extraction
    }
}

/// Why a stage after recognition gave no result: the contract's code and message, and for
/// `model_invalid_output` the last answer's violations, by JSON pointer.
public struct StageError: Codable, Sendable, Equatable, Error {
    public var code: ErrorCode
    public var message: String
    public var violations: [SchemaViolation]?

    public init(code: ErrorCode, message: String, violations: [SchemaViolation]? = nil) {
        self.code = code
        self.message = message
        self.violations = violations
    }
}

/// The document's label and each page's.
public struct DocumentClassification: Codable, Sendable, Equatable {
    /// The label with the most page confidence; nil when classification failed.
    public var label: String?
    public var confidence: Double?
    public var pages: [PageLabel]
    public var error: StageError?

    public init(label: String?, confidence: Double?, pages: [PageLabel], error: StageError? = nil) {
        self.label = label
        self.confidence = confidence
        self.pages = pages
        self.error = error
    }
}

public struct PageLabel: Codable, Sendable, Equatable {
    /// 1-based page number in the source document.
    public var page: Int
    public var label: String
    /// 0-1; nil when the model gave no token probabilities.
    public var confidence: Double?

    public init(page: Int, label: String, confidence: Double?) {
        self.page = page
        self.label = label
        self.confidence = confidence
    }
}

/// Consecutive pages with the same label.
public struct DocumentSection: Codable, Sendable, Equatable {
    /// The section's first heading, else its first line, else its label and pages.
    public var title: String
    public var label: String
    public var firstPage: Int
    public var lastPage: Int
    /// `[start, end)` of the section's pages in the uploaded markdown, in Unicode scalars.
    public var markdownRange: [Int]
    /// With `options.split.extract_each`: the section's own values.
    public var extraction: FieldExtraction?

    public init(
        title: String,
        label: String,
        firstPage: Int,
        lastPage: Int,
        markdownRange: [Int],
        extraction: FieldExtraction? = nil
    ) {
        self.title = title
        self.label = label
        self.firstPage = firstPage
        self.lastPage = lastPage
        self.markdownRange = markdownRange
        self.extraction = extraction
    }

    enum CodingKeys: String, CodingKey {
        case title, label, extraction
        case firstPage = "first_page"
        case lastPage = "last_page"
        case markdownRange = "markdown_range"
    }
}

/// The values a schema asked for, and per field where it was read and how sure that is.
public struct FieldExtraction: Codable, Sendable, Equatable {
    /// The values, valid against the job's schema; nil when extraction failed.
    public var values: JSONValue?
    /// One per value that is not an object or array, in the answer's order.
    public var fields: [ExtractedField]
    /// Model requests made, re-asks included.
    public var requests: Int
    /// Pieces the text was read in (a long document is read in pieces that fit the model).
    public var pieces: Int
    public var error: StageError?

    public init(values: JSONValue?, fields: [ExtractedField], requests: Int, pieces: Int, error: StageError? = nil) {
        self.values = values
        self.fields = fields
        self.requests = requests
        self.pieces = pieces
        self.error = error
    }

    /// Fields with a value other than null.
    public var filled: Int { fields.filter { $0.value != .null }.count }
    /// The lowest confidence of a filled field.
    public var lowestConfidence: Double? { fields.filter { $0.value != .null }.compactMap(\.confidence).min() }
}

public struct ExtractedField: Codable, Sendable, Equatable {
    /// Where the value is in `values` (RFC 6901), `/lines/0/amount`.
    public var pointer: String
    public var value: JSONValue
    /// The product of the known `confidence_parts`, 0-1.
    public var confidence: Double?
    public var confidenceParts: ConfidenceParts
    /// Where the value was read; nil when it is null or was not found in the text.
    public var citation: Citation?
    /// In a reviewed version (docs/review.md): the person's decision on the value.
    public var reviewed: FieldReview?

    public init(
        pointer: String,
        value: JSONValue,
        confidence: Double?,
        confidenceParts: ConfidenceParts,
        citation: Citation?,
        reviewed: FieldReview? = nil
    ) {
        self.pointer = pointer
        self.value = value
        self.confidence = confidence
        self.confidenceParts = confidenceParts
        self.citation = citation
        self.reviewed = reviewed
    }

    enum CodingKeys: String, CodingKey {
        case pointer, value, confidence, citation, reviewed
        case confidenceParts = "confidence_parts"
    }
}

/// Who decided a reviewed field's value, how and when.
public struct FieldReview: Codable, Sendable, Equatable {
    public var reviewer: String
    public var action: ReviewDecision.Action
    public var at: Date

    public init(reviewer: String, action: ReviewDecision.Action, at: Date) {
        self.reviewer = reviewer
        self.action = action
        self.at = at
    }
}

/// What a field's confidence is made of (docs/extraction.md#confidence).
public struct ConfidenceParts: Codable, Sendable, Equatable {
    /// The model's: the mean probability of the value's tokens; nil without log-probabilities.
    public var model: Double?
    /// 1 when the first answer was valid, 0.9 when the model had to be asked again.
    public var validation: Double
    /// The cited text's: its words' OCR confidence (1 for a text layer or office XML), 0.5
    /// when the value was not found in the text.
    public var evidence: Double?

    public init(model: Double?, validation: Double, evidence: Double?) {
        self.model = model
        self.validation = validation
        self.evidence = evidence
    }

    /// The product of the parts that are known.
    public var combined: Double { [model, validation, evidence].compactMap { $0 }.reduce(1, *) }
}

/// The recognised text a value was read from.
public struct Citation: Codable, Sendable, Equatable {
    public var page: Int
    /// `[x1, y1, x2, y2]` in the layout sidecar's units for the page; nil when the page has no boxes.
    public var box: [Int]?
    /// The span as recognised.
    public var text: String
    /// `[start, end)` of the span in the uploaded markdown, in Unicode scalars.
    public var markdownRange: [Int]

    public init(page: Int, box: [Int]?, text: String, markdownRange: [Int]) {
        self.page = page
        self.box = box
        self.text = text
        self.markdownRange = markdownRange
    }

    enum CodingKeys: String, CodingKey {
        case page, box, text
        case markdownRange = "markdown_range"
    }
}
