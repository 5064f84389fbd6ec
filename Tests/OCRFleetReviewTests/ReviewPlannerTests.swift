import Foundation
import OCRFleetModel
import OCRFleetReview
import Testing

/// Which fields and pages become review items, with which reasons, ids, values, citations
/// and context: one test per reason, and how they combine.
@Suite struct ReviewPlannerTests {
    static let created = Date(timeIntervalSince1970: 1_780_000_000)
    static let markdown = "<!-- page 1 -->\n\nInvoice A-1\nTotal: $312.00\n\n<!-- page 2 -->\n\nSupplier: ACME"
    static let pages = [
        ReviewPage(number: 1, markdown: "Invoice A-1\nTotal: $312.00", markdownOffset: 17, confidence: 88),
        ReviewPage(number: 2, markdown: "Supplier: ACME", markdownOffset: 62, confidence: 41),
    ]

    static let schema: JSONSchema = {
        let source: JSONValue = .object([
            "type": .string("object"),
            "required": .array([.string("number"), .string("total"), .string("supplier")]),
            "properties": .object([
                "number": .object(["type": .array([.string("string"), .string("null")])]),
                "total": .object(["type": .array([.string("number"), .string("null")])]),
                "supplier": .object(["type": .array([.string("string"), .string("null")])]),
                "note": .object(["type": .array([.string("string"), .string("null")])]),
            ]),
        ])
        return try! JSONSchema(source)
    }()

    static func field(_ pointer: String, _ value: JSONValue, _ confidence: Double?, range: [Int]? = nil, box: [Int]? = nil) -> ExtractedField {
        ExtractedField(
            pointer: pointer,
            value: value,
            confidence: confidence,
            confidenceParts: ConfidenceParts(model: confidence, validation: 1, evidence: nil),
            citation: range.map { Citation(page: 1, box: box, text: "x", markdownRange: $0) }
        )
    }

    static func extraction(_ fields: [ExtractedField]) -> FieldExtraction {
        var values: [String: JSONValue] = [:]
        for field in fields { values[String(field.pointer.dropFirst())] = field.value }
        return FieldExtraction(values: .object(values), fields: fields, requests: 1, pieces: 1)
    }

    static func plan(
        _ document: ExtractionDocument,
        _ options: ReviewOptions,
        jobID: String = "job-1",
        pages: [ReviewPage] = pages
    ) -> [ReviewItem] {
        ReviewPlanner(jobID: jobID, tenant: "acme", options: options, schema: schema)
            .items(of: document, pages: pages, markdown: markdown, createdAt: created)
    }

    static let quiet = ReviewOptions(sampleRate: 0)

    @Test func aFilledFieldUnderTheThresholdIsAnItemWithItsCitationAndContext() throws {
        let document = ExtractionDocument(
            extraction: Self.extraction([
                Self.field("/number", .string("A-1"), 0.95, range: [25, 28]),
                Self.field("/total", .number(312), 0.42, range: [36, 43], box: [10, 20, 30, 40]),
                Self.field("/supplier", .string("ACME"), 0.9, range: [72, 76]),
            ])
        )
        let items = Self.plan(document, Self.quiet)
        #expect(items.count == 1)
        let item = try #require(items.first)
        #expect(item.id == "job-1.1" && item.jobID == "job-1" && item.tenant == "acme")
        #expect(item.kind == .field && item.pointer == "/total" && item.page == 1 && item.section == nil && item.label == nil)
        #expect(item.value == .number(312) && item.confidence == 0.42)
        #expect(item.reasons == [.lowConfidence] && item.rule == nil)
        #expect(item.message == "/total has confidence 0.42, under the threshold 0.8")
        #expect(item.citation == Citation(page: 1, box: [10, 20, 30, 40], text: "x", markdownRange: [36, 43]))
        // The whole markdown is shorter than the context's limit.
        #expect(item.context == Self.markdown)
        #expect(item.state == .open && item.createdAt == Self.created && item.crop == false)
    }

    @Test func aLabelsThresholdOverridesTheJobs() {
        let fields = [Self.field("/number", .string("A-1"), 0.9, range: [25, 28])]
        let options = ReviewOptions(threshold: 0.8, labelThresholds: ["invoice": 0.95], sampleRate: 0)
        let labelled = ExtractionDocument(
            classification: DocumentClassification(label: "invoice", confidence: 1, pages: []),
            extraction: Self.extraction(fields)
        )
        let items = Self.plan(labelled, options)
        #expect(items.map(\.reasons) == [[.lowConfidence]] && items.first?.label == "invoice")
        #expect(items.first?.message == "/number has confidence 0.9, under the threshold 0.95")
        #expect(Self.plan(ExtractionDocument(extraction: Self.extraction(fields)), options).isEmpty, "no label: the job's threshold")
    }

