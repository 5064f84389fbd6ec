import Crypto
import Foundation
import OCRFleetContent
import OCRFleetModel

/// A job a caller asked for, ready to enqueue: the job as the bus will carry it, the
/// caller's own id for it, and what exactly was asked for, which decides whether a second
/// request under the same id is the same job.
struct Submission {
    /// What the caller sent, without what the gateway adds (presigned URLs, the tenant):
    /// equal for a repeated request, different for a different job.
    struct Asked: Encodable {
        struct Upload: Encodable {
            var sha256: String
            var bytes: Int
            var contentType: String?
            var filename: String?
        }
        var upload: Upload?
        var source: SourceDocument?
        var result: ResultTarget?
        var options: JobOptions
        var metadata: [String: String]?
        var callbackURL: String?
    }

    /// An uploaded file waiting in the spool for the job to be accepted.
    struct Upload {
        var path: String
        var key: String
    }

    let clientID: String
    let job: JobRequest
    let callback: String?
    let upload: Upload?
    /// The hex SHA-256 of what was asked in a canonical JSON form (sorted keys).
    let digest: String

    init(clientID: String, job: JobRequest, callback: String?, asked: Asked, upload: Upload? = nil) {
        self.clientID = clientID
        self.job = job
        self.callback = callback
        self.upload = upload
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        digest = SHA256.hash(data: (try? encoder.encode(asked)) ?? Data()).hexString
    }
}
