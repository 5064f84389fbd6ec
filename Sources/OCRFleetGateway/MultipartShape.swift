import Foundation
import MultipartKit
import NIOCore

/// Holds a multipart body to the gateway's caps as its bytes arrive, before the generated
/// server's parser sees them: parts, header lines and header bytes a part, field size, one
/// file, and bytes read without getting anywhere (a header line or preamble that never ends,
/// which the runtime's parser would otherwise keep buffering). It also notes the file part's
/// `Content-Type`, which the generated parts do not carry.
///
/// Used by the one task that reads the request body, like the parser it drives.
final class MultipartShape: @unchecked Sendable {
    /// The shape of the submission this task is reading, when it is multipart.
    @TaskLocal static var current: MultipartShape?

    private let parser: MultipartParser
    private var headers: [String: String] = [:]
    private var isFile: Bool?
    private var fieldName: String?
    private var fieldBytes = 0
    private var fileSeen = false
    private var failure: APIError?
    private var progressed = false
    private var withoutProgress = 0
    private var partCount = 0
    private var headerCount = 0
    private var headerBytes = 0
    private(set) var fileContentType: String?

    init(boundary: String) {
        parser = MultipartParser(boundary: boundary)
        parser.onHeader = { [unowned self] name, value in self.header(name, value) }
        parser.onBody = { [unowned self] buffer in self.body(buffer.readableBytes) }
        parser.onPartComplete = { [unowned self] in self.complete() }
    }

    /// Takes the body's next bytes; throws `400 invalid_job` when the body breaks a cap.
    func check(_ chunk: ArraySlice<UInt8>) throws(APIError) {
        progressed = false
        do {
            try parser.execute(ByteBuffer(bytes: chunk))
        } catch {
            throw APIError.invalid("the multipart body cannot be parsed")
        }
        if let failure { throw failure }
        withoutProgress = progressed ? 0 : withoutProgress + chunk.count
        guard withoutProgress <= MultipartUpload.maxBytesWithoutProgress else {
            throw APIError.invalid(
                "the multipart body has a header or preamble over \(MultipartUpload.maxBytesWithoutProgress) bytes"
            )
        }
    }

    /// The body ended: it must have held the file.
    func finish() throws(APIError) {
        guard fileSeen else { throw APIError.invalid("the multipart body has no 'file' part", field: "file") }
    }

    private func header(_ name: String, _ value: String) {
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

    private func decide() {
        guard isFile == nil else { return }
        let disposition = headers["content-disposition"] ?? ""
        let name = Self.parameter("name", in: disposition)
        if name == "file" {
            if fileSeen { failure = APIError.invalid("send one file per request", field: "file") }
            isFile = true
            fileSeen = true
            fileContentType = headers["content-type"]
        } else {
            isFile = false
            fieldName = name
        }
    }

    private func body(_ bytes: Int) {
        progressed = true
        decide()
        guard isFile == false else { return }
        fieldBytes += bytes
        let maxBytes = MultipartUpload.maxBytes(ofField: fieldName)
        if fieldBytes > maxBytes {
            failure = APIError.invalid("form field '\(fieldName ?? "")' is over \(maxBytes) bytes", field: fieldName)
        }
    }

    private func complete() {
        progressed = true
        partCount += 1
        if partCount > MultipartUpload.maxParts {
            failure = APIError.invalid("the multipart body has over \(MultipartUpload.maxParts) parts")
        }
        decide()
        headers = [:]
        headerCount = 0
        headerBytes = 0
        isFile = nil
        fieldName = nil
        fieldBytes = 0
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
