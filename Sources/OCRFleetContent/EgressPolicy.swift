import Foundation
import OCRFleetModel

/// Which URLs the fleet may send requests to on a job's behalf: source, result and layout
/// URLs, webhook callbacks, and every redirect hop of each. A job names its own URLs, so
/// without this a submitter could make a worker or gateway reach what only they can reach
/// (cloud metadata, the cluster's services, loopback ports: SSRF).
///
/// A URL passes when it is `http` or `https` and
/// - its host matches a host rule of `allowed` (`OCR_EGRESS_ALLOW`), or
/// - every address its host is or resolves to is public unicast (`AddressKind`) or inside a
///   network rule of `allowed`; one refused address refuses the URL (a name that mixes
///   public and internal answers is not one to trust, and any pick among them is the
///   resolver's, not ours);
///
/// and, when narrowing applies (`check(_:checkAllowList:)`), its host is in `hosts`.
/// Addresses are read the way browsers and `inet_aton` read them (`IPAddress.parse(urlHost:)`);
/// IPv6 forms that carry an IPv4 address are judged by that address.
///
/// The name is resolved here once; the request then goes to the checked address
/// (`EgressDestination.dnsOverride`), so a name that answers differently a moment later
/// (DNS rebinding) changes nothing.
public struct EgressPolicy: Sendable {
    public var allowed: [EgressRule]
    /// Hosts URLs must name when narrowing applies (`docs.example.com`, `*.example.com`);
    /// empty: any. They narrow, never widen: an internal address stays refused unless
    /// `allowed` opens it.
    public var hosts: [String]
    public var resolver: HostResolver

    public init(allowed: [EgressRule] = [], hosts: [String] = [], resolver: HostResolver = .system) {
        self.allowed = allowed
        self.hosts = hosts.map { HostName.normalized($0.trimmingCharacters(in: .whitespaces)) }
        self.resolver = resolver
    }

    /// Host names of cloud metadata services, refused before they are resolved.
    static let metadataNames: Set<String> = [
        "metadata", "metadata.google.internal", "metadata.goog", "metadata.azure.internal", "instance-data",
        "instance-data.ec2.internal",
    ]

    /// Checks `url` and resolves its host; the destination says where to connect.
    public func destination(of url: String, narrowed: Bool) async throws(EgressRefusal) -> EgressDestination {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased() else {
            throw EgressRefusal(reason: .badURL, detail: "cannot parse \(url)")
        }
        guard scheme == "http" || scheme == "https" else {
            throw EgressRefusal(reason: .scheme, detail: "scheme \(scheme) in \(url)")
        }
        guard var host = parsed.host, !host.isEmpty else { throw EgressRefusal(reason: .badURL, detail: "no host in \(url)") }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = parsed.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65535).contains(port) else { throw EgressRefusal(reason: .badURL, detail: "port \(port) in \(url)") }

        let literal: IPAddress?
        switch IPAddress.parse(urlHost: host) {
        case .address(let address): literal = address
        case .invalid: throw EgressRefusal(reason: .badURL, detail: "host \(host) is no valid address")
        case .notAnAddress:
            guard HostName.isValid(host) else { throw EgressRefusal(reason: .badURL, detail: "host \(host) is no valid name") }
            literal = nil
        }
        let name = literal?.description ?? HostName.normalized(host)
        if narrowed, !hosts.isEmpty, !hosts.contains(where: { Self.matches(name, $0) }) {
            throw EgressRefusal(reason: .notInHostList, detail: "host \(name) is not among \(hosts.joined(separator: ","))")
        }
        let namedByRule = literal == nil && allowed.contains { $0.allows(host: name, port: port) }
        if literal == nil, !namedByRule, Self.metadataNames.contains(name) {
            throw EgressRefusal(reason: .refused(.metadata), detail: "host \(name) is a cloud metadata service")
        }
        let addresses: [IPAddress]
        if let literal {
            addresses = [literal]
        } else {
            addresses = try await resolve(name)
        }
        if !namedByRule {
            for address in addresses {
                let kind = AddressKind(address)
                guard kind == .publicUnicast || allowed.contains(where: { $0.allows(address, port: port) }) else {
                    throw EgressRefusal(
                        reason: .refused(kind),
                        detail: "host \(host) port \(port) is \(address), a \(kind.rawValue) address"
                    )
                }
            }
        }
        return EgressDestination(
            url: url,
            host: host,
            port: port,
            address: addresses[0],
            hostIsAddress: IPAddress(host) != nil
        )
    }

    private func resolve(_ name: String) async throws(EgressRefusal) -> [IPAddress] {
        let addresses: [IPAddress]
        do {
            addresses = try await resolver.addresses(name)
        } catch {
            throw EgressRefusal(reason: .unresolvable, detail: error.detail)
        }
        guard !addresses.isEmpty else { throw EgressRefusal(reason: .unresolvable, detail: "\(name) has no addresses") }
        return addresses
    }

    /// Throws when `url` may not be used: `invalid_job` for a refusal, `source_unreachable`
    /// when its host does not resolve; the message never names an address. `checkAllowList`
    /// applies `hosts`.
    @discardableResult
    public func check(_ url: String, checkAllowList: Bool) async throws(OCRError) -> EgressDestination {
        do {
            return try await destination(of: url, narrowed: checkAllowList)
        } catch {
            throw OCRError(
                error.reason == .unresolvable ? .sourceUnreachable : .invalidJob,
                "the URL \(error.phrase)",
                detail: error.detail
            )
        }
    }

    static func matches(_ host: String, _ pattern: String) -> Bool {
        if pattern.hasPrefix("*.") { return host.hasSuffix(pattern.dropFirst(1)) }
        return host == pattern
    }
}
