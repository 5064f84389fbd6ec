import Foundation
import HTTPTypes
import Hummingbird
import OCRFleetModel

/// An error answered as JSON: `{"error": {"code", "message", "field"?}}`.
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    let field: String?
    /// Sent as `Retry-After` (whole seconds, at least one).
    let retryAfter: Duration?
    /// Sent as `Allow` with a 405: the methods the path takes.
    let allow: [HTTPRequest.Method]

    init(
        _ status: HTTPResponse.Status,
        code: String,
        _ message: String,
        field: String? = nil,
        retryAfter: Duration? = nil,
        allow: [HTTPRequest.Method] = []
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.retryAfter = retryAfter
        self.allow = allow
    }

    static func invalid(_ message: String, field: String? = nil) -> APIError {
        APIError(.badRequest, code: ErrorCode.invalidJob.rawValue, message, field: field)
    }

    static func notFound(_ message: String) -> APIError { APIError(.notFound, code: "not_found", message) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        // Sorted keys: the same error is the same bytes, whichever route or reason raised it.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(APIErrorBody(error: APIErrorBody.Detail(code: code, message: message, field: field)))
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retryAfter {
            let seconds = max(1, retryAfter.components.seconds + (retryAfter.components.attoseconds > 0 ? 1 : 0))
            headers[.retryAfter] = "\(seconds)"
        }
        if !allow.isEmpty { headers[.allow] = allow.map(\.rawValue).joined(separator: ", ") }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

private struct APIErrorBody: Encodable {
    struct Detail: Encodable {
        var code: String
        var message: String
        var field: String?
    }
    var error: Detail
}
