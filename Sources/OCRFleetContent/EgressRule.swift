import Foundation

/// One entry of `OCR_EGRESS_ALLOW`: what an operator trusts beyond public addresses.
///
/// - `store.internal`, `*.svc.cluster.local`: URLs naming that host (any subdomain for `*.`),
///   whatever it resolves to;
/// - `10.0.0.0/8`, `fd00::/8`, `127.0.0.1`, `::1`: addresses in that network, whatever name
///   led to them;
/// - either with `:port` (`minio:9000`, `127.0.0.1:8080`, `[::1]:8080`): that port only.
public struct EgressRule: Sendable, Hashable, CustomStringConvertible {
    public enum Target: Sendable, Hashable {
        /// A host name, or `*.suffix` (stored as `.suffix`) for its subdomains.
        case host(String)
        case network(IPAddress, prefix: Int)
    }

    public var target: Target
    public var port: Int?

    public init(_ target: Target, port: Int? = nil) {
        self.target = target
        self.port = port
    }

    /// The forms above, for error messages.
    public static let syntax = "a host, *.domain, IPv4/IPv6 address or network (CIDR), optionally with :port"

    /// Reads one entry; nil if it is none of the forms above.
    public init?(_ text: String) {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces).lowercased())
        var port: Int?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let number = Self.port(after.dropFirst()) else { return nil }
                port = number
            }
            rest = rest[rest.index(after: rest.startIndex)..<close]
        } else if rest.filter({ $0 == ":" }).count == 1, let colon = rest.firstIndex(of: ":") {
            guard let number = Self.port(rest[rest.index(after: colon)...]) else { return nil }
            port = number
            rest = rest[..<colon]
        }
        if let slash = rest.firstIndex(of: "/") {
            let maximum = rest.contains(":") ? 128 : 32
            guard let address = IPAddress(String(rest[..<slash])), let prefix = Int(rest[rest.index(after: slash)...]),
                (0...maximum).contains(prefix)
            else { return nil }
            self.init(.network(address, prefix: prefix), port: port)
        } else if let address = IPAddress(String(rest)) {
            self.init(.network(address, prefix: address.isIPv4 ? 32 : 128), port: port)
        } else if rest.hasPrefix("*."), HostName.isValid(String(rest.dropFirst(2))) {
            self.init(.host(String(rest.dropFirst())), port: port)
        } else if HostName.isValid(String(rest)), IPAddress.parse(urlHost: String(rest)) == .notAnAddress {
            self.init(.host(HostName.normalized(String(rest))), port: port)
        } else {
            return nil
        }
    }

    private static func port(_ text: Substring) -> Int? {
        guard let number = Int(text), (1...65535).contains(number) else { return nil }
        return number
    }

    /// Whether the rule names `host` (normalized) on `port`.
    func allows(host: String, port: Int) -> Bool {
        guard case .host(let pattern) = target, self.port == nil || self.port == port else { return false }
        return pattern.hasPrefix(".") ? host.hasSuffix(pattern) : host == pattern
    }

    /// Whether the rule covers `address` on `port`; an IPv6 form of an IPv4 address is covered
    /// where that address is.
    func allows(_ address: IPAddress, port: Int) -> Bool {
        guard case .network(let network, let prefix) = target, self.port == nil || self.port == port else { return false }
        return address.isIn(network, prefix: prefix) || address.embeddedIPv4?.isIn(network, prefix: prefix) == true
    }

    public var description: String {
        let base: String
        switch target {
        case .host(let pattern): base = pattern.hasPrefix(".") ? "*" + pattern : pattern
        case .network(let address, let prefix):
            let full = address.isIPv4 ? 32 : 128
            let text = prefix == full ? "\(address)" : "\(address)/\(prefix)"
            return port.map { address.isIPv4 ? "\(text):\($0)" : "[\(text)]:\($0)" } ?? text
        }
        return port.map { "\(base):\($0)" } ?? base
    }
}
