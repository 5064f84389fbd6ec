import HTTPTypes
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime

/// Where the generated operations are registered: every `/v1/` operation in the router group
/// behind `Authentication`, so none can be added without it; the probes, metrics and the
/// document on the open router.
struct GatewayTransport: ServerTransport {
    let open: Router<GatewayRequestContext>
    let authenticated: RouterGroup<GatewayRequestContext>

    func register(
        _ handler: @escaping @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
        method: HTTPRequest.Method,
        path: String
    ) throws {
        if path.hasPrefix("/v1/") {
            authenticated.register(handler, method: method, path: path)
        } else {
            open.register(handler, method: method, path: path)
        }
    }
}
