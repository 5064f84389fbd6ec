import HTTPTypes
import Hummingbird

/// The one place the gateway authenticates: every route behind it gets the caller's tenant
/// in its context, or the request ends here.
///
/// - A client address that failed too often is refused with 429 before its token is looked
///   at, so guessing stays slow and a throttled guesser cannot tell a right guess from a wrong one.
/// - Each token's requests are rate-limited.
/// - A gateway without tokens (it listens on loopback only) lets everyone in as one caller
///   without a tenant.
struct Authentication: RouterMiddleware {
    typealias Context = GatewayRequestContext

    let tokens: TokenTable
    let requests: RateLimiter<ContinuousClock>
    let failures: RateLimiter<ContinuousClock>

    static let unauthorized = APIError(.unauthorized, code: "unauthorized", "a valid bearer token is required")

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.caller = try caller(of: request, address: context.remoteAddress?.ipAddress ?? "unknown")
        return try await next(request, context)
    }

    func caller(of request: Request, address: String) throws(APIError) -> Caller {
        guard !tokens.isEmpty else { return Caller(tenant: nil) }
        if let wait = failures.waitTime(address) {
            throw APIError(
                .tooManyRequests, code: "auth_throttled",
                "too many failed authentications from this address; try again later", retryAfter: wait)
        }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            let tenant = tokens.tenant(of: header.dropFirst(7))
        else {
            _ = failures.admit(address)
            throw Self.unauthorized
        }
        if let wait = requests.admit(String(header.dropFirst(7))) {
            throw APIError(
                .tooManyRequests, code: "rate_limited",
                "more than \(requests.rate) requests a second with this token; slow down", retryAfter: wait)
        }
        return Caller(tenant: tenant)
    }
}
