import Foundation
import OCRFleetBus
import OCRFleetModel

/// A completed job whose extraction waits for review, made the way the worker makes one: its
/// `extraction.json` in the store and its state `completed`, then its case, items, document
/// and crop through `ReviewStore` (which queues the item messages in the tenant's lane).
/// Until the worker plans reviews itself, the review tests start from this.
public enum ReviewFixture {
    public static let schema: JSONValue = .object([
        "type": .string("object"),
        "properties": .object([
            "total": .object(["type": .string("number")]),
            "vendor": .object(["type": .string("string")]),
            "date": .object(["type": .string("string")]),
        ]),
    ])

    /// The invoice's markdown; its last line is a hostile document's terminal escape (it would
    /// set a terminal's window title), which no reader may pass on raw.
    public static let markdown = "<!-- page 1 -->\n\n# Invoice\n\nACME Corp, 2024-01-31\n\nTotal: 12.50\n\n\u{1B}]0;owned\u{07}Ref 7\n"

    static func field(_ pointer: String, _ value: JSONValue, _ confidence: Double, cited text: String) -> ExtractedField {
        let start = markdown.utf8.count - (markdown.range(of: text).map { markdown[$0.lowerBound...].utf8.count } ?? 0)
        return ExtractedField(
            pointer: pointer,
            value: value,
            confidence: confidence,
            confidenceParts: ConfidenceParts(model: confidence, validation: 1, evidence: confidence),
            citation: Citation(page: 1, box: [40, 60, 240, 90], text: text, markdownRange: [start, start + text.utf8.count])
        )
    }

    public static let document = ExtractionDocument(
        classification: DocumentClassification(label: "invoice", confidence: 0.9, pages: [PageLabel(page: 1, label: "invoice", confidence: 0.9)]),
        sections: [],
        extraction: FieldExtraction(
            values: .object(["total": .number(12.5), "vendor": .string("ACME"), "date": .string("2024-01-31")]),
            fields: [
                field("/total", .number(12.5), 0.55, cited: "12.50"),
                field("/vendor", .string("ACME"), 0.92, cited: "ACME Corp"),
                field("/date", .string("2024-01-31"), 0.97, cited: "2024-01-31"),
            ],
            requests: 1,
            pieces: 1
        )
    )

    /// Completes the job `busID` as a worker that extracted `document` would: its
    /// extraction.json at `path` (the store's file for the job), its state `completed`, and
    /// then its `completed` event.
    public static func complete(_ busID: String, extractionAt path: String, nats: NATSConnection) async throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try CloudEventCoding.encoder().encode(document).write(to: URL(fileURLWithPath: path))
        var state = JobState(jobID: busID, state: .completed)
        state.review = JobReviewStatus(needsReview: true, open: 3, items: 3)
        try await JobStateStore(connection: nats).put(state)
        try await announceCompleted(busID, nats: nats)
    }

    /// Publishes the job's `completed` event as its worker would, after its state.
    public static func announceCompleted(_ busID: String, nats: NATSConnection) async throws {
        var completed = JobCompleted(
            result: ResultSummary(url: "http://store.test/results/\(busID).md", bytes: markdown.utf8.count, sha256: "test"),
            pages: 1,
            pagesFailed: [],
            engine: "tesseract",
            durationMs: 1,
            timingsMs: [:],
            usage: PageUsage(pagesOCR: 0, pagesText: 1)
        )
        completed.review = ReviewSummary(needsReview: true, items: 3)
        let event = LifecycleEvent.lifecycle(
            LifecycleData(header: EventHeader(jobID: busID, attempt: 1, worker: "review-fixture"), body: .completed(completed)),
            source: "urn:test:review-fixture"
        )
        try await nats.publish(
            Subjects.event(.completed, jobID: busID),
            payload: Array(try CloudEventCoding.encoder().encode(event)),
            headers: ["Content-Type": CloudEventCoding.contentType]
        )
    }

    /// Opens the job's review: the total (low confidence, with `crop`), the vendor (an
    /// anomaly rule) and the date (sampled), in that order.
    public static func openReview(busID: String, tenant: String, crop: [UInt8]?, nats: NATSConnection) async throws {
        let store = try await ReviewStore(connection: nats)
        let now = Date()
        let fields = document.extraction?.fields ?? []
        func item(_ number: Int, _ reasons: [ReviewReason], rule: String? = nil, message: String) -> ReviewItem {
            let field = fields[number - 1]
            let context = markdown
            return ReviewItem(
                id: ReviewItem.id(jobID: busID, number: number),
                jobID: busID,
                tenant: tenant,
                label: "invoice",
                kind: .field,
                pointer: field.pointer,
                value: field.value,
                confidence: field.confidence,
                reasons: reasons,
                rule: rule,
                message: message,
                citation: field.citation,
                context: context,
                crop: number == 1 && crop != nil,
                createdAt: now
            )
        }
        let items = [
            item(1, [.lowConfidence], message: "/total was read with confidence 0.55, under 0.8"),
            item(2, [.anomaly], rule: "vendor-known", message: "/vendor 'ACME' is not a known vendor"),
            item(3, [.sampled], message: "/date was sampled for calibration"),
        ]
        let reviewCase = ReviewCase(
            jobID: busID,
            tenant: tenant,
            label: "invoice",
            itemIDs: items.map(\.id),
            schema: schema,
            createdAt: now
        )
        try await store.open(
            case: reviewCase,
            items: items,
            document: Array(try CloudEventCoding.encoder().encode(document)),
            crops: crop.map { [items[0].id: $0] } ?? [:]
        )
    }

    /// `extraction.values` of an extraction.json.
    public static func values(of json: String) -> [String: Any]? {
        let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return (object?["extraction"] as? [String: Any])?["values"] as? [String: Any]
    }

}
