import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Redirects name their target as it is. swift-openapi-runtime writes every header value
/// URI-encoded (OpenAPI's `simple` style), which would turn a presigned URL's `%`, `&` and `=`
/// into escapes and break its signature; the encoding is reversible, so it is undone here.
struct RedirectLocations: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var (response, responseBody) = try await next(request, body, metadata)
        if let location = response.headerFields[.location] {
            response.headerFields[.location] = location.removingPercentEncoding ?? location
        }
        return (response, responseBody)
    }
}
