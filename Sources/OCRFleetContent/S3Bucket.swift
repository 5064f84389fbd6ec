import Crypto
import Foundation

/// Keys for an S3-compatible store. A session token (STS) travels with the URL when given.
public struct S3Credentials: Sendable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}

/// One bucket of an S3-compatible store (AWS, MinIO, Ceph, R2, …), reached through
/// presigned URLs (AWS Signature Version 4 in the query string). Whoever holds such a URL
/// needs no keys, which is how workers fetch and store without credentials of their own.
public struct S3Bucket: Sendable {
    public enum Method: String, Sendable {
        case get = "GET"
        case put = "PUT"
        case head = "HEAD"
        case delete = "DELETE"
    }

    public var name: String
    /// Scheme, host and port of the service, e.g. `https://s3.eu-west-1.amazonaws.com`.
    public var endpoint: String
    public var region: String
    /// `https://endpoint/bucket/key` when true; `https://bucket.endpoint/key` otherwise.
    public var pathStyle: Bool
    public var credentials: S3Credentials

    public init(name: String, endpoint: String, region: String, pathStyle: Bool, credentials: S3Credentials) {
        self.name = name
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.region = region
        self.pathStyle = pathStyle
        self.credentials = credentials
    }

    /// The bucket and key prefix of an `s3://bucket/prefix` location; the prefix, when not
    /// empty, ends in `/`.
    public static func parseLocation(_ location: String) -> (bucket: String, prefix: String)? {
        guard location.hasPrefix("s3://") else { return nil }
        let rest = location.dropFirst(5)
        let bucket = String(rest.prefix { $0 != "/" })
        guard isValidName(bucket) else { return nil }
        var prefix = String(rest.dropFirst(bucket.count).drop { $0 == "/" })
        if !prefix.isEmpty, !prefix.hasSuffix("/") { prefix += "/" }
        return (bucket, prefix)
    }

    /// AWS's endpoint for `region`, used when no other is named.
    public static func awsEndpoint(region: String) -> String { "https://s3.\(region).amazonaws.com" }

    /// S3 refuses presigned URLs valid for longer than seven days.
    public static let maxLifetime: Duration = .seconds(7 * 86_400)

    /// Bucket names as S3 allows them; anything else would break the URL.
    public static func isValidName(_ name: String) -> Bool {
        (3...63).contains(name.utf8.count)
            && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x2E }
    }

    /// The object's URL without a signature: what results are reported as, and the prefix
    /// `key(of:)` recognises.
    public func objectURL(_ key: String) -> String { origin + path(key) }

    /// The key of an object URL of this bucket, or nil when the URL is elsewhere.
    public func key(of url: String) -> String? {
        let base = origin + (pathStyle ? "/\(name)/" : "/")
        guard url.hasPrefix(base) else { return nil }
        let rest = url.dropFirst(base.count).prefix { $0 != "?" }
        return rest.isEmpty ? nil : String(rest).removingPercentEncoding
    }

    /// A URL that lets its holder `method` the object `key` (or, with an empty key, the
    /// bucket: `query` then names the operation, e.g. `list-type=2`) until `lifetime` from `now`.
    public func presignedURL(
        _ method: Method,
        key: String,
        query: [String: String] = [:],
        lifetime: Duration,
        now: Date = Date()
    ) -> String {
        let path = path(key)
        let host = origin.split(separator: "/").dropFirst().first.map(String.init) ?? ""
        let timestamp = Self.amzDate.format(now)
        let day = String(timestamp.prefix(8))
        let scope = "\(day)/\(region)/s3/aws4_request"
        var parameters = query
        parameters["X-Amz-Algorithm"] = "AWS4-HMAC-SHA256"
        parameters["X-Amz-Credential"] = "\(credentials.accessKeyID)/\(scope)"
        parameters["X-Amz-Date"] = timestamp
        parameters["X-Amz-Expires"] = "\(min(lifetime, Self.maxLifetime).components.seconds)"
        parameters["X-Amz-SignedHeaders"] = "host"
        if let token = credentials.sessionToken { parameters["X-Amz-Security-Token"] = token }
        let canonicalQuery = parameters.map { (Self.encode($0.key), Self.encode($0.value)) }
            .sorted { $0.0 < $1.0 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
        let canonicalRequest = [
            method.rawValue, path, canonicalQuery, "host:\(host)\n", "host", "UNSIGNED-PAYLOAD",
        ].joined(separator: "\n")
        let stringToSign = [
            "AWS4-HMAC-SHA256", timestamp, scope, SHA256.hash(data: Data(canonicalRequest.utf8)).hexString,
        ].joined(separator: "\n")
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, "s3", "aws4_request"] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key))
        }
        let signature = HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key).hexString
        return "\(origin)\(path)?\(canonicalQuery)&X-Amz-Signature=\(signature)"
    }

    /// When a presigned URL of any S3-compatible store stops working, read from its query
    /// (`X-Amz-Date` + `X-Amz-Expires`); nil for URLs that are not SigV4-presigned.
    public static func expiry(ofPresignedURL url: String) -> Date? {
        guard let items = URLComponents(string: url)?.queryItems,
            let date = items.first(where: { $0.name == "X-Amz-Date" })?.value,
            let seconds = items.first(where: { $0.name == "X-Amz-Expires" })?.value.flatMap(Int.init)
        else { return nil }
        return (try? amzDate.parse(date))?.addingTimeInterval(Double(seconds))
    }

    /// Scheme, host and port: the endpoint itself, or the bucket's virtual host under it.
    private var origin: String {
        guard !pathStyle, let schemeEnd = endpoint.range(of: "://") else { return endpoint }
        return String(endpoint[..<schemeEnd.upperBound] + name + "." + endpoint[schemeEnd.upperBound...])
    }

    /// The canonical (encoded) path of `key`; the bucket's own path for an empty key.
    private func path(_ key: String) -> String {
        let encodedKey = key.split(separator: "/", omittingEmptySubsequences: false).map { Self.encode(String($0)) }
            .joined(separator: "/")
        guard pathStyle else { return "/" + encodedKey }
        return key.isEmpty ? "/\(name)" : "/\(name)/\(encodedKey)"
    }

    /// SigV4's `X-Amz-Date`: ISO 8601's basic format in UTC, `20130524T000000Z`.
    private static let amzDate = Date.ISO8601FormatStyle(
        dateSeparator: .omitted,
        dateTimeSeparator: .standard,
        timeSeparator: .omitted,
        timeZone: .gmt
    )

    /// SigV4's URI encoding: everything but RFC 3986's unreserved characters, `/` included.
    static func encode(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D, 0x2E, 0x5F, 0x7E: encoded.append(Character(UnicodeScalar(byte)))
            default: encoded += String(format: "%%%02X", byte)
            }
        }
        return encoded
    }
}
