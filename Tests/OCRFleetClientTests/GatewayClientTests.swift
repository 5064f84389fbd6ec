import Foundation
import HTTPTypes
import OCRFleetAPI
import OCRFleetModel
import OpenAPIRuntime
import Testing

@testable import OCRFleetClient

/// The façade's own logic: refusals as `GatewayError` (code, status, `Retry-After`), the
/// bearer token, the fleet's timestamps and an upload's query.
struct GatewayClientTests {
    static func client(_ transport: CannedTransport, token: String? = nil) throws -> GatewayClient {
        try GatewayClient(baseURL: "http://127.0.0.1:8080/", token: token, transport: transport)
    }

    static let json: HTTPFields = [.contentType: "application/json"]

    @Test func aBusyGatewaysRefusalCarriesItsCodeStatusAndRetryAfter() async throws {
        // The document gives the submission's 503 no Retry-After header; the client reads it anyway.
        var headers = Self.json
        headers[.retryAfter] = "5"
        let transport = CannedTransport(
            .serviceUnavailable,
            headers: headers,
            body: #"{"error": {"code": "backlog", "message": "the queue is full"}}"#
        )
        let error = try await #require(throws: GatewayError.self) {
            try await Self.client(transport).submit(.init(source: .init(url: "https://example.com/a.pdf")))
        }
        #expect(error.status == 503 && error.code == "backlog" && error.retryAfter == .seconds(5))
        #expect(error.description == "503 backlog: the queue is full")
    }

    @Test func aRefusalNamesItsField() async throws {
        let transport = CannedTransport(
            .badRequest,
            headers: Self.json,
            body: #"{"error": {"code": "invalid_job", "message": "no such mode", "field": "options.mode"}}"#
        )
        let error = try await #require(throws: GatewayError.self) { try await Self.client(transport).queue() }
        #expect(error.status == 400 && error.code == "invalid_job" && error.field == "options.mode" && error.retryAfter == nil)
    }

    @Test func anAnswerThatIsNotTheGatewaysErrorStillGivesItsStatus() async throws {
        let transport = CannedTransport(.badGateway, headers: [.contentType: "text/html"], body: "<h1>bad gateway</h1>")
        let error = try await #require(throws: GatewayError.self) { try await Self.client(transport).state("a") }
        #expect(error.status == 502 && error.code == nil && error.description == "HTTP 502 <h1>bad gateway</h1>")
    }

    @Test func anUnreachableGatewayIsAFailureWithoutStatus() async throws {
        let error = try await #require(throws: GatewayError.self) {
            try await Self.client(CannedTransport(nil)).retry("a")
        }
        #expect(error.status == nil && error.description.hasPrefix("cannot reach the gateway at http://127.0.0.1:8080"))
    }

    @Test func anUnknownJobHasNoState() async throws {
        let transport = CannedTransport(
            .notFound,
            headers: Self.json,
            body: #"{"error": {"code": "not_found", "message": "no such job"}}"#
        )
        #expect(try await Self.client(transport).stateIfKnown("a") == nil)
    }

    @Test func retryAfterIsTakenInSeconds() {
        #expect(GatewayError.retryAfter("5") == .seconds(5))
        #expect(GatewayError.retryAfter(" 2 ") == .seconds(2))
        #expect(GatewayError.retryAfter("-1") == nil)
        #expect(GatewayError.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT") == nil)
    }

    @Test func theTokenGoesAsABearerAndStatesKeepTheirFractionalSeconds() async throws {
        let state = """
            {"job_id": "a", "state": "running", "attempts": 1, "pages_done": 2, "pages_total": 3,
             "created_at": "2025-05-01T10:00:00Z", "updated_at": "2025-05-01T10:00:01.250Z"}
            """
        let transport = CannedTransport(.ok, headers: Self.json, body: state)
        let answer = try await Self.client(transport, token: "tok").state("a")
        #expect(answer.jobID == "a" && answer.state == .running && answer.pagesDone == 2 && answer.pagesTotal == 3)
        #expect(answer.updatedAt == Timestamp.parse("2025-05-01T10:00:01.250Z"))
        #expect(answer.createdAt == Timestamp.parse("2025-05-01T10:00:00Z"))
        #expect(transport.requests.first?.headerFields[.authorization] == "Bearer tok")
        #expect(transport.requests.first?.path == "/v1/jobs/a")
    }

    @Test func anUploadCarriesItsOptionsInItsQuery() {
        let query = Operations.SubmitJob.Input.Query(
            jobID: "inv-1",
            filename: "scan.pdf",
            options: .init(engine: .tesseract, mode: .ocr, pages: "1-3", languages: ["eng", "deu"], timeoutS: 30)
        )
        #expect(query.jobId == "inv-1" && query.filename == "scan.pdf" && query.languages == "eng+deu")
        #expect(query.engine == .tesseract && query.mode == .ocr && query.pages == "1-3" && query.timeoutS == 30)
    }

    @Test func extractionIsReadAsTheContractsDocument() async throws {
        let body = """
            {"version": 1, "classification": {"label": "invoice", "confidence": 0.8,
             "pages": [{"page": 1, "label": "invoice", "confidence": 0.8}]},
             "extraction": {"values": {"total": 12.5}, "requests": 1, "pieces": 1,
             "fields": [{"pointer": "/total", "value": 12.5, "confidence": 0.9,
                         "confidence_parts": {"model": 0.9, "validation": 1},
                         "citation": {"page": 1, "box": [1, 2, 3, 4], "text": "12.50", "markdown_range": [5, 10]}}]}}
            """
        let transport = CannedTransport(.ok, headers: Self.json, body: body)
        let document = try await Self.client(transport).extraction("a")
        #expect(transport.requests.first?.path == "/v1/jobs/a/extraction")
        #expect(document.classification?.label == "invoice" && document.classification?.pages.first?.page == 1)
        let field = try #require(document.extraction?.fields.first)
        #expect(document.extraction?.values == .object(["total": .number(12.5)]))
        #expect(field.pointer == "/total" && field.citation?.box == [1, 2, 3, 4] && field.confidenceParts.evidence == nil)
    }

    /// Labels and a schema do not go in a URL: an upload with them is a multipart form whose
    /// fields carry them, `split` still in the query.
    @Test func anUploadWithLabelsOrASchemaIsAFormWithThemAsFields() async throws {
        let schema = try JSONDecoder().decode(OpenAPIObjectContainer.self, from: Data(#"{"type": "object"}"#.utf8))
        let options = Components.Schemas.Options(
            classify: .init(labels: [.init(name: "invoice", description: "a bill"), .init(name: "letter")]),
            split: .init(extractEach: true),
            extract: .init(schema: schema, instructions: "the total")
        )
        var fields: [String: String] = [:]
        for part in try GatewayClient.analysisFields(options) {
            switch part {
            case .classify(let part): fields["classify"] = try await String(collecting: part.payload.body, upTo: 1 << 16)
            case .extract(let part): fields["extract"] = try await String(collecting: part.payload.body, upTo: 1 << 16)
            case .instructions(let part): fields["instructions"] = try await String(collecting: part.payload.body, upTo: 1 << 16)
            default: Issue.record("unexpected part \(part)")
            }
        }
        let labels = try JSONDecoder().decode(ClassificationOptions.self, from: Data(try #require(fields["classify"]).utf8))
        #expect(labels == ClassificationOptions(labels: [.init(name: "invoice", description: "a bill"), .init(name: "letter")]))
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(try #require(fields["extract"]).utf8)) == .object(["type": .string("object")]))
        #expect(fields["instructions"] == "the total")
        #expect(try GatewayClient.analysisFields(.init(split: .init())).isEmpty)

        let file = NSTemporaryDirectory() + "client-\(UUID().uuidString.prefix(8)).pdf"
        try Data("%PDF-1.4".utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let transport = CannedTransport(
            .accepted,
            headers: Self.json,
            body: #"{"job_id": "a", "state": "queued", "status_url": "/v1/jobs/a", "result_url": "/v1/jobs/a/result"}"#
        )
        _ = try await Self.client(transport).submit(file: file, options: options)
        let request = try #require(transport.requests.first)
        #expect(request.headerFields[.contentType]?.hasPrefix("multipart/form-data; boundary=") == true)
        #expect(request.path?.contains("split=extract_each") == true, "\(request.path ?? "")")
        #expect(request.path?.contains("classify") == false && request.path?.contains("extract=") == false)
    }
}
