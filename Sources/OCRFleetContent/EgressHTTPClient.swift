import AsyncHTTPClient
import NIOCore

/// Sends each request to the address the egress policy checked for it, never following
/// redirects itself (its callers check each hop). A URL whose host is that address already
/// goes through one shared client: nothing is resolved. A URL naming a host goes through a
/// client of its own for the one request, whose `dnsOverride` maps the name to the checked
/// address, so the connection goes there while the Host header, TLS SNI and the
/// certificate check keep the name; that client (and its connection) ends with the request.
public struct EgressHTTPClient: Sendable {
    let shared: HTTPClient
    let configuration: HTTPClient.Configuration

    /// `configuration` with redirects off; call `shutdown()` when done.
    public init(configuration: HTTPClient.Configuration) {
        var configuration = configuration
        configuration.redirectConfiguration = .disallow
        configuration.dnsOverride = [:]
        // Client spans would record whole URLs: presigned signatures, tokens in callback URLs.
        configuration.tracing.tracer = nil
        self.configuration = configuration
        shared = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    public func shutdown() async throws { try await shared.shutdown() }

    /// Sends `request` to `destination` (its URL replaces the request's) and hands the
    /// response to `body`; the connection lives until `body` returns, so read the body there.
    public func execute<T>(
        _ request: HTTPClientRequest,
        to destination: EgressDestination,
        deadline: NIODeadline,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (HTTPClientResponse) async throws -> T
    ) async throws -> T {
        var request = request
        request.url = destination.url
        let overrides = destination.dnsOverride
        if overrides.isEmpty {
            return try await body(try await shared.execute(request, deadline: deadline))
        }
        var configuration = self.configuration
        configuration.dnsOverride = overrides
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        do {
            let value = try await body(try await client.execute(request, deadline: deadline))
            try? await client.shutdown()
            return value
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
