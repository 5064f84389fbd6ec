import Foundation
import OCRFleetBus
import OCRFleetContent
import OCRFleetModel
import OCRFleetTesting
import Testing

/// Two tenants who distrust each other share one gateway: neither can see, touch or collide
/// with the other's jobs, whatever ids they choose.
@Suite struct TenancyTests {
    static let tokens = ["OCR_API_TOKENS": "tokA:alpha,tokB:beta,solo"]

    @Test func anotherTenantsJobAnswersLikeAMissingOne() async throws {
        try await withFleet(gatewayEnvironment: Self.tokens) { fleet in
            try await fleet.upload("report-3p.pdf", as: "inv-1", token: "tokA", expecting: 202)
            let done = try await fleet.waitForTerminalState("inv-1", token: "tokA")
            #expect(done.state == .completed && done.jobID == "inv-1" && done.metadata?["tenant"] == "alpha")
            let markdown = try await fleet.request("GET", "/v1/jobs/inv-1/result", token: "tokA")
            #expect(markdown.status == 200 && !markdown.body.isEmpty)

            let missing = try await fleet.request("GET", "/v1/jobs/no-such-job", token: "tokB")
            #expect(missing.status == 404 && missing.body.contains(#""code":"not_found""#))
            for (method, path) in [
                ("GET", "/v1/jobs/inv-1"), ("GET", "/v1/jobs/inv-1/result"), ("GET", "/v1/jobs/inv-1/layout"),
                ("GET", "/v1/jobs/inv-1/events"), ("DELETE", "/v1/jobs/inv-1"), ("POST", "/v1/jobs/inv-1/retry"),
            ] {
                let answer = try await fleet.request(method, path, token: "tokB")
                #expect(answer.status == 404, "\(method) \(path): \(answer)")
                #expect(answer.body == missing.body.replacingOccurrences(of: "no-such-job", with: "inv-1"))
                #expect(!answer.body.contains("alpha") && !answer.body.contains(markdown.body.prefix(40)))
            }
            #expect(try await fleet.jobIDs(token: "tokB").isEmpty)
            #expect(try await fleet.jobIDs(token: "tokA") == ["inv-1"])
            // The bus knows the job under the tenant's namespace; the caller never sees it.
            #expect(try await JobStateStore(connection: fleet.nats).get("alpha=inv-1")?.state == .completed)
        }
    }

    @Test func theSameIdIsTwoJobsForTwoTenants() async throws {
        try await withFleet(gatewayEnvironment: Self.tokens) { fleet in
            try await fleet.upload("report-3p.pdf", as: "same", token: "tokA", expecting: 202)
            try await fleet.upload("invoice.png", as: "same", token: "tokB", expecting: 202)
            let alpha = try await fleet.waitForTerminalState("same", token: "tokA")
            let beta = try await fleet.waitForTerminalState("same", token: "tokB")
            #expect(alpha.state == .completed && beta.state == .completed)
            #expect(alpha.format != beta.format)
            let alphaText = try await fleet.request("GET", "/v1/jobs/same/result", token: "tokA").body
            let betaText = try await fleet.request("GET", "/v1/jobs/same/result", token: "tokB").body
            #expect(Fixtures.recall(truth: Fixtures.truth["report-3p.pdf"]!.joined(separator: " "), recognised: alphaText) > 0.9)
            #expect(Fixtures.recall(truth: Fixtures.truth["invoice.png"]!.joined(separator: " "), recognised: betaText) > 0.9)
            // Each tenant's files are kept apart in the store.
            for tenant in ["alpha", "beta"] {
                #expect(FileManager.default.fileExists(atPath: fleet.store.path(for: "tenants/\(tenant)/sources/same/source")))
            }
        }
    }

