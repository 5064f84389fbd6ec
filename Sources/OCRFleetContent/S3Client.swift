import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFileSystem
import NIOHTTP1
import OCRFleetModel

/// What a listing says of one object.
public struct S3Object: Sendable, Equatable {
    public var key: String
    public var size: Int
    public var lastModified: Date?
    public var etag: String?

    public init(key: String, size: Int, lastModified: Date? = nil, etag: String? = nil) {
        self.key = key
        self.size = size
        self.lastModified = lastModified
        self.etag = etag
    }
}

/// The few S3 operations the gateway and the backfill perform themselves, each through a
/// presigned URL so that one signing path serves everything.
public struct S3Client: Sendable {
    public let bucket: S3Bucket
    let http: HTTPClient
    /// Lifetime of the URLs this client signs for its own requests.
    static let requestLifetime: Duration = .seconds(900)

    public init(bucket: S3Bucket, http: HTTPClient = S3Client.untracedHTTP) {
        self.bucket = bucket
        self.http = http
    }

    /// The process's client for S3 requests. It records no client spans: a span would carry
    /// the whole presigned URL, signature included.
    public static let untracedHTTP: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.tracing.tracer = nil
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Streams the file at `path` to `key`.
    public func put(file path: String, key: String, contentType: String?) async throws {
        let url = bucket.presignedURL(.put, key: key, lifetime: Self.requestLifetime)
        let response = try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
            let size = try await handle.info().size
            var request = HTTPClientRequest(url: url)
            request.method = .PUT
            request.headers.add(name: "Content-Type", value: contentType ?? "application/octet-stream")
            request.body = .stream(handle.readChunks(), length: .known(size))
            return try await http.execute(request, timeout: .seconds(600))
        }
        try await Self.check(response, doing: "store \(key)")
    }

    /// Writes `bytes` to `key`.
    public func put(_ bytes: [UInt8], key: String, contentType: String) async throws {
        var request = HTTPClientRequest(url: bucket.presignedURL(.put, key: key, lifetime: Self.requestLifetime))
        request.method = .PUT
        request.headers.add(name: "Content-Type", value: contentType)
        request.body = .bytes(ByteBuffer(bytes: bytes))
        try await Self.check(try await http.execute(request, timeout: .seconds(60)), doing: "store \(key)")
    }

    /// Deletes `key`; a key that is not there is no error (S3 answers 204 either way).
    public func delete(_ key: String) async throws {
        var request = HTTPClientRequest(url: bucket.presignedURL(.delete, key: key, lifetime: Self.requestLifetime))
        request.method = .DELETE
        try await Self.check(try await http.execute(request, timeout: .seconds(60)), doing: "delete \(key)")
    }

    /// Deletes every object under `prefix`; returns how many there were.
    public func delete(under prefix: String) async throws -> Int {
        var deleted = 0
        var continuation: String?
        repeat {
            let page = try await list(prefix: prefix, continuation: continuation)
            for object in page.objects {
                try await delete(object.key)
                deleted += 1
            }
            continuation = page.next
        } while continuation != nil
        return deleted
    }

    /// The object's metadata (`x-amz-meta-*` without the prefix) and size, or nil when there is none.
    public func head(_ key: String) async throws -> (size: Int, metadata: [String: String])? {
        var request = HTTPClientRequest(url: bucket.presignedURL(.head, key: key, lifetime: Self.requestLifetime))
        request.method = .HEAD
        let response = try await http.execute(request, timeout: .seconds(30))
        if response.status.code == 404 {
            try await Self.drain(response)
            return nil
        }
        try await Self.check(response, doing: "look up \(key)")
        var metadata: [String: String] = [:]
        for header in response.headers where header.name.lowercased().hasPrefix("x-amz-meta-") {
            metadata[String(header.name.lowercased().dropFirst("x-amz-meta-".count))] = header.value
        }
        return (response.headers.first(name: "content-length").flatMap(Int.init) ?? 0, metadata)
    }

    /// Creates the bucket (tests and first-time set-up; an existing bucket of yours is fine).
    public func createBucket() async throws {
        var request = HTTPClientRequest(url: bucket.presignedURL(.put, key: "", lifetime: Self.requestLifetime))
        request.method = .PUT
        let response = try await http.execute(request, timeout: .seconds(30))
        if response.status.code == 409 {
            try await Self.drain(response)
            return
        }
        try await Self.check(response, doing: "create bucket \(bucket.name)")
    }

    /// One page of objects under `prefix` in key order (ListObjectsV2), with the token for
    /// the next page.
    public func list(
        prefix: String,
        continuation: String? = nil,
        pageSize: Int = 1000
    ) async throws
        -> (objects: [S3Object], next: String?)
    {
        // URL-encoded keys: a key may hold characters XML 1.0 cannot carry.
        var query = ["list-type": "2", "prefix": prefix, "max-keys": "\(pageSize)", "encoding-type": "url"]
        if let continuation { query["continuation-token"] = continuation }
        let url = bucket.presignedURL(.get, key: "", query: query, lifetime: Self.requestLifetime)
        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(60))
        guard (200..<300).contains(response.status.code) else {
            throw await Self.failure(response, doing: "list s3://\(bucket.name)/\(prefix)")
        }
        let body = try await response.body.collect(upTo: 64 << 20)
        return try S3Listing.parse(Array(body.readableBytesView))
    }

    /// Reads a success's body to its end (a body left unread keeps its connection from the
    /// pool) or throws the store's error.
    static func check(_ response: HTTPClientResponse, doing action: String) async throws {
        guard (200..<300).contains(response.status.code) else { throw await failure(response, doing: action) }
        try await drain(response)
    }

    static func failure(_ response: HTTPClientResponse, doing action: String) async -> S3Error {
        let body = (try? await response.body.collect(upTo: 64 << 10)).map { String(buffer: $0) } ?? ""
        return S3Error(status: Int(response.status.code), action: action, detail: S3Listing.errorMessage(in: body))
    }
}

extension S3Client {
    static func drain(_ response: HTTPClientResponse) async throws {
        for try await _ in response.body {}
    }
}

/// An S3 request the store refused.
public struct S3Error: Error, CustomStringConvertible {
    public var status: Int
    public var action: String
    public var detail: String?

    public init(status: Int, action: String, detail: String? = nil) {
        self.status = status
        self.action = action
        self.detail = detail
    }

    public var description: String {
        "cannot \(action): HTTP \(status)" + (detail.map { " (\($0))" } ?? "")
    }
}
