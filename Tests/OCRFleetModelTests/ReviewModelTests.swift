import Foundation
import OCRFleetModel
import Testing

/// `options.review` is checked where a job is read, and the review types keep every field
/// through JSON as docs/review.md writes them.
@Suite struct ReviewModelTests {
    static let contractOptions = """
        {"threshold": 0.8, "label_thresholds": {"invoice": 0.9}, "sample_rate": 0.05, "page_threshold": 60,
         "rules": [
           {"name": "total-positive", "label": "invoice", "field": "/total", "minimum": 0, "maximum": 1000000},
           {"name": "iban", "field": "/iban", "pattern": "^[A-Z]{2}[0-9]{2}"},
           {"name": "dates", "field": "/start_date", "not_after": "/end_date"}
         ]}
        """

    static func job(options: String, metadata: String = "{}") -> String {
        """
        {"specversion": "1.0", "id": "e-1", "source": "urn:t", "type": "ocrfleet.job.requested",
         "data": {"job_id": "j-1",
                  "source": {"url": "https://a.example/x.pdf"},
                  "result": {"url": "https://a.example/x.md", "extraction_url": "https://a.example/x.json"},
                  "options": \(options), "metadata": \(metadata)}}
        """
    }

    static let extract = #""extract": {"schema": {"type": "object", "properties": {"total": {"type": "number"}}}}"#

    static func refusal(review: String, extract: Bool = true, metadata: String = "{}") -> String? {
        let options = "{" + (extract ? Self.extract + ", " : "") + "\"review\": \(review)}"
        do {
            _ = try JobEvent.parse(body: Array(job(options: options, metadata: metadata).utf8), headers: [:])
            return nil
        } catch {
            #expect(error.code == .invalidJob)
            return error.message
        }
    }

    @Test func contractExampleParsesWithDefaults() throws {
        let event = try JobEvent.parse(
            body: Array(Self.job(options: "{\(Self.extract), \"review\": \(Self.contractOptions)}").utf8),
            headers: [:]
        )
        let review = try #require(event.data.options.review)
        #expect(review.threshold(forLabel: "invoice") == 0.9)
        #expect(review.threshold(forLabel: "receipt") == 0.8)
        #expect(review.threshold(forLabel: nil) == 0.8)
        #expect(review.pageThreshold == 60)
        #expect(review.rules.map(\.name) == ["total-positive", "iban", "dates"])
        #expect(review.rules(forLabel: "receipt").map(\.name) == ["iban", "dates"])
        #expect(review.rules[2].notAfter == "/end_date")
        #expect(review.rules[1].compiledPattern?.isFound(in: "DE89 3704") == true)

        let defaults = try JSONDecoder().decode(ReviewOptions.self, from: Data("{}".utf8))
        #expect(defaults == ReviewOptions())
        #expect(defaults.threshold == 0.8 && defaults.sampleRate == 0.05 && defaults.pageThreshold == nil)
    }

