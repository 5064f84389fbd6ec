import Foundation

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address, in network byte order.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public var isIPv4: Bool { bytes.count == 4 }

    init(v4 value: UInt32) {
        bytes = [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// The strict textual forms only: dotted-quad IPv4 and RFC 4291 IPv6 (what `inet_pton`
    /// reads; no zone index).
    public init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: v4.s_addr) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: v6) { Array($0) }
        } else {
            return nil
        }
    }

    /// The address a URL's host denotes when it is an address at all, read the way browsers
    /// (the WHATWG URL standard) and `inet_aton` read it: an IPv6 literal, or an IPv4 address
    /// in one to four parts, each decimal, octal (leading `0`) or hexadecimal (`0x`), the last
    /// part filling the bytes left: `2130706433`, `0177.0.0.1`, `0x7f.1` and `127.1` are all
    /// 127.0.0.1. `.notAnAddress` for a host name; `.invalid` for a host that ends in a number
    /// but is no address (`1.2.3.4.5`, `256.1.1.1`, `08.1.1.1`), which browsers refuse too.
    public static func parse(urlHost host: String) -> URLHostAddress {
        if host.hasPrefix("[") || host.contains(":") {
            let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
            guard let address = IPAddress(bare), !address.isIPv4 else { return .invalid }
            return .address(address)
        }
        var parts = host.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count > 1, parts.last?.isEmpty == true { parts.removeLast() }
        guard let last = parts.last, Self.number(last) != nil || last.allSatisfy(\.isASCIIDigitCharacter) else {
            return .notAnAddress
        }
        guard parts.count <= 4 else { return .invalid }
        var numbers: [UInt64] = []
        for part in parts {
            guard let number = Self.number(part) else { return .invalid }
            numbers.append(number)
        }
        guard numbers.dropLast().allSatisfy({ $0 <= 255 }), numbers.last! < 1 << (8 * (5 - numbers.count)) else {
            return .invalid
        }
        var value = numbers.last!
        for (index, number) in numbers.dropLast().enumerated() { value += number << (8 * (3 - index)) }
        return .address(IPAddress(v4: UInt32(value)))
    }

    /// One part of an IPv4 host: `0x…` hexadecimal, `0…` octal, else decimal; nil if it is
    /// none of them (or too long to be an address).
    private static func number(_ part: Substring) -> UInt64? {
        guard !part.isEmpty else { return nil }
        var digits = part
        var radix = 10
        if digits.lowercased().hasPrefix("0x") {
            digits = digits.dropFirst(2)
            radix = 16
            if digits.isEmpty { return 0 }
        } else if digits.count > 1, digits.hasPrefix("0") {
            digits = digits.dropFirst()
            radix = 8
        }
        guard digits.count <= 16, digits.allSatisfy(\.isASCII) else { return nil }
        return UInt64(digits, radix: radix)
    }

    /// The IPv4 address an IPv6 address carries where the packets go to that IPv4 host:
    /// IPv4-mapped `::ffff:a.b.c.d`, IPv4-translated `::ffff:0:a.b.c.d`, IPv4-compatible
    /// `::a.b.c.d` (deprecated), NAT64 `64:ff9b::a.b.c.d`, 6to4 `2002:abcd:…` and Teredo's
    /// client in `2001:0::/32` (stored inverted).
    public var embeddedIPv4: IPAddress? {
        guard !isIPv4 else { return nil }
        let b = bytes
        let zeros = { (range: Range<Int>) in b[range].allSatisfy { $0 == 0 } }
        if zeros(0..<10), b[10] == 0xff, b[11] == 0xff { return IPAddress(bytes: Array(b[12...])) }
        if zeros(0..<8), b[8] == 0xff, b[9] == 0xff, zeros(10..<12) { return IPAddress(bytes: Array(b[12...])) }
        // ::a.b.c.d, but not :: and ::1 themselves.
        if zeros(0..<12), !zeros(12..<15) { return IPAddress(bytes: Array(b[12...])) }
        if b[0..<4] == [0x00, 0x64, 0xff, 0x9b], zeros(4..<12) { return IPAddress(bytes: Array(b[12...])) }
        if b[0] == 0x20, b[1] == 0x02 { return IPAddress(bytes: Array(b[2..<6])) }
        if b[0..<4] == [0x20, 0x01, 0x00, 0x00] { return IPAddress(bytes: b[12...].map { ~$0 }) }
        return nil
    }

    /// Whether the address lies in `network`/`prefix`.
    func isIn(_ network: IPAddress, prefix: Int) -> Bool {
        guard network.bytes.count == bytes.count else { return false }
        var left = prefix
        for index in bytes.indices where left > 0 {
            let bits = min(left, 8)
            let mask = UInt8(truncatingIfNeeded: 0xff << (8 - bits))
            if bytes[index] & mask != network.bytes[index] & mask { return false }
            left -= bits
        }
        return true
    }

    /// Dotted quad, or the RFC 5952 form of IPv6, as `inet_ntop` writes them.
    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = isIPv4 ? AF_INET : AF_INET6
        let written = bytes.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil
        }
        guard written else { return bytes.map(String.init).joined(separator: ".") }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// What a URL's host is, read as an address (`IPAddress.parse(urlHost:)`).
public enum URLHostAddress: Sendable, Equatable {
    case address(IPAddress)
    case notAnAddress
    case invalid
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
