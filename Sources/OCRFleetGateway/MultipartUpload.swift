import Crypto
import Foundation
import HTTPTypes
import NIOFileSystem
import OCRFleetAPI
import OCRFleetContent
import OCRFleetModel
import OpenAPIRuntime

/// A file received in a request and written to the store as it arrived.
struct UploadedFile {
    var bytes: Int
    var sha256: String
    var filename: String?
    var contentType: String?
    /// Small non-file form fields (`options`, `engine`, …).
    var fields: [String: String]
}

/// Streams uploads to files: a raw body as it is, a multipart body by its `file` part. Never
/// holds the file in memory; `SubmissionLimits` stops the body at its size cap and holds a
/// multipart body to its shape (`MultipartShape`) as it arrives.
enum MultipartUpload {
    typealias Part = Operations.SubmitJob.Input.Body.MultipartFormPayload

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

    static func receiveRaw(_ body: HTTPBody, to path: String, maxBytes: Int) async throws -> UploadedFile {
        let (bytes, sha256) = try await write(body, to: path, maxBytes: maxBytes)
        return UploadedFile(bytes: bytes, sha256: sha256, filename: nil, contentType: nil, fields: [:])
    }

    /// The `file` part to `path`, the option fields kept. The parts come in order, each read
    /// to its end before the next, so the file streams through.
    static func receive(
        _ parts: MultipartBody<Part>,
        to path: String,
        maxBytes: Int,
        shape: MultipartShape?
    ) async throws -> UploadedFile {
        var file: (bytes: Int, sha256: String, filename: String?)?
        var fields: [String: String] = [:]
        do {
            for try await part in parts {
                switch part {
                case .file(let part):
                    let (bytes, sha256) = try await write(part.payload.body, to: path, maxBytes: maxBytes)
                    file = (bytes, sha256, part.filename)
                case .options(let part): fields["options"] = try await field("options", part.payload.body)
                case .engine(let part): fields["engine"] = try await field("engine", part.payload.body)
                case .mode(let part): fields["mode"] = try await field("mode", part.payload.body)
                case .pages(let part): fields["pages"] = try await field("pages", part.payload.body)
                case .languages(let part): fields["languages"] = try await field("languages", part.payload.body)
                case .resolution(let part): fields["resolution"] = try await field("resolution", part.payload.body)
                case .prompt(let part): fields["prompt"] = try await field("prompt", part.payload.body)
                case .onPageError(let part): fields["on_page_error"] = try await field("on_page_error", part.payload.body)
                case .headersFooters(let part):
                    fields["headers_footers"] = try await field("headers_footers", part.payload.body)
                case .priority(let part):
                    fields["priority"] = try await field("priority", part.payload.body)
                case .chunk(let part): fields["chunk"] = try await field("chunk", part.payload.body)
                case .chunkSize(let part): fields["chunk_size"] = try await field("chunk_size", part.payload.body)
                case .chunkOverlap(let part): fields["chunk_overlap"] = try await field("chunk_overlap", part.payload.body)
                case .classify(let part): fields["classify"] = try await field("classify", part.payload.body)
                case .split(let part): fields["split"] = try await field("split", part.payload.body)
                case .extract(let part): fields["extract"] = try await field("extract", part.payload.body)
                case .instructions(let part): fields["instructions"] = try await field("instructions", part.payload.body)
                case .password(let part): fields["password"] = try await field("password", part.payload.body)
                case .timeoutS(let part): fields["timeout_s"] = try await field("timeout_s", part.payload.body)
                case .undocumented(let part): _ = try await field("an unknown part", part.body)
                }
            }
        } catch let error as APIError {
            throw error
        } catch {
            // The runtime's own checks of the form: a `file` part exactly once, `options` at most once.
            guard file != nil else { throw APIError.invalid("the multipart body has no 'file' part", field: "file") }
            throw APIError.invalid("the multipart body has one 'file' part and at most one of each field", field: "file")
        }
        guard let file else { throw APIError.invalid("the multipart body has no 'file' part", field: "file") }
        return UploadedFile(
            bytes: file.bytes,
            sha256: file.sha256,
            filename: file.filename,
            contentType: shape?.fileContentType,
            fields: fields
        )
    }

    /// The most a form field may hold: a schema (`extract`) what a schema may, the others `maxFieldBytes`.
    static func maxBytes(ofField name: String?) -> Int {
        name == "extract" ? JSONSchema.maxBytes : maxFieldBytes
    }

    private static func field(_ name: String, _ body: HTTPBody) async throws -> String {
        let maxBytes = maxBytes(ofField: name)
        do {
            return try await String(collecting: body, upTo: maxBytes)
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.invalid("form field '\(name)' is over \(maxBytes) bytes", field: name)
        }
    }

    /// Streams `chunks` to `path`, hashing them, and stops past `maxBytes`.
    static func write<Chunks: AsyncSequence>(
        _ chunks: Chunks,
        to path: String,
        maxBytes: Int
    ) async throws -> (bytes: Int, sha256: String) where Chunks.Element == ArraySlice<UInt8> {
        var hasher = SHA256()
        var written = 0
        try await FileSystem.shared.withFileHandle(
            forWritingAt: FilePath(path),
            options: .newFile(replaceExisting: true)
        ) { handle in
            var writer = handle.bufferedWriter()
            for try await chunk in chunks {
                written += chunk.count
                guard written <= maxBytes else { throw tooLarge(maxBytes) }
                chunk.withUnsafeBytes { hasher.update(bufferPointer: $0) }
                try await writer.write(contentsOf: chunk)
            }
            try await writer.flush()
        }
        return (written, hasher.finalize().hexString)
    }

    static func tooLarge(_ maxBytes: Int) -> APIError {
        APIError(.contentTooLarge, code: "source_too_large", "the upload is over the \(maxBytes)-byte limit")
    }
}
