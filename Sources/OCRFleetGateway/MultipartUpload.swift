import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import MultipartKit
import NIOCore
import NIOFileSystem
import OCRFleetContent

/// A file received in a request and written to the store as it arrived.
struct UploadedFile {
    var bytes: Int
    var sha256: String
    var filename: String?
    var contentType: String?
    /// Small non-file form fields (`options`, `engine`, …).
    var fields: [String: String]
}

/// Streams request bodies to files: raw bodies as they are, multipart bodies by their
/// `file` part. Never holds the file in memory and stops at `maxBytes`.
///
/// A multipart body is a cheap way to make a parser work hard, so it has caps besides its
/// size: parts, header lines and header bytes per part, and bytes the parser may read
/// without getting anywhere (a header line or preamble that never ends).
enum MultipartUpload {
    static let maxFieldBytes = 64 * 1024
    /// The form has one file and about a dozen option fields.
    static let maxParts = 32
    static let maxHeadersPerPart = 16
    static let maxHeaderBytesPerPart = 8 * 1024
    static let maxBytesWithoutProgress = 64 * 1024

    static func boundary(of contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return nil
    }

    static func receiveRaw(_ body: RequestBody, to path: String, maxBytes: Int) async throws -> UploadedFile {
        let (bytes, sha256) = try await write(body, to: path, maxBytes: maxBytes) { $0 }
        return UploadedFile(bytes: bytes, sha256: sha256, filename: nil, contentType: nil, fields: [:])
    }

    static func receive(
        _ body: RequestBody,
        boundary: String,
        to path: String,
        maxBytes: Int
    ) async throws
        -> UploadedFile
    {
        let parts = PartCollector()
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in parts.header(name, value) }
        parser.onBody = { buffer in parts.body(&buffer) }
        parser.onPartComplete = { parts.complete() }
        var withoutProgress = 0
        let (bytes, sha256) = try await write(body, to: path, maxBytes: maxBytes) { chunk in
            parts.progressed = false
            do {
                try parser.execute(chunk)
            } catch {
                throw APIError.invalid("the multipart body cannot be parsed")
            }
            if let failure = parts.failure { throw failure }
            withoutProgress = parts.progressed ? 0 : withoutProgress + chunk.readableBytes
            guard withoutProgress <= maxBytesWithoutProgress else {
                throw APIError.invalid("the multipart body has a header or preamble over \(maxBytesWithoutProgress) bytes")
            }
            defer { parts.pending.clear() }
            return parts.pending
        }
        guard parts.fileSeen else { throw APIError.invalid("the multipart body has no 'file' part", field: "file") }
        return UploadedFile(
            bytes: bytes,
            sha256: sha256,
            filename: parts.filename,
            contentType: parts.fileContentType,
            fields: parts.fields
        )
    }

    /// Streams the body to `path`, writing and hashing what `extract` makes of each chunk,
    /// and stops when the body passes `maxBytes`.
    private static func write(
        _ body: RequestBody,
        to path: String,
        maxBytes: Int,
        extract: (ByteBuffer) throws -> ByteBuffer
    ) async throws -> (bytes: Int, sha256: String) {
        var hasher = SHA256()
        var received = 0
        var written = 0
        try await FileSystem.shared.withFileHandle(
            forWritingAt: FilePath(path),
            options: .newFile(replaceExisting: true)
        ) { handle in
            var writer = handle.bufferedWriter()
            for try await chunk in body {
                received += chunk.readableBytes
                guard received <= maxBytes else { throw tooLarge(maxBytes) }
                let data = try extract(chunk)
                guard data.readableBytes > 0 else { continue }
                written += data.readableBytes
                data.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                try await writer.write(contentsOf: data)
            }
            try await writer.flush()
        }
        return (written, hasher.finalize().hexString)
    }

    static func tooLarge(_ maxBytes: Int) -> APIError {
        APIError(.contentTooLarge, code: "source_too_large", "the upload is over the \(maxBytes)-byte limit")
    }
}

/// The multipart parser's callbacks: sorts parts into the file and small fields.
/// Used from one task only, like the parser that calls it.
private final class PartCollector {
    var headers: [String: String] = [:]
    var isFile: Bool?
    var fieldName: String?
    var fieldBuffer: [UInt8] = []
    var fields: [String: String] = [:]
    var pending = ByteBuffer()
    var fileSeen = false
    var filename: String?
    var fileContentType: String?
    var failure: APIError?
    /// Whether the parser reported anything since this was last cleared.
    var progressed = false
    var partCount = 0
    var headerCount = 0
    var headerBytes = 0

    func header(_ name: String, _ value: String) {
        progressed = true
        headerCount += 1
        headerBytes += name.utf8.count + value.utf8.count
        if headerCount > MultipartUpload.maxHeadersPerPart || headerBytes > MultipartUpload.maxHeaderBytesPerPart {
            failure = APIError.invalid(
                "a multipart part has over \(MultipartUpload.maxHeadersPerPart) headers or \(MultipartUpload.maxHeaderBytesPerPart) header bytes"
            )
        }
        headers[name.lowercased()] = value
    }

    func decide() {
        guard isFile == nil else { return }
        let disposition = headers["content-disposition"] ?? ""
        let name = Self.parameter("name", in: disposition)
        if name == "file" {
            if fileSeen { failure = APIError.invalid("send one file per request", field: "file") }
            isFile = true
            fileSeen = true
            filename = Self.parameter("filename", in: disposition)
            fileContentType = headers["content-type"]
        } else {
            isFile = false
            fieldName = name
        }
    }

    func body(_ buffer: inout ByteBuffer) {
        progressed = true
        decide()
        if isFile == true {
            pending.writeBuffer(&buffer)
        } else {
            fieldBuffer += buffer.readableBytesView
            if fieldBuffer.count > MultipartUpload.maxFieldBytes {
                failure = APIError.invalid("form field '\(fieldName ?? "")' is too large", field: fieldName)
            }
        }
    }

    func complete() {
        progressed = true
        partCount += 1
        if partCount > MultipartUpload.maxParts {
            failure = APIError.invalid("the multipart body has over \(MultipartUpload.maxParts) parts")
        }
        decide()
        if isFile == false, let fieldName { fields[fieldName] = String(decoding: fieldBuffer, as: UTF8.self) }
        headers = [:]
        headerCount = 0
        headerBytes = 0
        isFile = nil
        fieldName = nil
        fieldBuffer = []
    }

    static func parameter(_ name: String, in disposition: String) -> String? {
        for part in disposition.split(separator: ";").dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == name {
                return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return nil
    }
}
