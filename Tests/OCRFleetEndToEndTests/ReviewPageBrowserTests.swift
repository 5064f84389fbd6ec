import Foundation
import OCRFleetBus
import OCRFleetContent
import OCRFleetModel
import OCRFleetTesting
import Testing
import VLLMDouble

/// A fixture batch reviewed end to end: jobs submitted to the gateway by two tenants, read by
/// the worker (Tesseract's text layer and the vLLM double's instruction model), their review
/// items resolved in the review page in a real headless Chromium
/// (`scripts/review-page-browser.py`, Selenium and Debian's `chromium` and
/// `chromium-driver`) by keyboard, the `reviewed` event and the new extraction version read
/// back, and a repeat submission that benefits from the correction, for its tenant only. The
/// gateway and worker connect as their NATS users (`deploy/nats-users.conf`), so every
/// subject and bucket the review touches is one their permissions allow.
@Suite(.serialized) struct ReviewPageBrowserTests {
    static let gateway = ["OCR_API_TOKENS": "tokA:alpha,tokB:beta"].merging(WebhookTests.gatewayEnvironment) { _, new in new }

    /// Runs the browser script; its status and everything it wrote.
    static func browse(_ url: String, token: String, reviewer: String, actions: String) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let script = Fixtures.directory + "/../scripts/review-page-browser.py"
        process.arguments = ["python3", script, "--url", url, "--token", token, "--reviewer", reviewer, "--actions", actions]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = try await BuiltExecutable.readAll(output, until: process)
        return (process.terminationStatus, text)
    }

    /// The invoice's fields with a rule its total breaks: `amount` comes back as a stand-in
    /// (low confidence), `due_date` is not on the invoice (required, null: validation), and
    /// the total is over the rule's maximum (anomaly).
    static var options: JobOptions {
        get throws {
            JobOptions(
                mode: .text,
                extract: ExtractionOptions(schema: try ReviewEndToEndTests.schema("review.schema.json")),
                review: ReviewOptions(sampleRate: 0, rules: [ReviewRule(name: "total-under-1000", field: "/total", maximum: 1000)])
            )
        }
    }

    /// Submits the invoice as `multipart/form-data` with the options part, as `curl -F` would,
    /// and waits for the job's `completed` event.
    static func submit(
        _ fleet: TestFleet,
        jobID: String,
        tenant: String,
        token: String,
        callback: String? = nil
    ) async throws -> JobCompleted {
        let ended = try fleet.recordEvents("ocr.events.completed.\(tenant)=\(jobID)")
        try await fleet.nats.flush()
        let boundary = "ocrfleet-\(UUID().uuidString)"
        var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"options\"\r\n\r\n".utf8)
        body += Array(try JSONEncoder().encode(try options))
        body += Array(
            "\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"invoice-a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
                .utf8
        )
        body += Array(try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("analysis/invoice-a.pdf"))))
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        let accepted = try await fleet.request(
            "POST",
            "/v1/jobs?job_id=\(jobID)"
                + (callback.map { "&callback_url=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? ""),
            body: body,
            contentType: "multipart/form-data; boundary=\(boundary)",
            token: token
        )
        #expect(accepted.status == 202, "\(accepted.body)")
        guard case .completed(let completed) = try await ended.events(count: 1)[0].data.body else {
            throw AnalysisEndToEndTests.TestFailure("no completed event for \(tenant)'s \(jobID)")
        }
        return completed
    }

    /// The values of an `extraction.json` a route answered.
    static func values(_ body: String) -> [String: Any]? {
        let document = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        return (document?["extraction"] as? [String: Any])?["values"] as? [String: Any]
    }

    /// The open items of a tenant's queue, by pointer, through the API.
    static func openPointers(_ fleet: TestFleet, token: String, jobID: String) async throws -> [String] {
        let listed = try await fleet.request("GET", "/v1/reviews?state=open", token: token)
        #expect(listed.status == 200, "\(listed.body)")
        let list = try JSONSerialization.jsonObject(with: Data(listed.body.utf8)) as? [String: Any]
        let items = (list?["items"] as? [[String: Any]]) ?? []
        return items.filter { $0["job_id"] as? String == jobID }.compactMap { $0["pointer"] as? String }
    }

    @Test func aFixtureBatchIsReviewedInTheBrowserAndTheCorrectionIsLearned() async throws {
        try await withPostReceiver { receiver in
            try await Self.reviewTheBatch(callback: receiver)
        }
    }

    static func reviewTheBatch(callback receiver: PostReceiver) async throws {
        try await withVLLMDouble(AnalysisEndToEndTests.behaviour) { llm in
            try await withFleet(
                workerEnvironment: AnalysisEndToEndTests.environment(llm.baseURL),
                gatewayEnvironment: Self.gateway,
                natsUsers: true
            ) { fleet in
                // The batch: alpha's invoice (with a callback) and beta's, under the same job id.
                async let alphaEnded = Self.submit(fleet, jobID: "inv-1", tenant: "alpha", token: "tokA", callback: receiver.url)
                async let betaEnded = Self.submit(fleet, jobID: "inv-1", tenant: "beta", token: "tokB")
                let (alpha, beta) = try await (alphaEnded, betaEnded)
                let expected = ReviewSummary(needsReview: true, items: 3, reasons: [.lowConfidence: 1, .validationFailed: 1, .anomaly: 1])
                #expect(alpha.review == expected && beta.review == expected)
                #expect(try await Self.openPointers(fleet, token: "tokA", jobID: "inv-1") == ["/amount", "/due_date", "/total"])

                let page = try await fleet.exchange("GET", "/review")
                #expect(page.status == 200 && page.headers["content-type"] == "text/html; charset=utf-8")
                let policy = try #require(page.headers["content-security-policy"])
                #expect(policy.hasPrefix("default-src 'none'; script-src 'self'; style-src 'sha256-"), "\(policy)")
                #expect(!policy.contains("unsafe"))

                // alpha's reviewer works through the queue by keyboard: the amount and the due
                // date corrected, the total confirmed (the invoice does say $1,234.50).
                let (status, output) = try await Self.browse(
                    fleet.gatewayURL,
                    token: "tokA",
                    reviewer: "ada",
                    actions: #"correct=1234.5,correct="2026-03-31",confirm"#
                )
                #expect(status == 0, "\(output)")
                let summary = try JSONSerialization.jsonObject(with: Data((output.split(separator: "\n").last ?? "").utf8)) as? [String: Any]
                let decided = (summary?["decided"] as? [[String: String]])?.map { "\($0["id"] ?? "") \($0["action"] ?? "")" }
                #expect(decided == ["inv-1.1 correct", "inv-1.2 correct", "inv-1.3 confirm"], "\(output)")
                #expect(summary?["crops"] as? Int == 1, "the total's crop (its box on the text layer) was shown: \(output)")

                // The job's review finished: the callback heard the job end, then the `reviewed`
                // event (under alpha's own id), and version 2 is served.
                let posted = try await receiver.accepted(2)
                #expect(posted.map { $0.headers["ocrfleet-event"] ?? "" } == ["completed", "reviewed"])
                #expect(posted.allSatisfy { $0.headers["ocrfleet-job-id"] == "inv-1" && WebhookTests.isSigned($0) })
                let heard = try LifecycleEvent.decode(posted[1].body)
                #expect(heard.data.header.jobID == "inv-1")
                guard case .reviewed(let reviewed) = heard.data.body else {
                    Issue.record("not a reviewed event")
                    return
                }
                #expect(reviewed.version == 2 && reviewed.items == 3)
                #expect(reviewed.confirmed == 1 && reviewed.corrected == 2 && reviewed.rejected == 0)
                #expect(reviewed.extraction.url.hasSuffix("/tenants/alpha/reviews/inv-1/extraction.v2.json"), "\(reviewed.extraction.url)")
                let newest = try await fleet.exchange("GET", "/v1/jobs/inv-1/extraction", token: "tokA")
                #expect(newest.status == 200 && newest.headers["ocrfleet-extraction-version"] == "2")
                let values = try #require(Self.values(newest.body))
                #expect(values["amount"] as? Double == 1234.5 && values["due_date"] as? String == "2026-03-31")
                #expect(values["total"] as? Double == 1234.5)
                let first = try await fleet.exchange("GET", "/v1/jobs/inv-1/extraction?version=1", token: "tokA")
                #expect(Self.values(first.body)?["amount"] as? Double == 0 && Self.values(first.body)?["due_date"] is NSNull)
                #expect(try await fleet.request("GET", "/v1/jobs/inv-1/extraction?version=3", token: "tokA").status == 404)

                // beta's items were never in alpha's queue, and are all still open.
                #expect(try await Self.openPointers(fleet, token: "tokB", jobID: "inv-1") == ["/amount", "/due_date", "/total"])

                // A repeat submission: alpha's model gets the correction as an example and reads
                // the amount right, so it is not sent for review; beta's does not (corrections
                // are per tenant), and its amount goes to review again.
                async let alphaAgain = Self.submit(fleet, jobID: "inv-2", tenant: "alpha", token: "tokA")
                async let betaAgain = Self.submit(fleet, jobID: "inv-2", tenant: "beta", token: "tokB")
                let (alphaRepeat, betaRepeat) = try await (alphaAgain, betaAgain)
                #expect(alphaRepeat.review?.reasons[.lowConfidence] == nil, "\(String(describing: alphaRepeat.review))")
                #expect(try await !Self.openPointers(fleet, token: "tokA", jobID: "inv-2").contains("/amount"))
                let learned = try await fleet.exchange("GET", "/v1/jobs/inv-2/extraction", token: "tokA")
                #expect(Self.values(learned.body)?["amount"] as? Double == 1234.5, "\(learned.body)")
                #expect(betaRepeat.review?.reasons[.lowConfidence] == 1, "\(String(describing: betaRepeat.review))")
                let unlearned = try await fleet.exchange("GET", "/v1/jobs/inv-2/extraction", token: "tokB")
                #expect(Self.values(unlearned.body)?["amount"] as? Double == 0, "\(unlearned.body)")
            }
        }
    }
}
