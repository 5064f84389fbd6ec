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
        maxDownloadBytes: Int = 512 * 1024 * 1024,
        connectTimeout: Duration = .seconds(10),
        readTimeout: Duration = .seconds(60),
        downloadTimeout: Duration = .seconds(600),
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
/// files, and maps every failure to a contract error code. Every URL and redirect hop goes
/// through `policy` before a byte is sent to it, and the connection goes to the address it
/// checked. What a failure's message says is for the job's submitter: a reason, never the
/// address, port, status or answer of a host; `OCRError.detail` keeps those for the logs.
public struct ContentClient: Sendable {
    let http: EgressHTTPClient
    public var limits: TransferLimits
    public var policy: EgressPolicy

    /// Call `shutdown()` when done. Redirects are followed here, not by the HTTP client, so
    /// that `policy` sees every hop.
    public init(limits: TransferLimits = TransferLimits(), policy: EgressPolicy = EgressPolicy()) {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .init(limits.connectTimeout), read: .init(limits.readTimeout))
        configuration.decompression = .disabled
        http = EgressHTTPClient(configuration: configuration)
        self.limits = limits
        self.policy = policy
    }

    static let maxRedirects = 5

    public func shutdown() async throws { try await http.shutdown() }

    /// Refuses a job whose source, result, layout or chunks URL the policy refuses, or whose
    /// result, layout or chunks URL has expired, before any of them is contacted: no attempt
    /// could deliver its work. A host that does not resolve now is left to the transfer
    /// itself, which fails as retryable.
    public func checkURLs(
        source: String,
        result: String,
        layout: String?,
        chunks: String? = nil,
        extraction: String? = nil,
        now: Date = Date()
    ) async throws(OCRError) {
        var urls = [(source, "source", true), (result, "result", false)]
        if let layout { urls.append((layout, "layout", false)) }
        if let chunks { urls.append((chunks, "chunks", false)) }
        if let extraction { urls.append((extraction, "extraction", false)) }
        for (url, what, _) in urls.dropFirst() {
            if let expiry = PresignedURL.expiry(of: url), expiry < now {
                throw OCRError(.resultRejected, "the \(what) URL expired at \(expiry.formatted(.iso8601))")
            }
        }
        for (url, what, narrowed) in urls {
            do {
                _ = try await policy.destination(of: url, narrowed: narrowed)
            } catch  where error.reason != .unresolvable {
                throw OCRError(.invalidJob, "the \(what) URL \(error.phrase)", detail: error.detail)
            } catch {}
        }
    }

    /// Streams `url` into `path`, hashing as it goes. Never holds the document in memory.
    public func download(
        _ url: String,
        to path: String,
        expectedSHA256: String? = nil
    ) async throws(OCRError)
        -> DownloadedFile
    {
        // S3-compatible stores answer an expired URL with 403; telling it from the URL saves
        // the round trip and says why.
        if let expiry = PresignedURL.expiry(of: url), expiry < Date() {
            throw OCRError(.sourceNotFound, "the source's presigned URL expired at \(expiry.formatted(.iso8601))")
        }
        let deadline = NIODeadline.now() + .init(limits.downloadTimeout)
        var location = url
        for hop in 0...Self.maxRedirects {
            let destination: EgressDestination
            do {
                destination = try await policy.destination(of: location, narrowed: true)
            } catch {
                let subject = hop == 0 ? "the source URL" : "the source redirects to a URL that"
                throw OCRError(
                    error.reason == .unresolvable ? .sourceUnreachable : .invalidJob,
                    "\(subject) \(error.phrase)",
                    detail: error.detail
                )
            }
            let outcome: DownloadOutcome
            do {
                outcome = try await http.execute(HTTPClientRequest(url: location), to: destination, deadline: deadline) {
                    response in try await receive(response, from: destination, into: path, expectedSHA256: expectedSHA256)
                }
            } catch let error as OCRError {
                throw error
            } catch {
                throw Self.transportError(error, .sourceUnreachable, "the source could not be downloaded", destination)
            }
            switch outcome {
            case .file(let file): return file
            case .redirect(let next): location = next
            }
        }
        throw OCRError(.sourceNotFound, "the source redirects more than \(Self.maxRedirects) times")
    }

    enum DownloadOutcome {
        case file(DownloadedFile)
        case redirect(String)
    }

    /// One answer of the source: a redirect to follow, or the document, streamed to `path`.
    private func receive(
        _ response: HTTPClientResponse,
        from destination: EgressDestination,
        into path: String,
        expectedSHA256: String?
    ) async throws -> DownloadOutcome {
        if [301, 302, 303, 307, 308].contains(response.status.code), let next = response.headers.first(name: "location") {
            guard let resolved = URL(string: next, relativeTo: URL(string: destination.url)) else {
                throw OCRError(
                    .invalidJob,
                    "the source redirects to a URL that is not a valid URL",
                    detail: "\(destination.url) redirects to \(next)"
                )
            }
            return .redirect(resolved.absoluteString)
        }
        try Self.checkDownloadStatus(response.status, from: destination)
        let limit = limits.maxDownloadBytes
        if let length = response.headers.first(name: "content-length").flatMap(Int.init), length > limit {
            throw OCRError(.sourceTooLarge, "the source is over the \(limit)-byte limit", detail: "Content-Length \(length)")
        }
        var hasher = SHA256()
        var total = 0
        try await FileSystem.shared.withFileHandle(forWritingAt: FilePath(path), options: .newFile(replaceExisting: true)) {
            handle in
            var writer = handle.bufferedWriter()
            for try await chunk in response.body {
                total += chunk.readableBytes
                if total > limit {
                    throw OCRError(.sourceTooLarge, "the source is over the \(limit)-byte limit")
                }
                chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                try await writer.write(contentsOf: chunk)
            }
            try await writer.flush()
        }
        let digest = hasher.finalize().hexString
        if let expected = expectedSHA256, !expected.isEmpty, expected.lowercased() != digest {
            throw OCRError(
                .corruptDocument,
                "the downloaded bytes do not match source.sha256",
                detail: "sha256 \(digest), the job says \(expected)"
            )
        }
        return .file(
            DownloadedFile(path: path, bytes: total, sha256: digest, contentType: response.headers.first(name: "content-type"))
        )
    }

    /// PUTs `body` to a presigned URL (`what`: "result", "layout"). A refused URL is
    /// `invalid_job`; any other failure is `result_upload_failed` (retryable).
    public func upload(_ body: [UInt8], to url: String, contentType: String, what: String = "result") async throws(OCRError) {
        let destination: EgressDestination
        do {
            destination = try await policy.destination(of: url, narrowed: false)
        } catch {
            throw OCRError(
                error.reason == .unresolvable ? .resultUploadFailed : .invalidJob,
                "the \(what) URL \(error.phrase)",
                detail: error.detail
            )
        }
        var request = HTTPClientRequest(url: url)
        request.method = .PUT
        request.headers.add(name: "Content-Type", value: contentType)
        request.body = .bytes(ByteBuffer(bytes: body))
        let status: HTTPResponseStatus
        do {
            status = try await http.execute(request, to: destination, deadline: .now() + .init(limits.uploadTimeout)) {
                response in
                _ = try? await response.body.collect(upTo: 64 << 10)
                return response.status
            }
        } catch {
            throw Self.transportError(error, .resultUploadFailed, "the \(what) could not be uploaded", destination)
        }
        let detail = "HTTP \(status.code) from \(destination.address) port \(destination.port)"
        switch status.code {
        case 200..<300: return
        case 401, 403, 404, 410:
            // The URL will not be accepted however often the job runs (expired, forbidden,
            // gone): failing now saves redoing the whole OCR on every delivery.
            throw OCRError(
                .resultRejected,
                "the \(what) could not be uploaded (its URL was refused; a presigned URL may have expired)",
                detail: detail
            )
        default:
            throw OCRError(
                .resultUploadFailed,
                "the \(what) could not be uploaded (the destination answered an error)",
                detail: detail
            )
        }
    }

    static func checkDownloadStatus(_ status: HTTPResponseStatus, from destination: EgressDestination) throws(OCRError) {
        let detail = "HTTP \(status.code) from \(destination.address) port \(destination.port)"
        switch status.code {
        case 200..<300: return
        case 408, 429, 500..<600:
            throw OCRError(.sourceUnreachable, "the source could not be downloaded (the source answered an error)", detail: detail)
        default:
            throw OCRError(
                .sourceNotFound,
                "the source could not be downloaded (it is not there or access was refused; a presigned URL may have expired)",
                detail: detail
            )
        }
    }

    /// A connection, TLS or timeout failure: one public reason whatever happened, so that the
    /// fleet cannot be used to tell closed ports from filtered ones.
    static func transportError(
        _ error: any Error,
        _ code: ErrorCode,
        _ summary: String,
        _ destination: EgressDestination
    )
        -> OCRError
    {
        OCRError(code, "\(summary) (connection failed)", detail: "\(destination.address) port \(destination.port): \(error)")
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
