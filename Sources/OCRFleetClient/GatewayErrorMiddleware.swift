import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Turns every answer of 400 and above into a `GatewayError`, so callers get the gateway's
/// code and `Retry-After` alike for every operation, including statuses and headers the
/// document does not list for it (a 503's `Retry-After`, a 503 from a route not yet ready).
struct GatewayErrorMiddleware: ClientMiddleware {
    /// An error body is a small JSON object; more than this is not worth reading.
    static let bodyLimit = 64 << 10

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, responseBody) = try await next(request, body, baseURL)
        guard response.status.code >= 400 else { return (response, responseBody) }
        var bytes: [UInt8] = []
        if let responseBody {
            for try await chunk in responseBody {
                bytes += chunk.prefix(Self.bodyLimit - bytes.count)
                if bytes.count >= Self.bodyLimit { break }
            }
        }
        throw GatewayError(status: response.status.code, headerFields: response.headerFields, body: bytes)
    }
}
