import Foundation
import HTTPTypes
import HummingbirdTesting
import OCRFleetAPI
import OCRFleetBus
import OCRFleetModel
import OCRFleetTesting
import Testing

@testable import OCRFleetGateway

/// The gateway's routes in process, on a real `nats-server`: what a client of the HTTP API
/// sees of authentication, tenants, validation and the document's shape.
@Suite struct GatewayRouteTests {
    static let tenants = ["OCR_API_TOKENS": "tokA:alpha,tokB:beta"]

    @Test func aRequestWithoutAValidTokenIs401() async throws {
        try await RouteTestGateway.run(Self.tenants) { gateway in
            for token in [nil, "wrong"] {
                let answer = try await gateway.send(.get, "/v1/jobs", token: token)
                #expect(answer.status == .unauthorized)
                #expect(answer.headers[.contentType] == "application/json; charset=utf-8")
                #expect(answer.error.code == "unauthorized")
            }
            #expect(try await gateway.send(.get, "/v1/jobs", token: "tokA").status == .ok)
            // Probes are open.
            #expect(try await gateway.send(.get, "/healthz").status == .ok)
        }
    }

    @Test func anAddressThatKeepsFailingIsThrottledRightTokenOrNot() async throws {
        let environment = Self.tenants.merging(["OCR_AUTH_FAILURE_BURST": "2"]) { _, new in new }
        try await RouteTestGateway.run(environment, clock: FleetClock(ManualClock())) { gateway in
            for _ in 0..<2 { #expect(try await gateway.send(.get, "/v1/queue", token: "guess").status == .unauthorized) }
            let throttled = try await gateway.send(.get, "/v1/queue", token: "tokA")
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.error.code == "auth_throttled")
            #expect(Int(throttled.headers[.retryAfter] ?? "") ?? 0 >= 1)
        }
    }

