import Foundation
import HTTPTypes
import HummingbirdTesting
import OCRFleetBus
import OCRFleetModel
import Testing

@testable import OCRFleetGateway

/// `options.classify`, `options.split` and `options.extract` through `POST /v1/jobs` (form
/// fields, the `split` query parameter, JSON) as the job the gateway publishes carries them,
/// with an `extraction_url` into its store; and `GET /v1/jobs/{id}/extraction`.
@Suite struct ExtractionOptionTests {
    static let labels = #"[{"name": "invoice", "description": "a bill"}, {"name": "letter"}]"#
    static let schema = #"{"type": "object", "properties": {"total": {"type": "number"}}, "required": ["total"]}"#
    static let boundary = "b0undary"
    static let formType = "multipart/form-data; boundary=\(boundary)"

    static func form(_ parts: [(name: String, value: String)]) -> String {
        ChunkOptionTests.form(parts, boundary: boundary)
    }

    /// The error body's message as a client reads it (the body's JSON escapes `/`).
    static func message(_ answer: TestResponse) -> String {
        ((answer.json?["error"] as? [String: Any])?["message"] as? String) ?? ""
    }

    static var expectedLabels: ClassificationOptions {
        ClassificationOptions(labels: [.init(name: "invoice", description: "a bill"), .init(name: "letter")])
    }

    static var expectedSchema: JSONValue {
        get throws { try JSONDecoder().decode(JSONValue.self, from: Data(schema.utf8)) }
    }

