import Crypto
import Foundation
import OCRFleetModel

/// The gateway's own content store: files in a directory, reached through URLs signed with
/// HMAC-SHA256 that name the method, the key and an expiry time. Replicas that share the
/// directory and the secret accept each other's URLs.
public struct LocalStore: Sendable {
    public enum Method: String, Sendable {
        case get = "GET"
        case put = "PUT"
    }

    public let directory: String
    public let publicBaseURL: String
    private let secret: [UInt8]

    public init(directory: String, publicBaseURL: String, secret: [UInt8]) throws {
        self.directory = directory
        self.publicBaseURL = publicBaseURL.hasSuffix("/") ? String(publicBaseURL.dropLast()) : publicBaseURL
        self.secret = secret
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// The path prefix under which the gateway serves the store.
    public static let routePrefix = "/v1/store/"

    /// A URL for `method` on `objectKey`, valid until `expires`.
    public func presignedURL(_ method: Method, objectKey: String, expires: Date) -> String {
        let expiry = Int(expires.timeIntervalSince1970)
        let signature = sign(method, objectKey: objectKey, expiry: expiry)
        let escaped = objectKey.split(separator: "/").map {
            $0.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? String($0)
        }.joined(separator: "/")
        return "\(publicBaseURL)\(Self.routePrefix)\(escaped)?expires=\(expiry)&signature=\(signature)"
    }

    /// Checks a request's signature and expiry; nothing else about it is trusted.
    public func verify(
        _ method: Method,
        objectKey: String,
        expires: String?,
        signature: String?,
        now: Date = Date()
    )
        -> Bool
    {
        guard let expires, let expiry = Int(expires), let signature, Self.isValidKey(objectKey) else { return false }
        guard Double(expiry) >= now.timeIntervalSince1970 else { return false }
        let expected = sign(method, objectKey: objectKey, expiry: expiry)
        // Constant-time comparison: the check must not reveal how much of a guess matched.
        return expected.utf8.count == signature.utf8.count
            && zip(expected.utf8, signature.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Keys are relative paths of safe characters: no `..`, no absolute paths.
    public static func isValidKey(_ objectKey: String) -> Bool {
        guard !objectKey.isEmpty, objectKey.utf8.count <= 512, !objectKey.hasPrefix("/") else { return false }
        return objectKey.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { part in
            !part.isEmpty && part != "." && part != ".."
                && part.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_.=+ ".unicodeScalars.contains($0) }
        }
    }

    public func path(for objectKey: String) -> String { "\(directory)/\(objectKey)" }

    private func sign(_ method: Method, objectKey: String, expiry: Int) -> String {
        let message = "\(method.rawValue)\n\(objectKey)\n\(expiry)"
        return HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: secret)).hexString
    }
}
