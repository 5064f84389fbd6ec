import Crypto
import Foundation

/// One document a backfill may submit, as its source describes it.
public struct BackfillDocument: Sendable, Equatable {
    public enum Origin: Sendable, Equatable {
        /// A local file, uploaded through the gateway.
        case file(String)
        /// A URL the workers can fetch.
        case url(String)
        /// An object of the source bucket, handed to the workers as a presigned GET.
        case s3(key: String)
    }

    /// What the checkpoint records: the path under the directory, the object key, or the
    /// manifest entry's id (its URL without the query when it has none).
    public var key: String
    public var origin: Origin
    public var size: Int?
    public var modified: Date?
    public var contentType: String?
    public var metadata: [String: String]
    /// Where the manifest wants the markdown; nil lets the gateway (or the S3 layout) choose.
    public var resultURL: String?
    /// Changes when the document does (ETag, size and time): a changed document is a new job.
    public var version: String

    public init(
        key: String,
        origin: Origin,
        size: Int? = nil,
        modified: Date? = nil,
        contentType: String? = nil,
        metadata: [String: String] = [:],
        resultURL: String? = nil,
        version: String = ""
    ) {
        self.key = key
        self.origin = origin
        self.size = size
        self.modified = modified
        self.contentType = contentType ?? Self.contentType(ofName: key)
        self.metadata = metadata
        self.resultURL = resultURL
        self.version = version
    }

    /// The same document always gets the same job id, so a second submission is recognised
    /// (the gateway keeps a completed job's state; JetStream drops a repeated message id).
    public var jobID: String {
        "bf-" + SHA256.hash(data: Data("\(key)\n\(version)".utf8)).map { String(format: "%02x", $0) }.joined().prefix(32)
    }

    static let typesByExtension = [
        "pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "tif": "image/tiff",
        "tiff": "image/tiff", "webp": "image/webp", "bmp": "image/bmp", "gif": "image/gif",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "doc": "application/msword", "ppt": "application/vnd.ms-powerpoint", "xls": "application/vnd.ms-excel",
        "odt": "application/vnd.oasis.opendocument.text", "odp": "application/vnd.oasis.opendocument.presentation",
        "ods": "application/vnd.oasis.opendocument.spreadsheet", "rtf": "application/rtf",
    ]

    /// The content type a file's extension suggests; nil when it suggests none.
    public static func contentType(ofName name: String) -> String? {
        let base = name.split(separator: "?").first.map(String.init) ?? name
        let ext = (base as NSString).pathExtension.lowercased()
        return typesByExtension[ext]
    }
}
