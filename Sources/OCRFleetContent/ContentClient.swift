import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOFileSystem
import NIOHTTP1
import OCRFleetModel

/// A document fetched to a local file.
public struct DownloadedFile: Sendable {
    public var path: String
    public var bytes: Int
    public var sha256: String
    public var contentType: String?
}

/// Limits on transfers. Defaults suit one worker on a small machine.
public struct TransferLimits: Sendable {
    public var maxDownloadBytes: Int
    /// Connection attempts (with the client's own backoff) give up after this long.
    public var connectTimeout: Duration
    /// Longest wait for the next bytes once connected.
    public var readTimeout: Duration
    public var downloadTimeout: Duration
    public var uploadTimeout: Duration

    public init(
        maxDownloadBytes: Int = 512 * 1024 * 1024, connectTimeout: Duration = .seconds(10),
        readTimeout: Duration = .seconds(60), downloadTimeout: Duration = .seconds(600),
        uploadTimeout: Duration = .seconds(300)
    ) {
        self.maxDownloadBytes = maxDownloadBytes
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.downloadTimeout = downloadTimeout
        self.uploadTimeout = uploadTimeout
    }
}

/// Downloads sources and uploads results through presigned URLs, streaming to and from
/// files, and maps every failure to a contract error code.
public struct ContentClient: Sendable {
    public let http: HTTPClient
    public var limits: TransferLimits
    public var policy: SourcePolicy

    /// Uses `http` when given, else a client of its own built from `limits`; call
    /// `shutdown()` when done with one of its own. Redirects are followed here, not by the
    /// client, so that `policy` sees every hop.
    public init(http: HTTPClient? = nil, limits: TransferLimits = TransferLimits(), policy: SourcePolicy = SourcePolicy()) {
        self.http = http ?? Self.makeHTTPClient(limits)
        self.limits = limits
        self.policy = policy
    }

    static let maxRedirects = 5

    public func shutdown() async throws { try await http.shutdown() }

    static func makeHTTPClient(_ limits: TransferLimits) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .init(limits.connectTimeout), read: .init(limits.readTimeout))
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Streams `url` into `path`, hashing as it goes. Never holds the document in memory.
    public func download(_ url: String, to path: String, expectedSHA256: String? = nil) async throws(OCRError)
        -> DownloadedFile
    {
        // S3-compatible stores answer an expired URL with 403; telling it from the URL saves
        // the round trip and says why.
        if let expiry = S3Bucket.expiry(ofPresignedURL: url), expiry < Date() {
            throw OCRError(.sourceNotFound, "the source's presigned URL expired at \(expiry.formatted(.iso8601))")
        }
        let limit = limits.maxDownloadBytes
        let deadline = NIODeadline.now() + .init(limits.downloadTimeout)
        var location = url
        var response: HTTPClientResponse
        var hops = 0
        while true {
            try await policy.check(location, checkAllowList: true)
            do {
                response = try await http.execute(HTTPClientRequest(url: location), deadline: deadline)
            } catch {
                throw Self.transportError(error, code: .sourceUnreachable, action: "download the source")
            }
            guard [301, 302, 303, 307, 308].contains(response.status.code),
                let next = response.headers.first(name: "location")
            else { break }
            hops += 1
            guard hops <= Self.maxRedirects, let resolved = URL(string: next, relativeTo: URL(string: location)) else {
                throw OCRError(.sourceNotFound, "the source redirects more than \(Self.maxRedirects) times or to a bad URL")
            }
            location = resolved.absoluteString
        }
        try Self.checkDownloadStatus(response.status)
        if let length = response.headers.first(name: "content-length").flatMap(Int.init), length > limit {
            throw OCRError(.sourceTooLarge, "source is \(length) bytes, over the \(limit)-byte limit")
        }
        var hasher = SHA256()
        var total = 0
        do {
            try await FileSystem.shared.withFileHandle(
                forWritingAt: FilePath(path), options: .newFile(replaceExisting: true)
            ) { handle in
                var writer = handle.bufferedWriter()
                for try await chunk in response.body {
                    total += chunk.readableBytes
                    if total > limit {
                        throw OCRError(.sourceTooLarge, "source is over the \(limit)-byte limit")
                    }
                    chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                    try await writer.write(contentsOf: chunk)
                }
                try await writer.flush()
            }
        } catch let error as OCRError {
            throw error
        } catch {
            throw Self.transportError(error, code: .sourceUnreachable, action: "download the source")
        }
        let digest = hasher.finalize().hexString
        if let expected = expectedSHA256, !expected.isEmpty, expected.lowercased() != digest {
            throw OCRError(.corruptDocument, "downloaded bytes have sha256 \(digest), the job says \(expected)")
        }
        return DownloadedFile(
            path: path, bytes: total, sha256: digest, contentType: response.headers.first(name: "content-type"))
    }

    /// PUTs `body` to a presigned URL. Any failure is `result_upload_failed` (retryable).
    public func upload(_ body: [UInt8], to url: String, contentType: String) async throws(OCRError) {
        try await policy.check(url, checkAllowList: false)
        var request = HTTPClientRequest(url: url)
        request.method = .PUT
        request.headers.add(name: "Content-Type", value: contentType)
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .init(limits.uploadTimeout))
        } catch {
            throw Self.transportError(error, code: .resultUploadFailed, action: "upload the result")
        }
        guard (200..<300).contains(response.status.code) else {
            throw OCRError(.resultUploadFailed, "result upload answered HTTP \(response.status.code)")
        }
    }

    static func checkDownloadStatus(_ status: HTTPResponseStatus) throws(OCRError) {
        switch status.code {
        case 200..<300: return
        case 408, 429, 500..<600:
            throw OCRError(.sourceUnreachable, "source answered HTTP \(status.code)")
        case 401, 403:
            throw OCRError(.sourceNotFound, "source refused access (HTTP \(status.code)); the presigned URL may have expired")
        default:
            throw OCRError(.sourceNotFound, "source answered HTTP \(status.code)")
        }
    }

    static func transportError(_ error: any Error, code: ErrorCode, action: String) -> OCRError {
        if let error = error as? HTTPClientError, [.invalidURL, .emptyHost, .emptyScheme].contains(error) {
            return OCRError(.invalidJob, "cannot \(action): bad URL")
        }
        return OCRError(code, "cannot \(action): \(error)")
    }
}

extension Sequence<UInt8> {
    /// Lower-case hexadecimal, as digests and signatures are written on the wire.
    public var hexString: String { map { String(format: "%02x", $0) }.joined() }
}

extension TimeAmount {
    init(_ duration: Duration) {
        self = .milliseconds(duration.milliseconds)
    }
}