    @Test func aTokenOverItsRateIs429WithRetryAfter() async throws {
        let environment = Self.tenants.merging(["OCR_RATE_LIMIT": "1", "OCR_RATE_BURST": "2"]) { _, new in new }
        // Time stands still, so the bucket cannot refill between requests on a slow machine.
        try await RouteTestGateway.run(environment, clock: FleetClock(ManualClock())) { gateway in
            for _ in 0..<2 { #expect(try await gateway.send(.get, "/v1/queue", token: "tokA").status == .ok) }
            let limited = try await gateway.send(.get, "/v1/queue", token: "tokA")
            #expect(limited.status == .tooManyRequests && limited.error.code == "rate_limited")
            #expect(limited.headers[.retryAfter] == "1")
            #expect(try await gateway.send(.get, "/v1/queue", token: "tokB").status == .ok, "each token has its own rate")
        }
    }

    @Test func anotherTenantsJobAnswersExactlyLikeAMissingOne() async throws {
        try await RouteTestGateway.run(Self.tenants) { gateway in
            let missing = try await gateway.send(.get, "/v1/jobs/inv-1", token: "tokB")
            #expect(missing.status == .notFound)
            #expect(try await gateway.upload("inv-1", token: "tokA").status == .accepted)
            for (method, path) in [(HTTPRequest.Method.get, ""), (.get, "/result"), (.get, "/layout"), (.delete, ""), (.post, "/retry")] {
                let answer = try await gateway.send(method, "/v1/jobs/inv-1\(path)", token: "tokB")
                #expect(answer.status == .notFound, "\(method) \(path)")
                if path.isEmpty, method == .get { #expect(answer.body == missing.body) }
            }
            let own = try await gateway.send(.get, "/v1/jobs/inv-1", token: "tokA")
            #expect(own.status == .ok && own.json?["job_id"] as? String == "inv-1" && own.json?["state"] as? String == "queued")
            let listed = try await gateway.send(.get, "/v1/jobs", token: "tokB")
            #expect((listed.json?["jobs"] as? [Any])?.isEmpty == true)
            // beta may use the same id for a job of its own.
            #expect(try await gateway.upload("inv-1", token: "tokB").status == .accepted)
        }
    }

    @Test func badRequestsName400AndTheirField() async throws {
        try await RouteTestGateway.run { gateway in
            let cases: [(HTTPRequest.Method, String, String?, String?, String?)] = [
                (.get, "/v1/jobs?limit=0", nil, nil, "limit"),
                (.get, "/v1/jobs?limit=1001", nil, nil, "limit"),
                (.get, "/v1/jobs?state=lost", nil, nil, "state"),
                (.get, "/v1/jobs?limit=many", nil, nil, "limit"),
                (.post, "/v1/jobs?mode=fast", "application/pdf", "%PDF", "mode"),
                (.get, "/v1/jobs?before=soon", nil, nil, "before"),
                (.post, "/v1/jobs", "application/json", #"{"options": {}}"#, "source"),
                (.post, "/v1/jobs", "application/json", #"{"source": {"url": "http://a/b.pdf"}, "options": {"mode": "fast"}}"#, "options.mode"),
                (.post, "/v1/jobs", "application/json", #"{"source": {"url": "http://a/b.pdf"}, "job_id": "a b"}"#, "job_id"),
                (.post, "/v1/jobs?pages=3-1", "application/pdf", "%PDF", "options.pages"),
                (.post, "/v1/jobs?job_id=empty", "application/pdf", "", "file"),
                (.post, "/v1/jobs?callback_url=http://a/hook", "application/pdf", "%PDF", "callback_url"),
            ]
            for (method, uri, contentType, body, field) in cases {
                let answer = try await gateway.send(method, uri, contentType: contentType, body: body)
                #expect(answer.status == .badRequest, "\(uri) \(body ?? "")")
                #expect(answer.error.code == "invalid_job" && answer.error.field == field, "\(uri) \(body ?? ""): \(answer.text)")
                #expect(answer.headers[.contentType] == "application/json; charset=utf-8")
            }
        }
    }

    @Test func aMultipartUploadIsTheFilePartAndItsFields() async throws {
        try await RouteTestGateway.run { gateway in
            let boundary = "b0undary"
            func form(_ parts: [(name: String, value: String)]) -> String {
                parts.map { part in
                    let filename = part.name == "file" ? #"; filename="scan.pdf""# : ""
                    return "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\"\(filename)\r\n\r\n\(part.value)\r\n"
                }.joined() + "--\(boundary)--\r\n"
            }
            let contentType = "multipart/form-data; boundary=\(boundary)"
            let accepted = try await gateway.send(
                .post,
                "/v1/jobs?job_id=form",
                contentType: contentType,
                body: form([("mode", "ocr"), ("file", "%PDF-1.4 a page"), ("options", #"{"languages": ["deu"]}"#)])
            )
            #expect(accepted.status == .accepted, "\(accepted.text)")
            #expect(accepted.json?["job_id"] as? String == "form")

            let noFile = try await gateway.send(.post, "/v1/jobs", contentType: contentType, body: form([("mode", "ocr")]))
            #expect(noFile.status == .badRequest && noFile.error.field == "file", "\(noFile.text)")
            let tooMany = try await gateway.send(
                .post,
                "/v1/jobs",
                contentType: contentType,
                body: form([("file", "%PDF")] + (0..<40).map { ("extra\($0)", "x") })
            )
            #expect(tooMany.status == .badRequest && tooMany.text.contains("parts"), "\(tooMany.text)")
        }
    }

    @Test func anUploadOverTheCapIs413() async throws {
        try await RouteTestGateway.run(["OCR_MAX_UPLOAD_BYTES": "8"]) { gateway in
            let answer = try await gateway.send(.post, "/v1/jobs", contentType: "application/pdf", body: "%PDF-1.4 a page")
            #expect(answer.status == .contentTooLarge && answer.error.code == "source_too_large")
        }
    }

    /// The runtime reads `application//json` as JSON and `multipart//form-data` as a form: both
    /// get the limits of what they are parsed as, not the upload cap.
    @Test func oddlySpelledMediaTypesGetTheLimitsOfWhatTheyAreParsedAs() async throws {
        try await RouteTestGateway.run { gateway in
            let bigJSON = #"{"source": {"url": "https://example.com/a.pdf"}, "pad": ""# + String(repeating: "x", count: 1 << 20) + #""}"#
            for contentType in ["application//json", "/Application/JSON"] {
                let answer = try await gateway.send(.post, "/v1/jobs", contentType: contentType, body: bigJSON)
                #expect(answer.status == .contentTooLarge && answer.error.code == "request_too_large", "\(contentType): \(answer.text)")
            }
            let boundary = "b0undary"
            let parts = (0..<40).map { "--\(boundary)\r\nContent-Disposition: form-data; name=\"extra\($0)\"\r\n\r\nx\r\n" }.joined()
            let form = try await gateway.send(
                .post,
                "/v1/jobs",
                contentType: "multipart//form-data; boundary=\(boundary)",
                body: parts + "--\(boundary)--\r\n"
            )
            #expect(form.status == .badRequest && form.text.contains("parts"), "\(form.text)")
        }
    }

    @Test func aMethodTheDocumentDoesNotDeclareIs405WithAllow() async throws {
        try await RouteTestGateway.run { gateway in
            for (method, uri, allow) in [
                (HTTPRequest.Method.delete, "/v1/queue", "GET"), (.put, "/v1/jobs/a", "GET, DELETE"),
                (.post, "/readyz", "GET"), (.delete, "/v1/store/tenants/a/b", "GET, PUT"),
            ] {
                let answer = try await gateway.send(method, uri)
                #expect(answer.status == .methodNotAllowed, "\(method) \(uri)")
                #expect(answer.headers[.allow] == allow)
                #expect(answer.error.code == "method_not_allowed")
            }
            let unknown = try await gateway.send(.get, "/v1/nothing")
            #expect(unknown.status == .notFound && unknown.error.code == "not_found")
        }
    }

    @Test func everyAnswerCarriesItsDocumentedContentType() async throws {
        try await RouteTestGateway.run { gateway in
            let expected: [(String, String)] = [
                ("/healthz", "text/plain; charset=utf-8"), ("/readyz", "text/plain; charset=utf-8"),
                ("/metrics", "text/plain; charset=utf-8; version=0.0.4"), ("/openapi.json", "application/json; charset=utf-8"),
                ("/v1/jobs", "application/json; charset=utf-8"), ("/v1/queue", "application/json; charset=utf-8"),
                ("/v1/jobs/none", "application/json; charset=utf-8"),
            ]
            for (uri, contentType) in expected {
                #expect(try await gateway.send(.get, uri).headers[.contentType] == contentType, "\(uri)")
            }
            let document = try #require(try await gateway.send(.get, "/openapi.json").json)
            let served = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? NSDictionary)
            #expect(NSDictionary(dictionary: document) == served)
        }
    }

    @Test func theListingPagesNewestFirst() async throws {
        try await RouteTestGateway.run { gateway in
            for id in ["first", "second", "third"] { try await gateway.upload(id) }
            let page = try await gateway.send(.get, "/v1/jobs?limit=2")
            let jobs = try #require(page.json?["jobs"] as? [[String: Any]])
            #expect(jobs.compactMap { $0["job_id"] as? String } == ["third", "second"])
            let next = try #require(page.json?["next"] as? String)
            #expect(page.json?["next_url"] as? String == "http://127.0.0.1:8080/v1/jobs?limit=2&before=\(next)")
            let last = try await gateway.send(.get, "/v1/jobs?limit=2&before=\(next)")
            #expect((last.json?["jobs"] as? [[String: Any]])?.compactMap { $0["job_id"] as? String } == ["first"])
            #expect(last.json?["next"] == nil)
            let queued = try await gateway.send(.get, "/v1/jobs?state=completed")
            #expect((queued.json?["jobs"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func cancelAndRetryRefuseJobsInTheWrongState() async throws {
        try await RouteTestGateway.run { gateway in
            try await gateway.upload("queued")
            let notFailed = try await gateway.send(.post, "/v1/jobs/queued/retry")
            #expect(notFailed.status == .conflict && notFailed.error.code == "job_not_failed")

            let states = try await JobStateStore(connection: gateway.nats)
            try await states.put(JobState(jobID: "done", state: .completed))
            let final = try await gateway.send(.delete, "/v1/jobs/done")
            #expect(final.status == .conflict && final.error.code == "already_final")
            try await states.put(JobState(jobID: "broken", state: .failed))
            let noLetter = try await gateway.send(.post, "/v1/jobs/broken/retry")
            #expect(noLetter.status == .conflict && noLetter.error.code == "no_dead_letter")

            // A result elsewhere is a redirect to its URL exactly as the job reported it.
            let elsewhere = "https://bucket.example/results/done.md?X-Amz-Credential=a%2Fb&X-Amz-Signature=c0ffee"
            var done = JobState(jobID: "done", state: .completed)
            done.result = ResultSummary(url: elsewhere, bytes: 1, sha256: "")
            try await states.put(done)
            let redirect = try await gateway.send(.get, "/v1/jobs/done/result")
            #expect(redirect.status == .found && redirect.headers[.location] == elsewhere)

            let cancelled = try await gateway.send(.delete, "/v1/jobs/queued")
            #expect(cancelled.status == .accepted && cancelled.json?["state"] as? String == "queued")
            let notReady = try await gateway.send(.get, "/v1/jobs/queued/result")
            #expect(notReady.status == .conflict && notReady.error.code == "not_ready")
        }
    }
}