    @Test func anInvalidAnswerIsOneItemPerViolation() {
        let error = StageError(
            code: .modelInvalidOutput,
            message: "invalid",
            violations: [SchemaViolation("/total", "is not a number"), SchemaViolation("/number", "is not a string")]
        )
        let document = ExtractionDocument(extraction: FieldExtraction(values: nil, fields: [], requests: 2, pieces: 1, error: error))
        let items = Self.plan(document, Self.quiet)
        #expect(items.map(\.id) == ["job-1.1", "job-1.2"])
        #expect(items.map(\.pointer) == ["/total", "/number"])
        #expect(items.allSatisfy { $0.reasons == [.validationFailed] && $0.value == .null && $0.citation == nil && $0.context == "" })
        #expect(
            items.map(\.message) == [
                "the model's answer is invalid at /total: is not a number", "the model's answer is invalid at /number: is not a string",
            ]
        )
        // A model that was down is not the document's problem: nothing to review.
        let down = ExtractionDocument(
            extraction: FieldExtraction(values: nil, fields: [], requests: 1, pieces: 1, error: StageError(code: .engineUnavailable, message: "down"))
        )
        #expect(Self.plan(down, Self.quiet).isEmpty)
    }

    @Test func aRequiredFieldThatIsNullFailsValidation() {
        let document = ExtractionDocument(
            extraction: Self.extraction([Self.field("/supplier", .null, nil), Self.field("/note", .null, nil)])
        )
        let items = Self.plan(document, Self.quiet)
        #expect(items.map(\.pointer) == ["/supplier"], "/note is not required")
        #expect(items.first?.reasons == [.validationFailed] && items.first?.message == "/supplier is required but null")
    }

    @Test func aRuleThatFiresIsAnAnomalyNamingIt() {
        let document = ExtractionDocument(
            classification: DocumentClassification(label: "invoice", confidence: 1, pages: []),
            extraction: Self.extraction([
                Self.field("/number", .string("A-1"), 0.95, range: [25, 28]),
                Self.field("/total", .number(-5), 0.95, range: [36, 43]),
            ])
        )
        let options = ReviewOptions(
            sampleRate: 0,
            rules: [
                ReviewRule(name: "receipts-only", label: "receipt", field: "/total", minimum: 100),
                ReviewRule(name: "total-positive", label: "invoice", field: "/total", minimum: 0),
                ReviewRule(name: "number-format", field: "/number", pattern: "^INV-"),
            ]
        )
        let items = Self.plan(document, options)
        #expect(items.map(\.pointer) == ["/number", "/total"], "in the extraction's field order")
        #expect(items.map(\.rule) == ["number-format", "total-positive"])
        #expect(items.allSatisfy { $0.reasons == [.anomaly] })
        #expect(items.map(\.message) == ["/number is A-1, which does not match the pattern ^INV-", "/total is -5, under the minimum 0"])
    }

    @Test func aFieldWithSeveralReasonsIsOneItemListingThemAll() {
        let document = ExtractionDocument(extraction: Self.extraction([Self.field("/total", .number(-5), 0.5, range: [36, 43])]))
        let options = ReviewOptions(
            sampleRate: 1,
            rules: [
                ReviewRule(name: "positive", field: "/total", minimum: 0),
                ReviewRule(name: "small", field: "/total", maximum: -10),
            ]
        )
        let items = Self.plan(document, options)
        #expect(items.count == 1)
        #expect(items.first?.reasons == [.lowConfidence, .anomaly], "a field with other reasons is not also sampled")
        #expect(items.first?.rule == "positive")
        #expect(
            items.first?.message
                == "/total has confidence 0.5, under the threshold 0.8; /total is -5, under the minimum 0; /total is -5, over the maximum -10"
        )
    }

    @Test func samplingDrawsTheSameConfidentFieldsOnEveryAttempt() {
        // SHA-256("job-1\n/total") draws 0.5969, "job-1\n/number" 0.7087 (first 8 bytes / 2^64).
        #expect(ReviewPlanner.isSampled(jobID: "job-1", pointer: "/total", rate: 0.597))
        #expect(!ReviewPlanner.isSampled(jobID: "job-1", pointer: "/total", rate: 0.596))
        #expect(!ReviewPlanner.isSampled(jobID: "job-1", pointer: "/number", rate: 0.708))
        #expect(ReviewPlanner.isSampled(jobID: "job-1", pointer: "/number", rate: 0.709))
        #expect(!ReviewPlanner.isSampled(jobID: "job-1", pointer: "/total", rate: 0))
        let document = ExtractionDocument(
            extraction: Self.extraction([
                Self.field("/number", .string("A-1"), 0.95, range: [25, 28]),
                Self.field("/total", .number(312), 0.95, range: [36, 43]),
                Self.field("/supplier", .null, nil),
            ])
        )
        let options = ReviewOptions(sampleRate: 0.6)
        let first = Self.plan(document, options)
        #expect(first.map(\.pointer) == ["/total", "/supplier"])
        #expect(first.map(\.reasons) == [[.sampled], [.validationFailed]])
        #expect(first[0].message == "/total was drawn for calibration")
        #expect(Self.plan(document, options) == first, "a retried attempt plans the same items")
        #expect(Self.plan(document, ReviewOptions(sampleRate: 1)).map(\.pointer) == ["/number", "/total", "/supplier"])
    }

    @Test func aPageUnderThePageThresholdIsAnItemWithItsText() {
        let document = ExtractionDocument(extraction: Self.extraction([Self.field("/total", .number(312), 0.5, range: [36, 43])]))
        let items = Self.plan(document, ReviewOptions(sampleRate: 0, pageThreshold: 60))
        #expect(items.map(\.id) == ["job-1.1", "job-1.2"], "fields first, then pages")
        let page = items[1]
        #expect(page.kind == .page && page.page == 2 && page.pointer == nil)
        #expect(page.value == .string("Supplier: ACME") && page.confidence == 0.41)
        #expect(page.reasons == [.lowConfidencePage])
        #expect(page.message == "page 2 was read with confidence 41, under the page threshold 60")
        #expect(page.citation == Citation(page: 2, box: nil, text: "", markdownRange: [62, 76]))
        // Pages are judged only when the job gives a page threshold, and only pages with a confidence.
        #expect(Self.plan(document, Self.quiet).count == 1)
        var textLayer = Self.pages
        textLayer[1].confidence = nil
        #expect(Self.plan(document, ReviewOptions(sampleRate: 0, pageThreshold: 60), pages: textLayer).count == 1)
    }

    @Test func eachSectionsFieldsAreJudgedByItsLabel() {
        let invoice = Self.extraction([Self.field("/total", .number(312), 0.9, range: [36, 43])])
        let receipt = Self.extraction([Self.field("/total", .number(-2), 0.9, range: [72, 76])])
        let document = ExtractionDocument(
            sections: [
                DocumentSection(title: "Invoice", label: "invoice", firstPage: 1, lastPage: 1, markdownRange: [17, 43], extraction: invoice),
                DocumentSection(title: "Receipt", label: "receipt", firstPage: 2, lastPage: 2, markdownRange: [62, 76], extraction: receipt),
            ]
        )
        let options = ReviewOptions(
            labelThresholds: ["invoice": 0.95],
            sampleRate: 0,
            pageThreshold: 60,
            rules: [ReviewRule(name: "positive", label: "receipt", field: "/total", minimum: 0)]
        )
        let items = Self.plan(document, options)
        #expect(items.map(\.section) == [0, 1, 1])
        #expect(items.map(\.label) == ["invoice", "receipt", "receipt"])
        #expect(items.map(\.reasons) == [[.lowConfidence], [.anomaly], [.lowConfidencePage]])
        #expect(items.map(\.id) == ["job-1.1", "job-1.2", "job-1.3"])
    }

    @Test func contextIsAtMostSixHundredCharactersAroundTheCitation() {
        let scalars =
            Array(String(repeating: "a", count: 1000).unicodeScalars) + Array("[value]".unicodeScalars)
            + Array(String(repeating: "b", count: 1000).unicodeScalars)
        let context = ReviewPlanner.context(around: [1000, 1007], in: scalars)
        #expect(context == String(repeating: "a", count: 296) + "[value]" + String(repeating: "b", count: 297))
        // At the start, the context runs on after the citation.
        #expect(ReviewPlanner.context(around: [0, 5], in: scalars) == String(repeating: "a", count: 600))
        // At the end, before it.
        #expect(ReviewPlanner.context(around: [2005, 2007], in: scalars) == String(repeating: "b", count: 600))
        // A citation longer than the limit gives its start; a range out of bounds is cut to the text.
        #expect(ReviewPlanner.context(around: [0, 2007], in: scalars) == String(repeating: "a", count: 600))
        #expect(ReviewPlanner.context(around: [-50, 99_999], in: scalars).count == 600)
        #expect(ReviewPlanner.context(around: [5], in: scalars) == "")
    }
}
