import Foundation

/// The `data` of an `ocrfleet.job.deadlettered` event on `ocr.dlq`.
public struct DeadLetter: Codable, Sendable {
    /// The job event exactly as received when it was JSON; `nil` when it was not.
    public var original: JSONValue?
    /// The received bytes, base64, when they were not JSON, so nothing is lost.
    public var originalBase64: String?
    public var jobID: String?
    public var error: ErrorBody
    public var attempts: Int
    public var firstAttemptAt: Date?
    public var lastAttemptAt: Date
    public var streamSequence: UInt64?

    public init(
        originalPayload: [UInt8],
        jobID: String?,
        error: OCRError,
        attempts: Int,
        firstAttemptAt: Date?,
        lastAttemptAt: Date,
        streamSequence: UInt64?
    ) {
        if let value = try? JSONDecoder().decode(JSONValue.self, from: Data(originalPayload)) {
            original = value
        } else {
            originalBase64 = Data(originalPayload).base64EncodedString()
        }
        self.jobID = jobID
        self.error = ErrorBody(error)
        self.attempts = attempts
        self.firstAttemptAt = firstAttemptAt
        self.lastAttemptAt = lastAttemptAt
        self.streamSequence = streamSequence
    }

    enum CodingKeys: String, CodingKey {
        case original, error, attempts
        case originalBase64 = "original_base64"
        case jobID = "job_id"
        case firstAttemptAt = "first_attempt_at"
        case lastAttemptAt = "last_attempt_at"
        case streamSequence = "stream_sequence"
    }
}

/// Any JSON value, kept whole so dead letters carry the original job event unchanged.
public enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
