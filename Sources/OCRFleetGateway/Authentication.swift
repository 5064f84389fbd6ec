import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OCRFleetModel

/// The one place the gateway authenticates: every route behind it runs with the caller's
/// tenant bound (`Caller.current`), or the request ends here.
///
/// - A client address that failed too often is refused with 429 before its token is looked
///   at, so guessing stays slow and a throttled guesser cannot tell a right guess from a
///   wrong one. The check and the count are one synchronous step, so guesses sent at once
///   slip past it at most one per event-loop thread.
/// - Each token's requests are rate-limited.
/// - A gateway without tokens (it listens on loopback only) lets everyone in as one caller
///   without a tenant.
struct Authentication: RouterMiddleware {
    typealias Context = GatewayRequestContext

    let tokens: TokenTable
    let requests: RateLimiter<FleetClock>
    let failures: RateLimiter<FleetClock>
    /// Proxies in front of the gateway that each append the address they heard from to
    /// `X-Forwarded-For`; 0: the TCP peer is the client.
    let forwardedHops: Int

    static let unauthorized = APIError(.unauthorized, code: "unauthorized", "a valid bearer token is required")

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let caller = try caller(of: request, address: clientAddress(of: request, peer: context.remoteAddress))
        return try await Caller.$current.withValue(caller) { try await next(request, context) }
    }

    func caller(of request: Request, address: String) throws(APIError) -> Caller {
        guard !tokens.isEmpty else { return Caller(tenant: nil) }
        if let wait = failures.waitTime(address) {
            throw APIError(
                .tooManyRequests,
                code: "auth_throttled",
                "too many failed authentications from this address; try again later",
                retryAfter: wait
            )
        }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            let tenant = tokens.tenant(of: header.dropFirst(7))
        else {
            _ = failures.admit(address)
            throw Self.unauthorized
        }
        if let wait = requests.admit(String(header.dropFirst(7))) {
            throw APIError(
                .tooManyRequests,
                code: "rate_limited",
                "more than \(requests.rate) requests a second with this token; slow down",
                retryAfter: wait
            )
        }
        let digest = SHA256.hash(data: Array(header.dropFirst(7).utf8))
        return Caller(tenant: tenant, tokenReviewer: "token-" + digest.prefix(4).map { String(format: "%02x", $0) }.joined())
    }

    /// Whom failures are counted against: the address `forwardedHops` proxies back in
    /// `X-Forwarded-For` (what the outermost trusted proxy heard), else the TCP peer. IPv6
    /// addresses count by their /64, which one host can fill with addresses of its own.
    func clientAddress(of request: Request, peer: SocketAddress?) -> String {
        var address = peer?.ipAddress ?? "unknown"
        if forwardedHops > 0 {
            let hops = request.headers[values: HTTPField.Name("X-Forwarded-For")!].joined(separator: ",")
                .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if hops.count >= forwardedHops { address = hops[hops.count - forwardedHops] }
        }
        return Self.throttleKey(address)
    }

    static func throttleKey(_ address: String) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard inet_pton(AF_INET6, address, &bytes) == 1 else { return address }
        return bytes.prefix(8).map { String($0, radix: 16) }.joined(separator: ".") + "/64"
    }
}
