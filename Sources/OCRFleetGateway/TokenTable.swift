import Crypto

/// The bearer tokens and their tenants. A presented token is hashed and compared with every
/// token's hash in constant time, so neither the lookup nor the comparison says how close a
/// guess came.
struct TokenTable: Sendable {
    private let entries: [(digest: [UInt8], tenant: String)]

    /// `tokens`: token → tenant.
    init(_ tokens: [String: String]) {
        entries = tokens.map { (Array(SHA256.hash(data: Array($0.key.utf8))), $0.value) }
    }

    var isEmpty: Bool { entries.isEmpty }

    /// The tenant of `token`, or nil when no token matches.
    func tenant(of token: Substring) -> String? {
        let digest = Array(SHA256.hash(data: Array(token.utf8)))
        var found: String?
        for entry in entries {
            var difference: UInt8 = 0
            for (a, b) in zip(entry.digest, digest) { difference |= a ^ b }
            if difference == 0 { found = entry.tenant }
        }
        return found
    }
}
