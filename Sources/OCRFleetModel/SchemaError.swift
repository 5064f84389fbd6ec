/// A schema the fleet cannot use: invalid, outside the supported subset, or over its bounds.
/// `pointer` is where in the schema (RFC 6901), so a submitter can find the problem; the job
/// fails with `invalid_job`.
public struct SchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    public var pointer: String
    public var message: String

    public init(_ pointer: String, _ message: String) {
        self.pointer = pointer
        self.message = message
    }

    public var description: String { "the JSON schema at '\(pointer)': \(message)" }

    /// The contract's error for it.
    public var ocrError: OCRError { OCRError(.invalidJob, description) }
}

/// One way an instance fails its schema; `pointer` is where in the instance (RFC 6901).
public struct SchemaViolation: Codable, Sendable, Equatable, CustomStringConvertible {
    public var pointer: String
    public var message: String

    public init(_ pointer: String, _ message: String) {
        self.pointer = pointer
        self.message = message
    }

    public var description: String { "'\(pointer)': \(message)" }
}
