import HTTPTypes
import OCRFleetAPI
@_spi(Generated) import OpenAPIRuntime

/// What `POST /v1/jobs` checks before its body is read: the backlog (`503 backlog`), then, as
/// the body arrives, its size (`413`: `OCR_MAX_UPLOAD_BYTES` for a file, 1 MiB for JSON) and a
/// multipart body's shape (`MultipartShape`, `400`).
struct SubmissionLimits: ServerMiddleware {
    let gateway: Gateway
    static let maxJSONBytes = 1 << 20

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard operationID == Operations.SubmitJob.id else { return try await next(request, body, metadata) }
        try await gateway.checkBacklog()
        guard let body else { return try await next(request, nil, metadata) }
        // Judged by the runtime's own reading of the header, which decides what the body is
        // parsed as: `application//json` is JSON to it, so it must get JSON's cap here too.
        let mediaType = request.headerFields[.contentType].flatMap(OpenAPIMIMEType.init)
        let tooLarge: APIError
        let maxBytes: Int
        if mediaType?.kind == .concrete(type: "application", subtype: "json") {
            maxBytes = Self.maxJSONBytes
            tooLarge = APIError(.contentTooLarge, code: "request_too_large", "a JSON body is at most \(maxBytes) bytes")
        } else {
            maxBytes = gateway.configuration.maxUploadBytes
            tooLarge = MultipartUpload.tooLarge(maxBytes)
        }
        // The boundary the runtime's multipart parser will look for, so the shape checked is the
        // one it parses; without one, the runtime refuses the body before reading it.
        let shape =
            mediaType?.kind == .concrete(type: "multipart", subtype: "form-data")
            ? mediaType?.parameters["boundary"].map { MultipartShape(boundary: $0) } : nil
        let limited = HTTPBody(
            LimitedBody(base: body, maxBytes: maxBytes, tooLarge: tooLarge, shape: shape),
            length: body.length,
            iterationBehavior: .single
        )
        return try await MultipartShape.$current.withValue(shape) { try await next(request, limited, metadata) }
    }
}

/// A request body that ends in an error past its cap or when a multipart shape check fails.
struct LimitedBody: AsyncSequence, Sendable {
    typealias Element = ArraySlice<UInt8>
    let base: HTTPBody
    let maxBytes: Int
    let tooLarge: APIError
    let shape: MultipartShape?

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: HTTPBody.AsyncIterator
        let body: LimitedBody
        var received = 0

        mutating func next() async throws -> ArraySlice<UInt8>? {
            guard let chunk = try await base.next() else {
                try body.shape?.finish()
                return nil
            }
            received += chunk.count
            guard received <= body.maxBytes else { throw body.tooLarge }
            try body.shape?.check(chunk)
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), body: self) }
}