    @Test func formFieldsTheSplitParameterAndJSONReachThePublishedJob() async throws {
        try await RouteTestGateway.run { gateway in
            let form = try await gateway.send(
                .post,
                "/v1/jobs?job_id=f&split=extract_each",
                contentType: Self.formType,
                body: Self.form([
                    ("classify", Self.labels), ("extract", Self.schema), ("instructions", "the amount due"),
                    ("file", "%PDF-1.4 a page"),
                ])
            )
            #expect(form.status == .accepted, "\(form.text)")
            var job = try await ChunkOptionTests.published(gateway)
            #expect(job.jobID == "f" && job.options.classify == Self.expectedLabels)
            #expect(job.options.split == SplitOptions(extractEach: true))
            #expect(job.options.extract == ExtractionOptions(schema: try Self.expectedSchema, instructions: "the amount due"))
            let extractionURL = try #require(job.result.extractionURL)
            #expect(extractionURL.contains("/v1/store/results/f.extraction.json?"), "\(extractionURL)")
            #expect(job.result.chunksURL == nil)

            // `{"labels": […]}`, a `split` field and the schema as a file part over an options part's extract.
            let filePart = try await gateway.send(
                .post,
                "/v1/jobs?job_id=p",
                contentType: Self.formType,
                body: "--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"extract\"; filename=\"schema.json\"\r\n"
                    + "Content-Type: application/json\r\n\r\n\(Self.schema)\r\n"
                    + Self.form([
                        ("classify", #"{"labels": \#(Self.labels)}"#), ("split", "true"),
                        ("options", #"{"extract": {"schema": {"type": "string"}, "instructions": "kept"}}"#),
                        ("file", "%PDF-1.4 a page"),
                    ])
            )
            #expect(filePart.status == .accepted, "\(filePart.text)")
            job = try await ChunkOptionTests.published(gateway)
            #expect(job.jobID == "p" && job.options.classify == Self.expectedLabels && job.options.split == SplitOptions())
            #expect(job.options.extract == ExtractionOptions(schema: try Self.expectedSchema, instructions: "kept"))
            #expect(job.result.extractionURL?.contains("results/p.extraction.json") == true)

            let json = try await gateway.send(
                .post,
                "/v1/jobs",
                contentType: "application/json",
                body:
                    #"{"job_id": "j", "source": {"url": "http://a/b.pdf"}, "options": {"classify": {"labels": \#(Self.labels)}, "split": {}, "extract": {"schema": \#(Self.schema)}}}"#
            )
            #expect(json.status == .accepted, "\(json.text)")
            job = try await ChunkOptionTests.published(gateway)
            #expect(job.jobID == "j" && job.options.classify == Self.expectedLabels && job.options.split == SplitOptions())
            #expect(job.options.extract == ExtractionOptions(schema: try Self.expectedSchema))
            #expect(job.result.extractionURL?.contains("results/j.extraction.json") == true)

            // Nothing asked for, no extraction URL.
            try await gateway.upload("plain")
            job = try await ChunkOptionTests.published(gateway)
            #expect(job.jobID == "plain" && !job.options.analyses && job.result.extractionURL == nil)
        }
    }

    @Test func badLabelsSchemasAndSplitWithoutClassifyAre400NamingTheField() async throws {
        try await RouteTestGateway.run { gateway in
            let badSchema = #"{"type": "object", "properties": {"total": {"type": "money"}}}"#
            let url = #""source": {"url": "http://a/b.pdf"}"#
            let cases: [(String, String, String, String, String)] = [
                (
                    "/v1/jobs", Self.formType, Self.form([("extract", badSchema), ("file", "%PDF")]), "options.extract.schema",
                    "'/properties/total/type'"
                ),
                (
                    "/v1/jobs", "application/json", #"{\#(url), "options": {"extract": {"schema": \#(badSchema)}}}"#,
                    "options.extract.schema", "'/properties/total/type'"
                ),
                ("/v1/jobs", Self.formType, Self.form([("extract", "{\"type\": "), ("file", "%PDF")]), "options.extract.schema", "not JSON"),
                (
                    "/v1/jobs", Self.formType, Self.form([("classify", #"[{"name": "only"}]"#), ("file", "%PDF")]), "options.classify.labels",
                    "2-100 labels"
                ),
                (
                    "/v1/jobs", Self.formType, Self.form([("classify", #"[{"name": "a"}, {"description": "b"}]"#), ("file", "%PDF")]),
                    "options.classify.labels[1].name", "classify must be JSON labels"
                ),
                (
                    "/v1/jobs", "application/json", #"{\#(url), "options": {"classify": {"labels": [{"name": "a"}, {"name": "a"}]}}}"#,
                    "options.classify.labels[1].name", "is given twice"
                ),
                ("/v1/jobs?split=true", "application/pdf", "%PDF", "options.split", "needs options.classify"),
                ("/v1/jobs", "application/json", #"{\#(url), "options": {"split": {}}}"#, "options.split", "needs options.classify"),
                ("/v1/jobs", Self.formType, Self.form([("split", "yes"), ("file", "%PDF")]), "options.split", "true or extract_each"),
                (
                    "/v1/jobs", Self.formType, Self.form([("instructions", "the total"), ("file", "%PDF")]), "options.extract.instructions",
                    "go with extract"
                ),
                (
                    "/v1/jobs", "application/json",
                    #"{\#(url), "result": {"url": "http://a/b.md"}, "options": {"extract": {"schema": \#(Self.schema)}}}"#,
                    "result.extraction_url", "need result.extraction_url"
                ),
            ]
            for (uri, contentType, body, field, words) in cases {
                let answer = try await gateway.send(.post, uri, contentType: contentType, body: body)
                #expect(answer.status == .badRequest, "\(uri) \(body): \(answer.text)")
                #expect(answer.error.code == "invalid_job" && answer.error.field == field, "\(uri) \(body): \(answer.text)")
                #expect(Self.message(answer).contains(words), "\(uri) \(body): \(answer.text)")
            }
        }
    }

    /// A schema over the subset's 256 KiB: a form field is stopped as it arrives, JSON (under
    /// its 1 MiB) by the schema's own bound; each says which limit.
    @Test func aSchemaOver256KiBIsRefusedNamingTheLimit() async throws {
        try await RouteTestGateway.run { gateway in
            let description = String(repeating: "x", count: 300 << 10)
            let schema = #"{"type": "string", "description": "\#(description)"}"#
            let form = try await gateway.send(
                .post,
                "/v1/jobs",
                contentType: Self.formType,
                body: Self.form([("extract", schema), ("file", "%PDF")])
            )
            #expect(form.status == .badRequest && form.error.code == "invalid_job" && form.error.field == "extract", "\(form.text)")
            #expect(form.text.contains("form field 'extract' is over 262144 bytes"), "\(form.text)")

            let json = try await gateway.send(
                .post,
                "/v1/jobs",
                contentType: "application/json",
                body: #"{"source": {"url": "http://a/b.pdf"}, "options": {"extract": {"schema": \#(schema)}}}"#
            )
            #expect(json.status == .badRequest && json.error.field == "options.extract.schema", "\(json.text.prefix(300))")
            #expect(json.text.contains("over the limit of 262144"), "\(json.text.prefix(300))")

            // A schema just under the bound is taken as a form field.
            let fits = #"{"type": "string", "description": "\#(String(repeating: "x", count: 200 << 10))"}"#
            let taken = try await gateway.send(.post, "/v1/jobs", contentType: Self.formType, body: Self.form([("extract", fits), ("file", "%PDF")]))
            #expect(taken.status == .accepted, "\(taken.text.prefix(300))")
        }
    }

    @Test func theExtractionIsServedToItsTenantOnlyOnceCompleted() async throws {
        try await RouteTestGateway.run(GatewayRouteTests.tenants) { gateway in
            let submitted = try await gateway.send(
                .post,
                "/v1/jobs?job_id=x",
                token: "tokA",
                contentType: Self.formType,
                body: Self.form([("extract", Self.schema), ("file", "%PDF-1.4 a page")])
            )
            #expect(submitted.status == .accepted, "\(submitted.text)")
            let job = try await ChunkOptionTests.published(gateway)
            let extractionURL = try #require(job.result.extractionURL.flatMap(URLComponents.init(string:)))
            #expect(extractionURL.path.hasSuffix("/tenants/alpha/results/x.extraction.json"), "\(extractionURL)")

            let queued = try await gateway.send(.get, "/v1/jobs/x/extraction", token: "tokA")
            #expect(queued.status == .notFound && queued.error.code == "not_found", "\(queued.text)")

            // The worker's upload, through the presigned URL as it would PUT it.
            let document = ExtractionDocument(
                extraction: FieldExtraction(
                    values: .object(["total": .number(12.5)]),
                    fields: [
                        ExtractedField(
                            pointer: "/total",
                            value: .number(12.5),
                            confidence: 0.9,
                            confidenceParts: ConfidenceParts(model: 0.9, validation: 1, evidence: 1),
                            citation: Citation(page: 1, box: [1, 2, 3, 4], text: "12.50", markdownRange: [10, 15])
                        )
                    ],
                    requests: 1,
                    pieces: 1
                )
            )
            let put = try await gateway.send(
                .put,
                extractionURL.percentEncodedPath + "?" + (extractionURL.percentEncodedQuery ?? ""),
                contentType: "application/json",
                body: String(decoding: try JSONEncoder().encode(document), as: UTF8.self)
            )
            #expect(put.status.code < 300, "\(put.status) \(put.text)")
            let states = try await JobStateStore(connection: gateway.nats)
            try await states.put(JobState(jobID: "alpha=x", state: .completed))

            let served = try await gateway.send(.get, "/v1/jobs/x/extraction", token: "tokA")
            #expect(served.status == .ok, "\(served.text)")
            #expect(served.headers[.contentType] == "application/json; charset=utf-8")
            #expect(try JSONDecoder().decode(ExtractionDocument.self, from: Data(served.text.utf8)) == document)

            let foreign = try await gateway.send(.get, "/v1/jobs/x/extraction", token: "tokB")
            #expect(foreign.status == .notFound && foreign.error.code == "not_found", "\(foreign.text)")
            #expect(!foreign.text.contains("extract"), "another tenant's job is no job: \(foreign.text)")

            try await states.put(JobState(jobID: "alpha=done", state: .completed))
            let none = try await gateway.send(.get, "/v1/jobs/done/extraction", token: "tokA")
            #expect(none.status == .notFound && none.text.contains("did not ask for options.classify"), "\(none.text)")
        }
    }
}
