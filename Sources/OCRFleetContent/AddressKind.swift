/// What an address reaches, as the egress policy sees it. Everything but `publicUnicast` is
/// refused unless an operator allows it (`OCR_EGRESS_ALLOW`).
public enum AddressKind: String, Sendable {
    case publicUnicast = "public"
    /// 127.0.0.0/8, ::1.
    case loopback
    /// RFC 1918 (10/8, 172.16/12, 192.168/16) and the deprecated IPv6 site-local fec0::/10.
    case `private`
    /// 100.64.0.0/10, carrier-grade NAT (RFC 6598).
    case sharedAddressSpace = "shared address space"
    /// 169.254.0.0/16, fe80::/10.
    case linkLocal = "link-local"
    /// Cloud instance metadata services: 169.254.169.254, fd00:ec2::254, 100.100.100.200,
    /// 168.63.129.16 (Azure's wire server), 192.0.0.192 (Oracle).
    case metadata = "cloud metadata"
    /// fc00::/7.
    case uniqueLocal = "unique local"
    /// 224.0.0.0/4, ff00::/8.
    case multicast
    /// 0.0.0.0/8 (reaches the local host on Linux), ::.
    case unspecified
    /// 255.255.255.255.
    case broadcast
    /// Documentation (192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20),
    /// benchmarking (198.18/15, 2001:2::/48), protocol assignments (192.0.0/24, 2001::/23),
    /// the 6to4 relay 192.88.99/24, 240/4, and IPv6 outside 2000::/3 (the only space handed
    /// out as global unicast), local-use NAT64 64:ff9b:1::/48 among it.
    case reserved

    public init(_ address: IPAddress) {
        if address.isIPv4 {
            self = Self.ipv4(address)
        } else if let embedded = address.embeddedIPv4 {
            // The packets go to the IPv4 host, so it is that host's kind that counts.
            self = Self.ipv4(embedded)
        } else {
            self = Self.ipv6(address)
        }
    }

    private static func ipv4(_ address: IPAddress) -> Self {
        for (network, prefix, kind) in ipv4Ranges where address.isIn(network, prefix: prefix) { return kind }
        return .publicUnicast
    }

    private static func ipv6(_ address: IPAddress) -> Self {
        for (network, prefix, kind) in ipv6Ranges where address.isIn(network, prefix: prefix) { return kind }
        return .publicUnicast
    }

    /// Most specific first: the first range that holds an address decides its kind.
    private static let ipv4Ranges = ranges([
        ("169.254.169.254", 32, .metadata), ("100.100.100.200", 32, .metadata), ("168.63.129.16", 32, .metadata),
        ("192.0.0.192", 32, .metadata), ("255.255.255.255", 32, .broadcast),
        ("0.0.0.0", 8, .unspecified), ("10.0.0.0", 8, .private), ("100.64.0.0", 10, .sharedAddressSpace),
        ("127.0.0.0", 8, .loopback), ("169.254.0.0", 16, .linkLocal), ("172.16.0.0", 12, .private),
        ("192.0.0.0", 24, .reserved), ("192.0.2.0", 24, .reserved), ("192.88.99.0", 24, .reserved),
        ("192.168.0.0", 16, .private), ("198.18.0.0", 15, .reserved), ("198.51.100.0", 24, .reserved),
        ("203.0.113.0", 24, .reserved), ("224.0.0.0", 4, .multicast), ("240.0.0.0", 4, .reserved),
    ])

    private static let ipv6Ranges = ranges([
        ("::", 128, .unspecified), ("::1", 128, .loopback), ("fd00:ec2::254", 128, .metadata),
        ("fe80::", 10, .linkLocal), ("fec0::", 10, .private), ("fc00::", 7, .uniqueLocal), ("ff00::", 8, .multicast),
        ("2001:db8::", 32, .reserved), ("3fff::", 20, .reserved), ("2001:2::", 48, .reserved),
        ("2001::", 23, .reserved), ("2000::", 3, .publicUnicast), ("::", 0, .reserved),
    ])

    private static func ranges(_ list: [(String, Int, AddressKind)]) -> [(IPAddress, Int, AddressKind)] {
        list.map { (IPAddress($0.0)!, $0.1, $0.2) }
    }
}
