import HTTPTypes
import Hummingbird

/// Puts the review page's Content-Security-Policy on `GET /review` as it is: the generated
/// server percent-encodes the header values an operation returns, which no browser reads as a
/// policy.
struct ReviewPageHeaders<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        if request.uri.path == "/review" {
            response.headers[.contentSecurityPolicy] = ReviewPage.contentSecurityPolicy
            response.headers[.xContentTypeOptions] = "nosniff"
        }
        return response
    }
}