    @Test func reviewNeedsExtract() {
        #expect(
            Self.refusal(review: "{}", extract: false)
                == "options.review sends extracted values to people: it needs options.extract"
        )
        #expect(Self.refusal(review: "{}") == nil)
    }

    /// A NATS publisher may stamp any tenant; one that cannot name a review lane is refused
    /// before the job is run, not after its OCR.
    @Test func reviewNeedsATenantThatNamesALane() {
        #expect(Self.refusal(review: "{}", metadata: #"{"tenant": "alpha"}"#) == nil)
        #expect(
            Self.refusal(review: "{}", metadata: #"{"tenant": "a.b"}"#)
                == "options.review needs metadata.tenant to be 1-40 of A-Z, a-z, 0-9, - and _ (its review lane), not 'a.b'"
        )
    }

    @Test(arguments: [
        (#"{"threshold": 1.5}"#, "options.review.threshold must be 0-1, not 1.5"),
        (#"{"sample_rate": -0.1}"#, "options.review.sample_rate must be 0-1, not -0.1"),
        (#"{"page_threshold": 101}"#, "options.review.page_threshold must be 0-100, not 101.0"),
        (#"{"label_thresholds": {"invoice": 2}}"#, "options.review.label_thresholds.invoice must be 0-1, not 2.0"),
        (
            #"{"rules": [{"name": "", "field": "/a", "minimum": 1}]}"#,
            "options.review.rules[0].name must be 1-64 characters on one line"
        ),
        (
            #"{"rules": [{"name": "a", "field": "/a", "minimum": 1}, {"name": "a", "field": "/b", "maximum": 1}]}"#,
            "options.review.rules[1].name 'a' is given twice"
        ),
        (
            #"{"rules": [{"name": "a", "field": "total", "minimum": 1}]}"#,
            "options.review.rules[0].field 'total' is not a JSON pointer to a value (such as /total or /lines/*/amount)"
        ),
        (
            #"{"rules": [{"name": "a", "field": "/a~2", "minimum": 1}]}"#,
            "options.review.rules[0].field '/a~2' is not a JSON pointer to a value (such as /total or /lines/*/amount)"
        ),
        (
            #"{"rules": [{"name": "a", "field": "/a", "not_before": ""}]}"#,
            "options.review.rules[0].not_before '' is not a JSON pointer to a value (such as /total or /lines/*/amount)"
        ),
        (#"{"rules": [{"name": "a", "field": "/a", "pattern": "("}]}"#, "options.review.rules[0].pattern is not a valid regular expression"),
        (#"{"rules": [{"name": "a", "field": "/a", "minimum": 2, "maximum": 1}]}"#, "options.review.rules[0].minimum 2.0 is over its maximum 1.0"),
        (
            #"{"rules": [{"name": "a", "field": "/a"}]}"#,
            "options.review.rules[0] checks nothing: give pattern, minimum, maximum, not_after or not_before"
        ),
        (#"{"rules": [{"name": "a", "label": "", "field": "/a", "minimum": 0}]}"#, "options.review.rules[0].label must not be empty"),
    ])
    func outOfBoundsOptionsAreInvalidJobs(review: String, message: String) {
        #expect(Self.refusal(review: review) == message)
    }

    @Test func patternsAndRuleCountsAreBounded() {
        let long = String(repeating: "a", count: SchemaPattern.maxPatternLength + 1)
        #expect(
            Self.refusal(review: #"{"rules": [{"name": "a", "field": "/a", "pattern": "\#(long)"}]}"#)
                == "options.review.rules[0].pattern is over 1000 characters"
        )
        let rules = (0...ReviewOptions.maxRules).map { #"{"name": "r\#($0)", "field": "/lines/*/amount", "minimum": 0}"# }
        #expect(
            Self.refusal(review: #"{"rules": [\#(rules.joined(separator: ","))]}"#)
                == "options.review.rules lists 101 rules, over the limit of 100"
        )
        #expect(Self.refusal(review: #"{"rules": [\#(rules.dropLast().joined(separator: ","))]}"#) == nil)
    }

    static func roundTrip<T: Codable & Equatable>(_ value: T) throws -> (T, [String: Any]) {
        let bytes = try CloudEventCoding.encoder().encode(value)
        let object = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
        return (try CloudEventCoding.decoder().decode(T.self, from: bytes), object)
    }

    static let at = Timestamp.parse("2026-12-02T09:00:00Z")!

    @Test func itemKeepsEveryFieldAndWritesNullsTheContractShows() throws {
        let item = ReviewItem(
            id: "alpha=inv-1.1",
            jobID: "alpha=inv-1",
            tenant: "alpha",
            kind: .field,
            pointer: "/total",
            value: .number(-5),
            confidence: 0.42,
            reasons: [.lowConfidence, .anomaly],
            rule: "total-positive",
            message: "/total is -5, under the minimum 0",
            citation: Citation(page: 1, box: [1, 2, 3, 4], text: "-5.00", markdownRange: [10, 15]),
            context: "Total: -5.00",
            crop: true,
            createdAt: Self.at,
            state: .corrected,
            claim: ReviewClaim(reviewer: "ann", until: Self.at.addingTimeInterval(600)),
            decision: ReviewDecision(action: .correct, value: .number(5), note: "sign", reviewer: "ann", at: Self.at)
        )
        let (decoded, object) = try Self.roundTrip(item)
        #expect(decoded == item)
        #expect(object["label"] is NSNull && object["section"] is NSNull)
        #expect(object["job_id"] as? String == "alpha=inv-1" && object["created_at"] as? String == "2026-12-02T09:00:00.000Z")
        #expect(object["reasons"] as? [String] == ["low_confidence", "anomaly"])
        #expect((object["decision"] as? [String: Any])?["action"] as? String == "correct")
        #expect(ReviewItem.id(jobID: "alpha=inv-1", number: 1) == item.id)

        let page = ReviewItem(
            id: "j.2",
            jobID: "j",
            tenant: "default",
            kind: .page,
            page: 3,
            value: .null,
            reasons: [.lowConfidencePage],
            message: "page 3's confidence 41 is under 60",
            createdAt: Self.at
        )
        let (decodedPage, pageObject) = try Self.roundTrip(page)
        #expect(decodedPage == page)
        #expect(pageObject["value"] is NSNull && pageObject["state"] as? String == "open")
    }

    @Test func tenantsAreSubjectTokens() {
        #expect(ReviewItem.isValidTenant("alpha-1_B"))
        for bad in ["", "a.b", "a*", "a>", "a b", String(repeating: "a", count: 41)] {
            #expect(!ReviewItem.isValidTenant(bad))
        }
    }

    @Test func caseCountsOpenItemsFromDecidedOnes() throws {
        var reviewCase = ReviewCase(
            jobID: "j",
            tenant: "default",
            label: "invoice",
            attempt: 2,
            itemIDs: ["j.1", "j.2"],
            schema: .object(["type": .string("object")]),
            documentPieces: 1,
            documentBytes: 10,
            createdAt: Self.at
        )
        #expect(reviewCase.open == 2 && reviewCase.needsReview && !reviewCase.isReadyToFinish)
        reviewCase.decided = ["j.2", "j.2", "j.1"]
        #expect(reviewCase.open == 0 && reviewCase.isReadyToFinish)
        let (decoded, object) = try Self.roundTrip(reviewCase)
        #expect(decoded == reviewCase)
        #expect(object["open"] as? Int == 0 && object["version"] as? Int == 1 && object["needs_review"] as? Bool == true)
        reviewCase.reviewedAt = Self.at
        #expect(!reviewCase.isReadyToFinish)
    }

    @Test func summaryCountsReasonsAndLeavesThemOutWithoutItems() throws {
        let items = [[ReviewReason.lowConfidence, .anomaly], [.lowConfidence]].enumerated().map { index, reasons in
            ReviewItem(
                id: "j.\(index + 1)",
                jobID: "j",
                tenant: "default",
                kind: .field,
                pointer: "/a",
                value: .null,
                reasons: reasons,
                message: "",
                createdAt: Self.at
            )
        }
        let summary = ReviewSummary(items: items)
        #expect(summary == ReviewSummary(needsReview: true, items: 2, reasons: [.lowConfidence: 2, .anomaly: 1]))
        let (decoded, object) = try Self.roundTrip(summary)
        #expect(decoded == summary)
        #expect(object["reasons"] as? [String: Int] == ["low_confidence": 2, "anomaly": 1])
        let (_, none) = try Self.roundTrip(ReviewSummary(items: []))
        #expect(none.keys.sorted() == ["items", "needs_review"])
        // Items left out past the cap are counted, and said only when there are some.
        let capped = ReviewSummary(items: items, omitted: 7)
        let (cappedBack, cappedObject) = try Self.roundTrip(capped)
        #expect(cappedBack == capped && cappedObject["omitted"] as? Int == 7)
        #expect(object["omitted"] == nil)
    }

    @Test func auditRecordsAndCorrectionsRoundTrip() throws {
        let record = ReviewAuditRecord(
            item: "j.1",
            jobID: "j",
            tenant: "alpha",
            reviewer: "ann",
            at: Self.at,
            action: .takeover,
            before: .string("claimed"),
            after: .string("claimed"),
            note: "bob's lease ran out"
        )
        #expect(try Self.roundTrip(record).0 == record)
        let correction = ReviewCorrection(
            tenant: "alpha",
            label: nil,
            pointer: "/total",
            before: .number(-5),
            after: .number(5),
            context: "Total: -5.00",
            at: Self.at,
            item: "j.1",
            jobID: "j"
        )
        let (decoded, object) = try Self.roundTrip(correction)
        #expect(decoded == correction)
        #expect(object["confirmed"] as? Bool == false && object["job_id"] as? String == "j")
    }

    @Test func completedCarriesItsReviewAndStateItsStatus() throws {
        var completed = JobCompleted(
            result: ResultSummary(url: "https://a/x.md", bytes: 1, sha256: "x"),
            pages: 1,
            pagesFailed: [],
            engine: "tesseract",
            durationMs: 1,
            timingsMs: [:],
            usage: PageUsage(pagesOCR: 1, pagesText: 0)
        )
        completed.review = ReviewSummary(needsReview: false, items: 0)
        let (decoded, object) = try Self.roundTrip(completed)
        #expect(decoded == completed)
        #expect((object["review"] as? [String: Any])?["needs_review"] as? Bool == false)

        var state = JobState(jobID: "j", state: .completed, updatedAt: Self.at)
        state.review = JobReviewStatus(needsReview: true, open: 2, items: 3)
        let (decodedState, stateObject) = try Self.roundTrip(state)
        #expect(decodedState == state)
        #expect((stateObject["review"] as? [String: Any])?["open"] as? Int == 2)
    }

    @Test func reviewedEventFollowsCompletionWithoutEndingTheJob() throws {
        let reviewed = JobReviewed(
            version: 2,
            items: 3,
            confirmed: 1,
            corrected: 1,
            rejected: 1,
            extraction: ResultSummary(url: "https://g/tenants/a/reviews/j/extraction.v2.json", bytes: 9, sha256: "ab")
        )
        let data = LifecycleData(header: EventHeader(jobID: "a=j", attempt: 1, worker: "gateway"), body: .reviewed(reviewed))
        #expect(!data.body.endsJob && data.body.kind == .reviewed)
        let event = LifecycleEvent.lifecycle(data, source: "urn:g")
        #expect(event.id == "a=j.reviewed.v2" && event.type == "ocrfleet.job.reviewed")
        #expect(JobReviewed.messageID(jobID: "a=j", version: 2) == "reviewed-a=j-v2")
        let decoded = try LifecycleEvent.decode(Array(try CloudEventCoding.encoder().encode(event)))
        #expect(decoded.data == data)
        #expect(decoded.renamingJob(to: "j").id == "j.reviewed.v2")
        #expect(Subjects.event(.reviewed, jobID: "a=j") == "ocr.events.reviewed.a=j")
    }
}