    @Test func aRepostIsTheSameJobAndADifferentOneIsRefused() async throws {
        let environment = Self.tokens.merging(["OCR_WEBHOOK_SECRET": "hook-secret"]) { _, new in new }
        try await withFleet(gatewayEnvironment: environment, runWorker: false) { fleet in
            let first = "&callback_url=http://127.0.0.1:9/first"
            try await fleet.upload("invoice.png", as: "inv", token: "tokA", query: first, expecting: 202)
            let source = fleet.store.path(for: "tenants/alpha/sources/inv/source")
            let stored = try Data(contentsOf: URL(fileURLWithPath: source))

            let again = try await fleet.upload("invoice.png", as: "inv", token: "tokA", query: first, expecting: 200)
            #expect(again.contains(#""job_id":"inv""#) && again.contains(#""state":"queued""#))
            let otherFile = try await fleet.upload("report-3p.pdf", as: "inv", token: "tokA", query: first, expecting: 409)
            #expect(otherFile.contains(#""code":"job_exists""#))
            let otherCallback = try await fleet.upload(
                "invoice.png",
                as: "inv",
                token: "tokA",
                query: "&callback_url=http://127.0.0.1:9/second",
                expecting: 409
            )
            #expect(otherCallback.contains(#""code":"job_exists""#))

            // Nothing of the first job changed, and it was queued once.
            #expect(try Data(contentsOf: URL(fileURLWithPath: source)) == stored)
            let states = try await JobStateStore(connection: fleet.nats)
            #expect(try await states.callback(of: "alpha=inv") == "http://127.0.0.1:9/first")
            #expect(try await states.get("alpha=inv")?.state == .queued)
            let queued = try await StoredMessages(connection: fleet.nats, stream: StreamNames.jobs).bounds().count
            #expect(queued == 1)
            #expect(!FileManager.default.fileExists(atPath: fleet.store.path(for: "sources/inv/source")))
        }
    }

    @Test func aTenantsWebhookNamesTheJobAsTheTenantDoes() async throws {
        let environment = Self.tokens.merging(["OCR_WEBHOOK_SECRET": "hook-secret"]) { _, new in new }
        try await withPostReceiver { receiver in
            try await withFleet(gatewayEnvironment: environment) { fleet in
                let callback = receiver.url.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? receiver.url
                try await fleet.upload("report-3p.pdf", as: "hooked", token: "tokA", query: "&callback_url=\(callback)", expecting: 202)
                let delivery = try #require(try await receiver.accepted(1).first)
                #expect(delivery.headers["ocrfleet-job-id"] == "hooked")
                let event = try LifecycleEvent.decode(delivery.body)
                #expect(event.data.header.jobID == "hooked" && event.subject == "hooked" && event.id == "hooked.completed")
                #expect(!String(decoding: delivery.body, as: UTF8.self).contains("alpha="))
            }
        }
    }

    @Test func theGatewayOwnsTheTenantOfAJob() async throws {
        try await withFleet(gatewayEnvironment: Self.tokens, runWorker: false) { fleet in
            let job = #"{"job_id":"stamped","source":{"url":"https://docs.example.com/a.pdf"},"metadata":{"tenant":"alpha","team":"x"}}"#
            let posted = try await fleet.request(
                "POST",
                "/v1/jobs",
                body: Array(job.utf8),
                contentType: "application/json",
                token: "solo"
            )
            #expect(posted.status == 202, "\(posted)")
            let state = try #require(try await JobStateStore(connection: fleet.nats).get("default=stamped"))
            #expect(state.metadata == ["tenant": "default", "team": "x"])
            #expect(try await fleet.request("GET", "/v1/jobs/stamped", token: "tokA").status == 404)
            #expect(try await fleet.request("GET", "/v1/jobs/stamped", token: "solo").status == 200)
        }
    }
}

extension TestFleet {
    /// Uploads a fixture as `token`'s job `jobID` and expects `status`; returns the body.
    @discardableResult
    func upload(
        _ fixture: String,
        as jobID: String,
        token: String,
        query: String = "",
        expecting status: Int
    )
        async throws -> String
    {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path(fixture))))
        let answer = try await request(
            "POST",
            "/v1/jobs?job_id=\(jobID)\(query)",
            body: bytes,
            contentType: "application/octet-stream",
            token: token
        )
        #expect(answer.status == status, "\(fixture) as \(jobID): \(answer)")
        return answer.body
    }

    /// The ids `GET /v1/jobs` lists for `token`'s tenant.
    func jobIDs(token: String) async throws -> [String] {
        struct Page: Decodable { var jobs: [JobState] }
        let (status, body) = try await request("GET", "/v1/jobs", token: token)
        #expect(status == 200, "\(body)")
        return try CloudEventCoding.decoder().decode(Page.self, from: Data(body.utf8)).jobs.map(\.jobID)
    }
}
