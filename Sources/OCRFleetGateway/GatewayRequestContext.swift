import Hummingbird
import NIOCore

/// The gateway's request context: Hummingbird's core context, the peer's address (for
/// throttling failed authentication) and the caller that `Authentication` established.
public struct GatewayRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// Set only by `Authentication`; nil on the routes outside it.
    var caller: Caller?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The authenticated caller. A route that reaches for it without `Authentication` in
    /// front answers 401 instead of serving anyone's jobs.
    func requireCaller() throws(APIError) -> Caller {
        guard let caller else { throw Authentication.unauthorized }
        return caller
    }
}
