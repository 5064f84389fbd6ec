import Crypto
import Foundation

/// The presigned URLs of review crops (`/review/crops/{id}?expires=…&signature=…`): an
/// `<img>` cannot send a bearer token, so the gateway signs a short-lived URL per item with
/// the store's secret, as it signs store URLs. The signed text starts with `CROP`, so a crop
/// signature is never a valid store signature or the other way round. The id is the bus's
/// (`<tenant>=<job>.<n>`): the tenant is part of what is signed.
struct CropURLs: Sendable {
    let publicURL: String
    let secret: [UInt8]

    static let routePrefix = "/review/crops/"
    static let lifetime: Duration = .seconds(900)
    static let unescaped = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))

    func url(busItemID: String, now: Date = Date()) -> String {
        let expiry = Int(now.timeIntervalSince1970) + Int(Self.lifetime.components.seconds)
        // `=` (the tenant's separator) is escaped; letters, digits, `-`, `_` and `.` stay.
        let escaped = busItemID.addingPercentEncoding(withAllowedCharacters: Self.unescaped) ?? busItemID
        return "\(publicURL)\(Self.routePrefix)\(escaped)?expires=\(expiry)&signature=\(sign(busItemID, expiry: expiry))"
    }

    /// Whether the signature holds for the id and has not expired; nothing else is trusted.
    func verify(busItemID: String, expires: Int, signature: String, now: Date = Date()) -> Bool {
        guard Double(expires) >= now.timeIntervalSince1970 else { return false }
        let expected = sign(busItemID, expiry: expires)
        // Constant time: the check must not reveal how much of a guess matched.
        return expected.utf8.count == signature.utf8.count
            && zip(expected.utf8, signature.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private func sign(_ busItemID: String, expiry: Int) -> String {
        let message = "CROP\n\(busItemID)\n\(expiry)"
        let code = HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: secret))
        return code.map { String(format: "%02x", $0) }.joined()
    }
}
