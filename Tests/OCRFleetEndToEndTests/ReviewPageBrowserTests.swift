import Foundation
import OCRFleetBus
import OCRFleetContent
import OCRFleetModel
import OCRFleetTesting
import Testing

/// The review page in a real headless Chromium (`scripts/review-page-browser.py`, Selenium and
/// Debian's `chromium` and `chromium-driver`): a reviewer signs in, claims each open item of
/// its tenant with `n` and confirms, corrects and rejects them by keyboard; then the API shows
/// the job's `reviewed` event and the new extraction version. The worker's part (the job's
/// end and its review items) is played by the test through `ReviewStore`, as the worker will.
@Suite(.serialized) struct ReviewPageBrowserTests {
    static let tokens = ["OCR_API_TOKENS": "tokA:alpha,tokB:beta"]

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

    @Test func aReviewerResolvesEveryItemByKeyboard() async throws {
        try await withFleet(gatewayEnvironment: Self.tokens, runWorker: false) { fleet in
            // alpha's job inv-1 waits for review; so does beta's own inv-1.
            for (tenant, token) in [("alpha", "tokA"), ("beta", "tokB")] {
                let upload = try await fleet.request(
                    "POST",
                    "/v1/jobs?job_id=inv-1",
                    body: Array("%PDF-1.4 a page".utf8),
                    contentType: "application/pdf",
                    token: token
                )
                #expect(upload.status == 202, "\(upload.body)")
                let busID = "\(tenant)=inv-1"
                let extraction = fleet.store.path(for: "tenants/\(tenant)/results/inv-1.extraction.json")
                try await ReviewFixture.complete(busID, extractionAt: extraction, nats: fleet.nats)
                let crop = tenant == "alpha" ? Array(try #require(FileManager.default.contents(atPath: Fixtures.path("invoice.png")))) : nil
                try await ReviewFixture.openReview(busID: busID, tenant: tenant, crop: crop, nats: fleet.nats)
            }

            let page = try await fleet.exchange("GET", "/review")
            #expect(page.status == 200 && page.headers["content-type"] == "text/html; charset=utf-8")
            let policy = try #require(page.headers["content-security-policy"])
            #expect(policy.hasPrefix("default-src 'none'; script-src 'self'; style-src 'sha256-"), "\(policy)")
            #expect(!policy.contains("unsafe"))

            let (status, output) = try await Self.browse(
                fleet.gatewayURL,
                token: "tokA",
                reviewer: "ada",
                actions: #"confirm,correct="ACME Ltd",reject"#
            )
            #expect(status == 0, "\(output)")
            let summary = try JSONSerialization.jsonObject(with: Data((output.split(separator: "\n").last ?? "").utf8)) as? [String: Any]
            let decided = (summary?["decided"] as? [[String: String]])?.map { "\($0["id"] ?? "") \($0["action"] ?? "")" }
            #expect(decided == ["inv-1.1 confirm", "inv-1.2 correct", "inv-1.3 reject"], "\(output)")
            #expect(summary?["crops"] as? Int == 1, "the total's crop was shown: \(output)")

            // The job's review finished: the `reviewed` event and version 2.
            let stored = StoredMessages(connection: fleet.nats, stream: StreamNames.events)
            let message = try #require(try await stored.last(on: Subjects.event(.reviewed, jobID: "alpha=inv-1")))
            guard case .reviewed(let reviewed) = try LifecycleEvent.decode(message.payload).data.body else {
                Issue.record("not a reviewed event")
                return
            }
            #expect(reviewed.version == 2 && reviewed.items == 3)
            #expect(reviewed.confirmed == 1 && reviewed.corrected == 1 && reviewed.rejected == 1)
            #expect(reviewed.extraction.url.hasSuffix("/tenants/alpha/reviews/inv-1/extraction.v2.json"), "\(reviewed.extraction.url)")

            let newest = try await fleet.exchange("GET", "/v1/jobs/inv-1/extraction", token: "tokA")
            #expect(newest.status == 200 && newest.headers["ocrfleet-extraction-version"] == "2")
            let values = try #require(ReviewFixture.values(of: newest.body))
            #expect(values["total"] as? Double == 12.5)
            #expect(values["vendor"] as? String == "ACME Ltd")
            #expect(values["date"] is NSNull)
            let first = try await fleet.exchange("GET", "/v1/jobs/inv-1/extraction?version=1", token: "tokA")
            #expect(ReviewFixture.values(of: first.body)?["date"] as? String == "2024-01-31")
            #expect(try await fleet.request("GET", "/v1/jobs/inv-1/extraction?version=3", token: "tokA").status == 404)

            // beta's item was never in alpha's queue, and is still open.
            let beta = try await fleet.request("GET", "/v1/reviews?state=open", token: "tokB")
            #expect(beta.status == 200 && beta.body.contains(#""id":"inv-1.1""#), "\(beta.body)")
        }
    }
}
