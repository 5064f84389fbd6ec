import Crypto
import Foundation
import OCRFleetBus
import OCRFleetChatAPI
import OCRFleetContent
import OCRFleetDocuments
import OCRFleetModel
import OCRFleetReview
import OCRFleetTesting
import Testing
import VLLMDouble

/// `options.review` through the whole fleet: a real nats-server, the worker, Tesseract and the
/// vLLM double's instruction model on `fixtures/analysis/`. Items for each reason, stored with
/// their crops before the job completes, `completed.review` and the job state's `review`; and
/// the learning loop: a corrected mistake is not repeated on the next submission.
@Suite(.serialized) struct ReviewEndToEndTests {
    static func schema(_ file: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("analysis/\(file)"))))
    }

    /// Runs `job` to its `completed` event; its extraction.json as uploaded and the progress stages.
    static func complete(_ fleet: TestFleet, _ job: JobRequest) async throws -> (JobCompleted, ExtractionDocument, [UInt8], [String]) {
        let ended = try fleet.recordEvents("ocr.events.completed.\(job.jobID)")
        let progress = try fleet.recordEvents("ocr.events.progress.\(job.jobID)")
        try await fleet.nats.flush()
        try await fleet.nats.publish(JobEvent.request(job, source: "urn:test:review"))
        guard case .completed(let completed) = try await ended.events(count: 1)[0].data.body else {
            throw AnalysisEndToEndTests.TestFailure("no completed event for \(job.jobID)")
        }
        let json = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fleet.store.path(for: "results/\(job.jobID).extraction.json"))))
        let stages = try await progress.events(during: .milliseconds(200)).compactMap { event in
            if case .progress(let progress) = event.data.body { progress.stage } else { nil }
        }
        return (completed, try JSONDecoder().decode(ExtractionDocument.self, from: Data(json)), json, stages)
    }

    static func state(_ fleet: TestFleet, _ jobID: String) async throws -> JobState? {
        try await JobStateStore(connection: fleet.nats).get(jobID)
    }

    @Test func aFixtureBatchGetsAnItemForEachReasonWithCrops() async throws {
        try await withVLLMDouble(AnalysisEndToEndTests.behaviour) { llm in
            try await withFleet(workerEnvironment: AnalysisEndToEndTests.environment(llm.baseURL)) { fleet in
                let store = try await ReviewStore.ensureTopology(on: fleet.nats)
                let review = try Self.schema("review.schema.json")
                // An invoice's text layer: `amount` is a stand-in (low confidence), `due_date`
                // is not on it (required, null), and the total breaks a rule.
                let reasons = try fleet.storedJob(
                    "review-reasons",
                    "analysis/invoice-a.pdf",
                    options: JobOptions(
                        mode: .text,
                        extract: ExtractionOptions(schema: review),
                        review: ReviewOptions(
                            sampleRate: 0,
                            rules: [ReviewRule(name: "total-under-1000", field: "/total", maximum: 1000)]
                        )
                    ),
                    extractionURL: true
                )
                let (completed, document, json, stages) = try await Self.complete(fleet, reasons)
                #expect(stages == ["extract", "review"], "one progress event as each stage starts")
                #expect(completed.timingsMs["review"] != nil)
                #expect(
                    completed.review
                        == ReviewSummary(needsReview: true, items: 3, reasons: [.lowConfidence: 1, .validationFailed: 1, .anomaly: 1])
                )
                #expect(try await Self.state(fleet, "review-reasons")?.review == JobReviewStatus(needsReview: true, open: 3, items: 3))
                let items = try await (1...3).asyncMap { try #require(try await store.item("review-reasons.\($0)")) }
                #expect(items.map(\.pointer) == ["/amount", "/due_date", "/total"])
                #expect(items.map(\.reasons) == [[.lowConfidence], [.validationFailed], [.anomaly]])
                #expect(items.map(\.value) == [.number(0), .null, .number(1234.5)])
                #expect(items.allSatisfy { $0.tenant == "default" && $0.state == .open && $0.label == nil })
                #expect(items[2].rule == "total-under-1000" && items[2].message == "/total is 1234.5, over the maximum 1000")
                #expect(items[2].citation?.text == "$1,234.50" && items[2].context.contains("Total due: $1,234.50"))
                // Only the total was found in the text, with a box (the text layer's, in points): it alone has a crop.
                #expect(items.map(\.crop) == [false, false, true] && items[2].citation?.box != nil)
                let crop = try #require(try await store.crop("review-reasons.3"))
                #expect(crop.count <= 512 * 1024 && Array(crop.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
                let size = try #require(EncodedPage.dimensions(of: crop))
                #expect(size.width > size.height && size.height > 10, "a line's box and margin: \(size)")
                #expect(try await store.crop("review-reasons.1") == nil)
                // The case holds the items and the document exactly as uploaded.
                let reviewCase = try #require(try await store.caseOf(jobID: "review-reasons"))
                #expect(reviewCase.itemIDs == ["review-reasons.1", "review-reasons.2", "review-reasons.3"] && reviewCase.open == 3)
                #expect(try await store.document(jobID: "review-reasons") == json)
                #expect(document.extraction?.values != nil)
                let queued = try await store.items(tenant: "default", state: .open, limit: 100)
                #expect(queued.map(\.id).filter { $0.hasPrefix("review-reasons.") }.count == 3)

                // A form whose confident fields are all drawn with sample_rate 1.
                let sampled = try fleet.storedJob(
                    "review-sampled",
                    "analysis/form.pdf",
                    options: JobOptions(
                        mode: .text,
                        extract: ExtractionOptions(schema: try Self.schema("form.schema.json")),
                        review: ReviewOptions(sampleRate: 1)
                    ),
                    extractionURL: true
                )
                let (sampledCompleted, _, _, _) = try await Self.complete(fleet, sampled)
                #expect(sampledCompleted.review == ReviewSummary(needsReview: true, items: 5, reasons: [.sampled: 5]))
                let drawn = try await (1...5).asyncMap { try #require(try await store.item("review-sampled.\($0)")) }
                #expect(drawn.map(\.pointer) == ["/consent_given", "/date_of_birth", "/full_name", "/policy_number", "/smoker"])

                // A scan read by Tesseract: every page is under a page threshold of 100.
                let lowPage = try fleet.storedJob(
                    "review-page",
                    "analysis/invoice-a.pdf",
                    options: JobOptions(
                        mode: .ocr,
                        extract: ExtractionOptions(
                            schema: .object([
                                "type": .string("object"),
                                "properties": .object(["invoice_number": .object(["type": .array([.string("string"), .string("null")])])]),
                            ])
                        ),
                        review: ReviewOptions(
                            threshold: 0,
                            sampleRate: 0,
                            pageThreshold: 100,
                            rules: [ReviewRule(name: "never", field: "/invoice_number", pattern: "^X")]
                        )
                    ),
                    extractionURL: true
                )
                let (pageCompleted, _, _, _) = try await Self.complete(fleet, lowPage)
                #expect(pageCompleted.review == ReviewSummary(needsReview: true, items: 2, reasons: [.anomaly: 1, .lowConfidencePage: 1]))
                // The number, cited in Tesseract's words: a crop of its box.
                let number = try #require(try await store.item("review-page.1"))
                #expect(number.pointer == "/invoice_number" && number.reasons == [.anomaly] && number.citation?.box != nil)
                #expect(number.crop)
                let numberCrop = try #require(try await store.crop("review-page.1"))
                #expect(numberCrop.count <= 512 * 1024 && Array(numberCrop.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
                let numberSize = try #require(EncodedPage.dimensions(of: numberCrop))
                #expect(numberSize.width > numberSize.height && numberSize.height > 10, "a line's box and margin: \(numberSize)")
                let page = try #require(try await store.item("review-page.2"))
                #expect(page.kind == .page && page.page == 1 && page.pointer == nil)
                guard case .string(let text) = page.value else {
                    Issue.record("a page item's value is its markdown: \(page.value)")
                    return
                }
                #expect(text.contains("2026"))
                let confidence = try #require(page.confidence)
                #expect(confidence > 0 && confidence < 1 && page.message.hasPrefix("page 1 was read with confidence "))
                #expect(page.crop)
                let pageCrop = try #require(try await store.crop("review-page.2"))
                let pageSize = try #require(EncodedPage.dimensions(of: pageCrop))
                #expect(pageCrop.count <= 512 * 1024 && pageSize.height > pageSize.width, "the whole page: \(pageSize)")

                // A job with nothing to review says so, and stores nothing.
                let clean = try fleet.storedJob(
                    "review-clean",
                    "analysis/form.pdf",
                    options: JobOptions(
                        mode: .text,
                        extract: ExtractionOptions(schema: try Self.schema("form.schema.json")),
                        review: ReviewOptions(sampleRate: 0)
                    ),
                    extractionURL: true
                )
                let (cleanCompleted, _, _, _) = try await Self.complete(fleet, clean)
                #expect(cleanCompleted.review == ReviewSummary(needsReview: false, items: 0))
                #expect(try await Self.state(fleet, "review-clean")?.review == JobReviewStatus(needsReview: false, open: 0, items: 0))
                #expect(try await store.caseOf(jobID: "review-clean") == nil)
            }
        }
    }

    /// An earlier attempt opened the job's review and stopped before `completed`; a reviewer
    /// claimed its item meanwhile. The retried attempt keeps that review: the same item, still
    /// claimed, and the document it was planned from as the job's `extraction.json`.
    @Test func aRetriedAttemptKeepsTheReviewAnEarlierOneOpened() async throws {
        try await withVLLMDouble(AnalysisEndToEndTests.behaviour) { llm in
            try await withFleet(workerEnvironment: AnalysisEndToEndTests.environment(llm.baseURL)) { fleet in
                let store = try await ReviewStore.ensureTopology(on: fleet.nats)
                let earlier = ExtractionDocument(
                    extraction: FieldExtraction(
                        values: .object(["amount": .number(99)]),
                        fields: [
                            ExtractedField(
                                pointer: "/amount",
                                value: .number(99),
                                confidence: 0.3,
                                confidenceParts: ConfidenceParts(model: 0.3, validation: 1, evidence: nil),
                                citation: nil
                            )
                        ],
                        requests: 1,
                        pieces: 1
                    )
                )
                let item = ReviewItem(
                    id: "review-kept.1",
                    jobID: "review-kept",
                    tenant: "default",
                    kind: .field,
                    pointer: "/amount",
                    value: .number(99),
                    confidence: 0.3,
                    reasons: [.lowConfidence],
                    message: "/amount was read with confidence 0.3",
                    createdAt: Date()
                )
                let schema = try Self.schema("review.schema.json")
                try await store.open(
                    case: ReviewCase(jobID: "review-kept", tenant: "default", itemIDs: [item.id], schema: schema, createdAt: Date()),
                    items: [item],
                    document: Array(try CloudEventCoding.encoder().encode(earlier)),
                    crops: [:]
                )
                _ = try await store.claim(id: item.id, tenant: "default", reviewer: "rita")

                let job = try fleet.storedJob(
                    "review-kept",
                    "analysis/invoice-a.pdf",
                    options: JobOptions(
                        mode: .text,
                        extract: ExtractionOptions(schema: schema),
                        review: ReviewOptions(sampleRate: 0)
                    ),
                    extractionURL: true
                )
                let (completed, document, _, _) = try await Self.complete(fleet, job)
                #expect(completed.review == ReviewSummary(needsReview: true, items: 1, reasons: [.lowConfidence: 1]))
                #expect(document.extraction?.values == .object(["amount": .number(99)]), "the document the item cites")
                let kept = try #require(try await store.item(item.id))
                #expect(kept.claim?.reviewer == "rita" && kept.state == .claimed)
                #expect(try await store.item("review-kept.2") == nil, "nothing planned again")
            }
        }
    }

    @Test func aCorrectedMistakeIsNotRepeated() async throws {
        try await withVLLMDouble(AnalysisEndToEndTests.behaviour) { llm in
            try await withFleet(workerEnvironment: AnalysisEndToEndTests.environment(llm.baseURL)) { fleet in
                let store = try await ReviewStore.ensureTopology(on: fleet.nats)
                let options = JobOptions(
                    mode: .text,
                    extract: ExtractionOptions(schema: try Self.schema("review.schema.json")),
                    review: ReviewOptions(sampleRate: 0)
                )
                let first = try fleet.storedJob("learn-1", "analysis/invoice-a.pdf", options: options, extractionURL: true)
                let (firstCompleted, firstDocument, _, _) = try await Self.complete(fleet, first)
                #expect(firstCompleted.review?.reasons[.lowConfidence] == 1)
                guard case .object(let wrong) = firstDocument.extraction?.values else {
                    Issue.record("no values: \(String(describing: firstDocument.extraction))")
                    return
                }
                #expect(wrong["amount"] == .number(0), "the double does not know the label: a stand-in")
                let item = try #require(try await store.item("learn-1.1"))
                #expect(item.pointer == "/amount" && item.reasons == [.lowConfidence])

                // A reviewer corrects it at the desk (the gateway's API is a client of the same library).
                let desk = ReviewDesk(store: store, source: "urn:test:review", name: "test-desk") { version in
                    "memory:///\(version.jobID)/extraction.v\(version.version).json"
                }
                _ = try await desk.claim(id: item.id, tenant: "default", reviewer: "rita")
                let outcome = try await desk.decide(id: item.id, tenant: "default", reviewer: "rita", action: .correct, value: .number(1234.5))
                #expect(outcome.item.state == .corrected)
                let learned = try await store.recentCorrections(tenant: "default", label: nil, limit: 10)
                #expect(learned.map(\.pointer) == ["/amount"] && learned.first?.after == .number(1234.5))

                let second = try fleet.storedJob("learn-2", "analysis/invoice-a.pdf", options: options, extractionURL: true)
                let (secondCompleted, secondDocument, _, _) = try await Self.complete(fleet, second)
                guard case .object(let values) = secondDocument.extraction?.values else {
                    Issue.record("no values: \(String(describing: secondDocument.extraction))")
                    return
                }
                #expect(values["amount"] == .number(1234.5))
                let amount = try #require(secondDocument.extraction?.fields.first { $0.pointer == "/amount" })
                #expect(amount.citation?.text == "$1,234.50")
                #expect((amount.confidence ?? 0) >= 0.8, "\(amount)")
                let before = firstDocument.extraction?.fields.first { $0.pointer == "/amount" }
                print(
                    "learning loop: /amount was \(before?.value ?? .null) at confidence \(before?.confidence ?? 0) "
                        + "(a review item); after one correction, \(amount.value) at confidence \(amount.confidence ?? 0), "
                        + "cited \"\(amount.citation?.text ?? "")\" (no item)"
                )
                #expect(secondCompleted.review?.reasons[.lowConfidence] == nil, "\(String(describing: secondCompleted.review))")
                let secondItems = try await store.items(tenant: "default", limit: 100).filter { $0.jobID == "learn-2" }
                #expect(!secondItems.contains { $0.pointer == "/amount" }, "\(secondItems)")
                // The correction reached the model as an example, inside its own block.
                let prompts = llm.double.statistics.instructionRequests.map { request in
                    request.messages.filter { $0.role == "user" }.flatMap(\.content).map { part in
                        if case .text(let text) = part { text } else { "" }
                    }.joined()
                }
                #expect(prompts.contains { $0.contains("{\"corrected\":1234.5,\"extracted\":0,\"field\":\"/amount\"}") })
            }
        }
    }
}

extension Sequence {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async throws -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
