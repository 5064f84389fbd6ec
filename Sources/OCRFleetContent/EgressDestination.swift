/// A URL the egress policy allowed, with the address its connection must go to.
public struct EgressDestination: Sendable {
    public let url: String
    /// The URL's host as the HTTP client reads it (`URL.host`, IPv6 brackets off).
    public let host: String
    public let port: Int
    /// The checked address; requests go to it and to no other.
    public let address: IPAddress
    /// Whether `host` is `address` written the strict way, which the HTTP client connects to
    /// without a lookup; otherwise the client must be told where `host` goes.
    let hostIsAddress: Bool

    /// async-http-client's `dnsOverride` that sends a connection for `host` to `address`
    /// while Host, TLS SNI and certificate checks stay on `host`; empty when `host` is the address.
    public var dnsOverride: [String: String] { hostIsAddress ? [:] : [host: address.description] }
}
