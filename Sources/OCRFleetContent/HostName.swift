/// Host names as the egress policy compares them.
enum HostName {
    /// Lower case, without the trailing dot of a fully qualified name.
    static func normalized(_ host: String) -> String {
        let lower = host.lowercased()
        return lower.hasSuffix(".") && lower.count > 1 ? String(lower.dropLast()) : lower
    }

    /// Letters, digits, `-` and `_` in dot-separated labels of 1–63 characters, at most 253 in
    /// all: anything else (a percent-decoded NUL or space, say) is no host to resolve.
    static func isValid(_ host: String) -> Bool {
        let name = normalized(host)
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.utf8.count)
                && label.utf8.allSatisfy { byte in
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                        || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                }
        }
    }
}
