import Foundation
import NIOPosix
import OCRFleetModel

/// Which URLs the worker may fetch from or write to. A job names its URLs, so without this a
/// job could make the worker fetch from the cloud's metadata service (SSRF).
///
/// - With `allowedHosts` set, a source URL's host must match one (`docs.example.com`, or
///   `*.example.com` for any subdomain).
/// - Whatever the list, a URL whose host is, or resolves to, a link-local address
///   (169.254.0.0/16, fe80::/10: where cloud metadata services live) or a known metadata
///   address is refused, unless `allowLinkLocal`.
///
/// The check runs on each hop of a redirect. It resolves names itself, so a name that
/// resolves differently a moment later (DNS rebinding) is not caught; pair it with network
/// policy that blocks 169.254.169.254 from worker pods.
public struct SourcePolicy: Sendable {
    public var allowedHosts: [String]
    public var allowLinkLocal: Bool

    public init(allowedHosts: [String] = [], allowLinkLocal: Bool = false) {
        self.allowedHosts = allowedHosts.map { $0.lowercased() }
        self.allowLinkLocal = allowLinkLocal
    }

    static let metadataNames: Set<String> = ["metadata", "metadata.google.internal", "metadata.azure.internal"]

    /// Throws `invalid_job` when `url` may not be used; `checkAllowList` for source URLs.
    public func check(_ url: String, checkAllowList: Bool) async throws(OCRError) {
        guard let host = URLComponents(string: url)?.host?.lowercased(), !host.isEmpty else {
            throw OCRError(.invalidJob, "the URL has no host")
        }
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        if checkAllowList, !allowedHosts.isEmpty, !allowedHosts.contains(where: { Self.matches(bare, $0) }) {
            throw OCRError(.invalidJob, "source host \(bare) is not in the allow-list (OCR_SOURCE_ALLOW_HOSTS)")
        }
        guard !allowLinkLocal else { return }
        if Self.metadataNames.contains(bare) {
            throw OCRError(.invalidJob, "URL host \(bare) is a cloud metadata service")
        }
        for address in await Self.addresses(of: bare) where Self.isLinkLocalOrMetadata(address) {
            throw OCRError(.invalidJob, "URL host \(bare) is a link-local or metadata address (\(address))")
        }
    }

    static func matches(_ host: String, _ pattern: String) -> Bool {
        if pattern.hasPrefix("*.") { return host.hasSuffix(pattern.dropFirst(1)) }
        return host == pattern
    }

    /// The host's addresses as text; a literal address is itself, a name is resolved (an
    /// empty answer when it does not resolve: the fetch then fails on its own).
    static func addresses(of host: String) async -> [String] {
        if IPv4Address(host) != nil || IPv6Address(host) != nil { return [host] }
        return (try? await NIOThreadPool.singleton.runIfActive { resolve(host) }) ?? []
    }

    private static func resolve(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0 else { return [] }
        defer { freeaddrinfo(list) }
        var found: [String] = []
        var cursor = list
        while let entry = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(entry.pointee.ai_addr, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                found.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            cursor = entry.pointee.ai_next
        }
        return found
    }

    static func isLinkLocalOrMetadata(_ address: String) -> Bool {
        if let v4 = IPv4Address(address) { return v4.isLinkLocalOrMetadata }
        guard let v6 = IPv6Address(address) else { return false }
        if let mapped = v6.mappedIPv4 { return mapped.isLinkLocalOrMetadata }
        // fe80::/10, and AWS's IPv6 metadata address fd00:ec2::254.
        return (v6.bytes[0] == 0xfe && v6.bytes[1] & 0xc0 == 0x80)
            || v6.bytes == [0xfd, 0, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54]
    }
}

struct IPv4Address {
    let bytes: [UInt8]

    init?(_ text: String) {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        bytes = withUnsafeBytes(of: address.s_addr) { Array($0) }
    }

    /// 169.254.0.0/16 (link-local, where 169.254.169.254 lives), Alibaba's 100.100.100.200,
    /// and 0.0.0.0/8 (which reaches the local host).
    var isLinkLocalOrMetadata: Bool {
        (bytes[0] == 169 && bytes[1] == 254) || bytes == [100, 100, 100, 200] || bytes[0] == 0
    }
}

struct IPv6Address {
    let bytes: [UInt8]

    init?(_ text: String) {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        bytes = withUnsafeBytes(of: address) { Array($0) }
    }

    var mappedIPv4: IPv4Address? {
        guard bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff else { return nil }
        return IPv4Address(bytes[12...].map(String.init).joined(separator: "."))
    }
}
