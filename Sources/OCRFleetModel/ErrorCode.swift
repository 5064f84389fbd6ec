/// The contract's error codes. Each is permanent (fail now) or transient (retry).
public enum ErrorCode: String, Codable, Sendable, CaseIterable {
    case invalidJob = "invalid_job"
    case sourceNotFound = "source_not_found"
    case sourceTooLarge = "source_too_large"
    case unsupportedFormat = "unsupported_format"
    case corruptDocument = "corrupt_document"
    case encryptedDocument = "encrypted_document"
    /// The document's native work (poppler, Leptonica, Tesseract) crashed on it, in the
    /// child process that reads it: the same bytes would crash it again.
    case documentCrashed = "document_crashed"
    case sourceUnreachable = "source_unreachable"
    case engineUnavailable = "engine_unavailable"
    case engineTimeout = "engine_timeout"
    /// The language model answered twice and neither answer was valid against the job's schema.
    case modelInvalidOutput = "model_invalid_output"
    case resultUploadFailed = "result_upload_failed"
    /// The result's store refuses its URL (expired, forbidden, gone): no retry can upload it.
    case resultRejected = "result_rejected"
    /// Every delivery of the job ended with its worker gone (killed, out of memory, evicted)
    /// before the attempt had an outcome, more often than `OCR_MAX_LOST_ATTEMPTS` allows: the
    /// job itself may be what kills them.
    case workerLost = "worker_lost"
    case cancelled
    case `internal`

    /// Whether another attempt may succeed.
    public var isRetryable: Bool {
        switch self {
        case .sourceUnreachable, .engineUnavailable, .engineTimeout, .resultUploadFailed, .internal: true
        case .invalidJob, .sourceNotFound, .sourceTooLarge, .unsupportedFormat, .corruptDocument,
            .encryptedDocument, .documentCrashed, .modelInvalidOutput, .resultRejected, .workerLost, .cancelled:
            false
        }
    }
}

/// A failure of a job, carrying its contract code. Every error the pipeline throws is
/// converted to one of these before it reaches an event.
public struct OCRError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: ErrorCode
    /// What the job's submitter reads (events, state, dead letter).
    public var message: String
    /// What only the logs get: addresses, ports, statuses of hosts the submitter may not see.
    public var detail: String?

    public init(_ code: ErrorCode, _ message: String, detail: String? = nil) {
        self.code = code
        self.message = message
        self.detail = detail
    }

    public var description: String { "\(code.rawValue): \(message)" + (detail.map { " [\($0)]" } ?? "") }
}

extension OCRError {
    /// `error` itself when it is an `OCRError`, else `internal` with its description.
    public init(_ error: any Error) {
        if let error = error as? OCRError {
            self = error
        } else {
            self.init(.internal, "\(error)")
        }
    }
}
