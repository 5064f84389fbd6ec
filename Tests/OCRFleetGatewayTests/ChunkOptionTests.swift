import Foundation
import HTTPTypes
import HummingbirdTesting
import OCRFleetBus
import OCRFleetModel
import Testing

@testable import OCRFleetGateway

/// `options.chunk` through `POST /v1/jobs` (query parameters, form fields, JSON) as the job the
/// gateway publishes carries it, with a `chunks_url` into its store; and `GET /v1/jobs/{id}/chunks`
/// for jobs that have none.
@Suite struct ChunkOptionTests {
    /// The job the gateway last published.
    static func published(_ gateway: RouteTestGateway) async throws -> JobRequest {
        let message = try #require(
            try await StoredMessages(connection: gateway.nats, stream: StreamNames.jobs).last(on: Subjects.jobsWildcard)
        )
        return try JobEvent.parse(body: message.payload, headers: message.headers).data
    }

    static func form(_ parts: [(name: String, value: String)], boundary: String) -> String {
        parts.map { part in
            let filename = part.name == "file" ? #"; filename="scan.pdf""# : ""
            return "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\"\(filename)\r\n\r\n\(part.value)\r\n"
        }.joined() + "--\(boundary)--\r\n"
    }

    @Test func chunkOptionsComeAsQueryParametersFormFieldsOrJSON() async throws {
        try await RouteTestGateway.run { gateway in
            let query = try await gateway.send(
                .post,
                "/v1/jobs?job_id=q&chunk=tokens&chunk_size=128&chunk_overlap=8",
                contentType: "application/pdf",
                body: "%PDF-1.4 a page"
            )
            #expect(query.status == .accepted, "\(query.text)")
            var job = try await Self.published(gateway)
            #expect(job.jobID == "q" && job.options.chunk == ChunkingOptions(strategy: .tokens, size: 128, overlap: 8))
            let chunksURL = try #require(job.result.chunksURL)
            #expect(chunksURL.contains("/v1/store/results/q.chunks.jsonl?"), "\(chunksURL)")

            let boundary = "b0undary"
            let form = try await gateway.send(
                .post,
                "/v1/jobs?job_id=f&chunk_size=300",
                contentType: "multipart/form-data; boundary=\(boundary)",
                body: Self.form(
                    [("file", "%PDF-1.4 a page"), ("chunk", "page"), ("options", #"{"chunk": {"overlap": 0}}"#)],
                    boundary: boundary
                )
            )
            #expect(form.status == .accepted, "\(form.text)")
            job = try await Self.published(gateway)
            #expect(job.jobID == "f" && job.options.chunk == ChunkingOptions(strategy: .page, size: 300, overlap: 0))
            #expect(job.result.chunksURL?.contains("results/f.chunks.jsonl") == true)

            let json = try await gateway.send(
                .post,
                "/v1/jobs",
                contentType: "application/json",
                body: #"{"job_id": "j", "source": {"url": "http://a/b.pdf"}, "options": {"chunk": {}}}"#
            )
            #expect(json.status == .accepted, "\(json.text)")
            job = try await Self.published(gateway)
            #expect(job.jobID == "j" && job.options.chunk == ChunkingOptions())
            #expect(job.result.chunksURL?.contains("results/j.chunks.jsonl") == true)

            // No chunks asked for, no chunks URL.
            try await gateway.upload("plain")
            job = try await Self.published(gateway)
            #expect(job.jobID == "plain" && job.options.chunk == nil && job.result.chunksURL == nil)
        }
    }

    @Test func badChunkOptionsAre400NamingTheField() async throws {
        try await RouteTestGateway.run { gateway in
            let cases: [(String, String?, String, String)] = [
                ("/v1/jobs?chunk=sentences", "application/pdf", "%PDF", "chunk"),
                ("/v1/jobs?chunk=heading&chunk_size=15", "application/pdf", "%PDF", "options.chunk.size"),
                ("/v1/jobs?chunk=heading&chunk_size=64&chunk_overlap=64", "application/pdf", "%PDF", "options.chunk.overlap"),
                (
                    "/v1/jobs", "application/json",
                    #"{"source": {"url": "http://a/b.pdf"}, "options": {"chunk": {"strategy": "sentences"}}}"#,
                    "options.chunk.strategy"
                ),
                (
                    "/v1/jobs", "application/json",
                    #"{"source": {"url": "http://a/b.pdf"}, "result": {"url": "http://a/b.md"}, "options": {"chunk": {}}}"#,
                    "result.chunks_url"
                ),
            ]
            for (uri, contentType, body, field) in cases {
                let answer = try await gateway.send(.post, uri, contentType: contentType, body: body)
                #expect(answer.status == .badRequest, "\(uri) \(body)")
                #expect(answer.error.code == "invalid_job" && answer.error.field == field, "\(uri) \(body): \(answer.text)")
            }
            let size = try await gateway.send(.post, "/v1/jobs?chunk=heading&chunk_size=15", contentType: "application/pdf", body: "%PDF")
            #expect(size.text.contains("options.chunk.size must be 16-8192 tokens, not 15"), "\(size.text)")
        }
    }

    @Test func aJobWithoutChunksOrOfAnotherTenantHasNone() async throws {
        try await RouteTestGateway.run(GatewayRouteTests.tenants) { gateway in
            try await gateway.upload("plain", token: "tokA")
            let queued = try await gateway.send(.get, "/v1/jobs/plain/chunks", token: "tokA")
            #expect(queued.status == .notFound && queued.error.code == "not_found", "\(queued.text)")
            #expect(queued.headers[.contentType] == "application/json; charset=utf-8")

            let states = try await JobStateStore(connection: gateway.nats)
            try await states.put(JobState(jobID: "alpha=done", state: .completed))
            let none = try await gateway.send(.get, "/v1/jobs/done/chunks", token: "tokA")
            #expect(none.status == .notFound && none.text.contains("did not ask for options.chunk"), "\(none.text)")

            let foreign = try await gateway.send(.get, "/v1/jobs/done/chunks", token: "tokB")
            #expect(foreign.status == .notFound && foreign.error.code == "not_found", "\(foreign.text)")
            #expect(!foreign.text.contains("options.chunk"), "another tenant's job is no job: \(foreign.text)")
        }
    }
}
